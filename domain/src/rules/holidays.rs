//! Seed data: NSW public holidays 2026–2028 (AU-RULES), including the additional
//! days NSW declares when a holiday falls on a weekend and the additional Anzac Day
//! Mondays of 2026 and 2027. Holidays are data an ADMIN edits; this only seeds them.
//! The August Bank Holiday covers banks only and is not included.

use chrono::NaiveDate;

/// A named public holiday, for seeding the holiday table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicHoliday {
    pub date: NaiveDate,
    pub name: &'static str,
}

const NSW_2026_2028: &[(i32, u32, u32, &str)] = &[
    (2026, 1, 1, "New Year's Day"),
    (2026, 1, 26, "Australia Day"),
    (2026, 4, 3, "Good Friday"),
    (2026, 4, 4, "Easter Saturday"),
    (2026, 4, 5, "Easter Sunday"),
    (2026, 4, 6, "Easter Monday"),
    (2026, 4, 25, "Anzac Day"),
    (2026, 4, 27, "Additional day (Anzac Day)"),
    (2026, 6, 8, "King's Birthday"),
    (2026, 10, 5, "Labour Day"),
    (2026, 12, 25, "Christmas Day"),
    (2026, 12, 26, "Boxing Day"),
    (2026, 12, 28, "Additional day (Boxing Day)"),
    (2027, 1, 1, "New Year's Day"),
    (2027, 1, 26, "Australia Day"),
    (2027, 3, 26, "Good Friday"),
    (2027, 3, 27, "Easter Saturday"),
    (2027, 3, 28, "Easter Sunday"),
    (2027, 3, 29, "Easter Monday"),
    (2027, 4, 25, "Anzac Day"),
    (2027, 4, 26, "Additional day (Anzac Day)"),
    (2027, 6, 14, "King's Birthday"),
    (2027, 10, 4, "Labour Day"),
    (2027, 12, 25, "Christmas Day"),
    (2027, 12, 26, "Boxing Day"),
    (2027, 12, 27, "Additional day (Christmas Day)"),
    (2027, 12, 28, "Additional day (Boxing Day)"),
    (2028, 1, 1, "New Year's Day"),
    (2028, 1, 3, "Additional day (New Year's Day)"),
    (2028, 1, 26, "Australia Day"),
    (2028, 4, 14, "Good Friday"),
    (2028, 4, 15, "Easter Saturday"),
    (2028, 4, 16, "Easter Sunday"),
    (2028, 4, 17, "Easter Monday"),
    (2028, 4, 25, "Anzac Day"),
    (2028, 6, 12, "King's Birthday"),
    (2028, 10, 2, "Labour Day"),
    (2028, 12, 25, "Christmas Day"),
    (2028, 12, 26, "Boxing Day"),
];

/// NSW public holidays 2026–2028 with their names, in date order.
pub fn nsw_public_holidays_named() -> Vec<PublicHoliday> {
    NSW_2026_2028
        .iter()
        .filter_map(|&(y, m, d, name)| {
            NaiveDate::from_ymd_opt(y, m, d).map(|date| PublicHoliday { date, name })
        })
        .collect()
}

/// NSW public holiday dates 2026–2028, in date order.
pub fn nsw_public_holidays() -> Vec<NaiveDate> {
    nsw_public_holidays_named()
        .into_iter()
        .map(|h| h.date)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Weekday};

    #[test]
    fn table_matches_au_rules_with_weekdays() {
        use Weekday::*;
        // Dates and weekdays exactly as printed in AU-RULES.md.
        let expected: &[(i32, u32, u32, Weekday)] = &[
            (2026, 1, 1, Thu),
            (2026, 1, 26, Mon),
            (2026, 4, 3, Fri),
            (2026, 4, 4, Sat),
            (2026, 4, 5, Sun),
            (2026, 4, 6, Mon),
            (2026, 4, 25, Sat),
            (2026, 4, 27, Mon),
            (2026, 6, 8, Mon),
            (2026, 10, 5, Mon),
            (2026, 12, 25, Fri),
            (2026, 12, 26, Sat),
            (2026, 12, 28, Mon),
            (2027, 1, 1, Fri),
            (2027, 1, 26, Tue),
            (2027, 3, 26, Fri),
            (2027, 3, 27, Sat),
            (2027, 3, 28, Sun),
            (2027, 3, 29, Mon),
            (2027, 4, 25, Sun),
            (2027, 4, 26, Mon),
            (2027, 6, 14, Mon),
            (2027, 10, 4, Mon),
            (2027, 12, 25, Sat),
            (2027, 12, 26, Sun),
            (2027, 12, 27, Mon),
            (2027, 12, 28, Tue),
            (2028, 1, 1, Sat),
            (2028, 1, 3, Mon),
            (2028, 1, 26, Wed),
            (2028, 4, 14, Fri),
            (2028, 4, 15, Sat),
            (2028, 4, 16, Sun),
            (2028, 4, 17, Mon),
            (2028, 4, 25, Tue),
            (2028, 6, 12, Mon),
            (2028, 10, 2, Mon),
            (2028, 12, 25, Mon),
            (2028, 12, 26, Tue),
        ];
        let dates = nsw_public_holidays();
        assert_eq!(dates.len(), expected.len());
        for (date, &(y, m, d, wd)) in dates.iter().zip(expected) {
            assert_eq!(*date, NaiveDate::from_ymd_opt(y, m, d).unwrap());
            assert_eq!(date.weekday(), wd, "{date}");
        }
        assert!(
            dates.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        // No August bank holiday.
        assert!(dates.iter().all(|d| d.month() != 8));
        let named = nsw_public_holidays_named();
        assert_eq!(named[7].name, "Additional day (Anzac Day)");
        assert!(named.iter().all(|h| !h.name.is_empty()));
    }
}
