//! Business time: public holidays as data (seeded with NSW 2026–2028, the
//! declared additional days included, as AU-RULES lists them) and the timer
//! rows every later deadline is planned as.

use crate::kit::{drop_tables, index, table};
use sea_orm::prelude::Uuid;
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

/// NSW public holidays 2026–2028 (AU-RULES). The August Bank Holiday covers
/// banks only and is not included. Frozen with this migration: later years
/// are added through the API.
pub const NSW_2026_2028: &[(i32, u32, u32, &str)] = &[
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

/// A holiday's id: a UUIDv7 whose time is the date's midnight (UTC) and
/// whose other bits are zero, so each date has one id and id order (the order
/// pages walk) is date order.
pub fn holiday_id(date: chrono::NaiveDate) -> Uuid {
    let millis = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis();
    uuid::Builder::from_unix_timestamp_millis(millis as u64, &[0; 10]).into_uuid()
}

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(table(
            "public_holiday",
            [
                pk_uuid("id"),
                date_uniq("holiday_date"),
                string("name"),
                timestamp_with_time_zone("created_at"),
            ],
        ))
        .await?;
    let mut seed = Query::insert();
    seed.into_table("public_holiday")
        .columns(["id", "holiday_date", "name", "created_at"]);
    let seeded_at = chrono::DateTime::parse_from_rfc3339("2026-12-04T00:00:00Z")
        .expect("valid")
        .to_utc();
    for &(y, m, d, name) in NSW_2026_2028 {
        let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        seed.values_panic([
            holiday_id(date).into(),
            date.into(),
            name.into(),
            seeded_at.into(),
        ]);
    }
    manager.exec_stmt(seed).await?;

    manager
        .create_table(table(
            "timer",
            [
                pk_uuid("id"),
                string("kind"),
                uuid("subject_id"),
                integer("generation"),
                timestamp_with_time_zone("due_at"),
                text("payload"),
                string("status"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone_null("fired_at"),
            ],
        ))
        .await?;
    // One timer per (kind, subject, generation): a fire is exactly once.
    let identity = &["kind", "subject_id", "generation"];
    index(manager, "ux_timer_identity", "timer", identity, true).await?;
    // The sweep looks for PLANNED timers by due time.
    let due = &["status", "due_at"];
    index(manager, "ix_timer_status_due", "timer", due, false).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &["timer", "public_holiday"]).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, Weekday};

    #[test]
    fn seed_matches_au_rules_with_weekdays() {
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
        assert_eq!(NSW_2026_2028.len(), expected.len());
        let dates: Vec<NaiveDate> = NSW_2026_2028
            .iter()
            .map(|&(y, m, d, _)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
            .collect();
        for (date, &(y, m, d, wd)) in dates.iter().zip(expected) {
            assert_eq!(*date, NaiveDate::from_ymd_opt(y, m, d).unwrap());
            assert_eq!(date.weekday(), wd, "{date}");
        }
        assert!(
            dates.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert!(
            dates.iter().all(|d| d.month() != 8),
            "no August bank holiday"
        );
        assert_eq!(NSW_2026_2028[7].3, "Additional day (Anzac Day)");
    }

    #[test]
    fn holiday_ids_sort_as_their_dates() {
        let ids: Vec<Uuid> = NSW_2026_2028
            .iter()
            .map(|&(y, m, d, _)| holiday_id(NaiveDate::from_ymd_opt(y, m, d).unwrap()))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
