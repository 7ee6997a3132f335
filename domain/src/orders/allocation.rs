//! Which stock can serve an order (step 3): per line, one location in the
//! shipping address's region when it can serve the whole line, else one
//! anywhere, else split across locations (region first); within a location
//! the earliest-expiring batch first; the rest backordered. Pure: the
//! caller reads stock, this decides; reserving re-checks every pick.

use chrono::NaiveDate;
use entity::Region;
use std::collections::HashMap;
use uuid::Uuid;

/// Stock that can be reserved at one level (warehouses only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Available {
    pub level_id: Uuid,
    pub location_id: Uuid,
    pub location_code: String,
    pub region: Region,
    pub batch_code: String,
    pub expires_on: Option<NaiveDate>,
    pub quantity: i32,
}

/// What one line needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub line_id: Uuid,
    pub product_id: Uuid,
    pub quantity: i32,
}

/// Take `quantity` from one stock level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub level_id: Uuid,
    pub location_code: String,
    pub batch_code: String,
    pub quantity: i32,
}

/// How one line would be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePlan {
    pub line_id: Uuid,
    pub picks: Vec<Pick>,
    pub backordered: i32,
}

/// Plan every line against `stock` (per product). Lines of the same product
/// share its stock: what one line takes, the next cannot.
pub fn propose(
    needs: &[Need],
    stock: &HashMap<Uuid, Vec<Available>>,
    region: Region,
) -> Vec<LinePlan> {
    let mut left: HashMap<Uuid, i32> = stock
        .values()
        .flatten()
        .map(|a| (a.level_id, a.quantity.max(0)))
        .collect();
    needs
        .iter()
        .map(|need| {
            let rows = stock
                .get(&need.product_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            plan_line(need, rows, region, &mut left)
        })
        .collect()
}

fn plan_line(
    need: &Need,
    rows: &[Available],
    region: Region,
    left: &mut HashMap<Uuid, i32>,
) -> LinePlan {
    // Locations in a stable order: the order's region first, then by code.
    let mut locations: Vec<(bool, &str, Uuid)> = rows
        .iter()
        .map(|r| (r.region != region, r.location_code.as_str(), r.location_id))
        .collect();
    locations.sort();
    locations.dedup();
    let at = |location: Uuid| -> Vec<&Available> {
        let mut batches: Vec<&Available> =
            rows.iter().filter(|r| r.location_id == location).collect();
        // Earliest expiry first; batches that never expire last.
        batches.sort_by_key(|r| (r.expires_on.is_none(), r.expires_on, r.batch_code.clone()));
        batches
    };
    let total_at = |location: Uuid, left: &HashMap<Uuid, i32>| -> i32 {
        at(location).iter().map(|r| left[&r.level_id]).sum()
    };
    let whole = locations
        .iter()
        .find(|(_, _, id)| total_at(*id, left) >= need.quantity)
        .map(|(_, _, id)| *id);
    let order: Vec<Uuid> = match whole {
        Some(id) => vec![id],
        None => locations.iter().map(|(_, _, id)| *id).collect(),
    };
    let mut wanted = need.quantity;
    let mut picks = Vec::new();
    for location in order {
        for row in at(location) {
            if wanted == 0 {
                break;
            }
            let free = left.get_mut(&row.level_id).expect("every row is counted");
            let take = wanted.min(*free);
            if take > 0 {
                *free -= take;
                wanted -= take;
                picks.push(Pick {
                    level_id: row.level_id,
                    location_code: row.location_code.clone(),
                    batch_code: row.batch_code.clone(),
                    quantity: take,
                });
            }
        }
    }
    LinePlan {
        line_id: need.line_id,
        picks,
        backordered: wanted,
    }
}

/// The region an address in `country` (ISO 3166 alpha-2) is served from.
pub fn region_of(country: &str) -> Region {
    const EUROPE: &[&str] = &[
        "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR",
        "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE",
        "SI", "SK",
    ];
    match country {
        "US" | "CA" | "MX" => Region::NorthAmerica,
        "MY" | "SG" | "ID" | "TH" | "BN" => Region::Malaysia,
        c if EUROPE.contains(&c) => Region::Europe,
        _ => Region::Australia,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        location: &str,
        region: Region,
        batch: &str,
        expires: Option<u32>,
        quantity: i32,
    ) -> Available {
        Available {
            level_id: Uuid::now_v7(),
            location_id: Uuid::new_v5(&Uuid::NAMESPACE_OID, location.as_bytes()),
            location_code: location.into(),
            region,
            batch_code: batch.into(),
            expires_on: expires.map(|d| NaiveDate::from_ymd_opt(2027, 1, d).unwrap()),
            quantity,
        }
    }

    fn plan(quantity: i32, rows: Vec<Available>, region: Region) -> LinePlan {
        let product = Uuid::now_v7();
        let need = Need {
            line_id: Uuid::now_v7(),
            product_id: product,
            quantity,
        };
        propose(&[need], &HashMap::from([(product, rows)]), region).remove(0)
    }

    fn picked(plan: &LinePlan) -> Vec<(&str, &str, i32)> {
        plan.picks
            .iter()
            .map(|p| (p.location_code.as_str(), p.batch_code.as_str(), p.quantity))
            .collect()
    }

    #[test]
    fn one_location_in_the_region_when_it_can_serve_the_whole_line() {
        let rows = vec![
            row("LAX", Region::NorthAmerica, "", None, 50),
            row("MEL", Region::Australia, "", None, 3),
            row("SYD", Region::Australia, "", None, 8),
        ];
        let p = plan(5, rows, Region::Australia);
        assert_eq!(picked(&p), [("SYD", "", 5)]);
        assert_eq!(p.backordered, 0);
    }

    #[test]
    fn one_location_elsewhere_beats_a_split_and_a_split_beats_a_backorder() {
        let rows = vec![
            row("MEL", Region::Australia, "", None, 3),
            row("LAX", Region::NorthAmerica, "", None, 10),
        ];
        assert_eq!(
            picked(&plan(6, rows.clone(), Region::Australia)),
            [("LAX", "", 6)]
        );
        let p = plan(15, rows, Region::Australia);
        assert_eq!(picked(&p), [("MEL", "", 3), ("LAX", "", 10)]);
        assert_eq!(p.backordered, 2);
    }

    #[test]
    fn earliest_expiring_batch_first_and_lines_share_stock() {
        let rows = vec![
            row("SYD", Region::Australia, "LATE", Some(20), 5),
            row("SYD", Region::Australia, "NEVER", None, 5),
            row("SYD", Region::Australia, "SOON", Some(2), 2),
        ];
        assert_eq!(
            picked(&plan(8, rows.clone(), Region::Australia)),
            [("SYD", "SOON", 2), ("SYD", "LATE", 5), ("SYD", "NEVER", 1)]
        );
        let product = Uuid::now_v7();
        let need = |q| Need {
            line_id: Uuid::now_v7(),
            product_id: product,
            quantity: q,
        };
        let plans = propose(
            &[need(10), need(4)],
            &HashMap::from([(product, rows)]),
            Region::Australia,
        );
        assert_eq!(plans[0].backordered, 0);
        assert_eq!(plans[1].backordered, 2, "the second line gets what is left");
    }

    #[test]
    fn countries_map_to_regions() {
        assert_eq!(region_of("AU"), Region::Australia);
        assert_eq!(region_of("NZ"), Region::Australia);
        assert_eq!(region_of("US"), Region::NorthAmerica);
        assert_eq!(region_of("DE"), Region::Europe);
        assert_eq!(region_of("MY"), Region::Malaysia);
    }
}
