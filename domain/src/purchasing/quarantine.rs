//! What becomes of goods held in quarantine (goods that failed QC on
//! receipt): released into a warehouse after a re-inspection every check of
//! which passed, or returned to their supplier. Each is one transaction
//! with the stock ledger; released goods then serve the orders waiting on
//! them like goods received.

use super::Check;
use crate::catalogue::stock::{self, Change, Level, change_in};
use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, Fields, Permission, Write};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use entity::{LocationKind, MovementKind, stock_level, stock_location};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Serialize;
use std::collections::HashSet;
use uuid::Uuid;

/// Longest reason for a return, and longest re-inspection note.
const MAX_REASON: usize = 500;
const MAX_NOTES: usize = 2000;
/// Longest item of a re-inspection checklist (as on receipt).
const MAX_ITEM: usize = 200;

/// The outcome of a re-inspection's checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reinspection {
    /// No checks were given.
    Missing,
    /// These checks (by position) failed: the goods stay in quarantine.
    Failed(Vec<usize>),
    /// Every check passed: the goods may be released.
    Passed,
}

/// Judge a re-inspection: released only when there are checks and every one passed.
pub fn reinspection(checklist: &[Check]) -> Reinspection {
    if checklist.is_empty() {
        return Reinspection::Missing;
    }
    let failed: Vec<usize> = checklist
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.passed)
        .map(|(i, _)| i)
        .collect();
    if failed.is_empty() {
        Reinspection::Passed
    } else {
        Reinspection::Failed(failed)
    }
}

/// Units of a quarantine level that may leave it (released or returned):
/// what is on hand and not reserved (quarantine is never reserved, so in
/// practice all of it).
pub fn held(level: &stock_level::Model) -> i32 {
    (level.on_hand - level.reserved).max(0)
}

/// Whether `quantity` units may leave a level holding `held`: 1 to `held`.
pub fn movable(quantity: i32, held: i32) -> bool {
    (1..=held).contains(&quantity)
}

/// Quarantined units to release, as the re-inspector enters them.
#[derive(Debug, Clone)]
pub struct ReleaseInput {
    /// The quarantine stock level (product, location, batch) they are held at.
    pub stock_level_id: Uuid,
    pub quantity: i32,
    /// A WAREHOUSE location.
    pub to_location_id: Uuid,
    /// The re-inspection: at least one check, every one passed.
    pub checklist: Vec<Check>,
    pub notes: Option<String>,
}

/// What the audit trail keeps of a release.
#[derive(Debug, Serialize)]
struct Released<'a> {
    quantity: i32,
    to_stock_level_id: Uuid,
    to_location_id: Uuid,
    checklist: &'a [Check],
    notes: Option<&'a str>,
}

/// What the audit trail keeps of a return to the supplier.
#[derive(Debug, Serialize)]
struct Returned<'a> {
    quantity: i32,
    reason: &'a str,
}

/// The quarantine level named by `stock_level_id`, locked, with its
/// location; refusals on `stockLevelId` when missing or not in quarantine.
async fn quarantined(w: &Write<'_>, fields: &mut Fields, id: Uuid) -> Result<Level, DomainError> {
    let level = crate::kernel::db::find_for_update::<stock_level::Entity, _>(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("stockLevelId", "stock level"))?;
    let location = stock_location::Entity::find_by_id(level.location_id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::internal("a stock level's location is missing"))?;
    fields.ensure(
        location.kind == LocationKind::Quarantine,
        "stockLevelId",
        ErrorCode::InvalidState,
        format!(
            "the stock level is at {}, not a QUARANTINE location",
            location.code
        ),
    );
    Ok(Level { level, location })
}

fn refuse_quantity(fields: &mut Fields, quantity: i32, held: i32, what: &str) {
    fields.ensure(
        movable(quantity, held),
        "quantity",
        ErrorCode::OutOfRange,
        if held == 0 {
            format!("nothing is held here to {what}")
        } else {
            format!("{what} 1 to {held} unit(s): that is what is held here")
        },
    );
}

/// Release quarantined units after a passed re-inspection (purchasing
/// roles): in one transaction they leave the quarantine level and land at
/// the WAREHOUSE given, same batch and expiry (a RELEASE movement each
/// side), and after commit the orders waiting on the product are served as
/// for goods received. A re-inspection with a failed check releases
/// nothing. The warehouse level after.
pub async fn release(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &ReleaseInput,
) -> Result<Committed<Level>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let mut fields = Fields::new();
    let from = quarantined(&w, &mut fields, input.stock_level_id).await?;
    let held = held(&from.level);
    refuse_quantity(&mut fields, input.quantity, held, "release");
    match reinspection(&input.checklist) {
        Reinspection::Missing => fields.refuse(
            "checklist",
            ErrorCode::Required,
            "a release needs its re-inspection checklist",
        ),
        Reinspection::Failed(failed) => {
            for i in failed {
                let index = i.to_string();
                fields.refuse_at(
                    &["checklist", index.as_str(), "passed"],
                    ErrorCode::InvalidState,
                    "a re-inspection with a failed check cannot release: the goods stay \
                     in quarantine (or go back to the supplier)",
                );
            }
        }
        Reinspection::Passed => {}
    }
    for (i, check) in input.checklist.iter().enumerate() {
        let index = i.to_string();
        fields.text_at(
            &["checklist", index.as_str(), "item"],
            &check.item,
            MAX_ITEM,
        );
    }
    let notes = input
        .notes
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .and_then(|n| fields.text("notes", n, MAX_NOTES));
    let to = stock_location::Entity::find_by_id(input.to_location_id)
        .one(w.conn())
        .await?;
    match &to {
        None => fields.refuse(
            "toLocationId",
            ErrorCode::NotFound,
            "stock location not found",
        ),
        Some(l) => fields.ensure(
            l.kind == LocationKind::Warehouse,
            "toLocationId",
            ErrorCode::InvalidState,
            format!(
                "released goods go to a WAREHOUSE location; {} is not",
                l.code
            ),
        ),
    }
    let to = fields.finish(|| to)?;

    let reason = format!(
        "Released from {} to {} after re-inspection",
        from.location.code, to.code
    );
    let out = Change::at(&from.level, -input.quantity, MovementKind::Release, &reason);
    change_in(&mut w, &out).await?;
    let into = Change {
        location_id: to.id,
        quantity: input.quantity,
        ..out
    };
    let landed = change_in(&mut w, &into).await?;
    let record = Released {
        quantity: input.quantity,
        to_stock_level_id: landed.id,
        to_location_id: to.id,
        checklist: &input.checklist,
        notes: notes.as_deref(),
    };
    w.audit(
        stock::SUBJECT_TYPE,
        from.level.id,
        "stock.released",
        None,
        Some(&record),
    )
    .await?;
    w.emit(topic::STOCK_RELEASED, landed.id, &serde_json::json!({}))
        .await?;
    w.commit(Level {
        level: landed,
        location: to,
    })
    .await
}

/// Quarantined units to send back to their supplier.
#[derive(Debug, Clone)]
pub struct ReturnInput {
    /// The quarantine stock level they are held at.
    pub stock_level_id: Uuid,
    pub quantity: i32,
    /// Why (for the ledger and the audit trail).
    pub reason: String,
}

/// Send quarantined units back to their supplier (purchasing roles): they
/// leave the quarantine level (a SUPPLIER_RETURN movement). The quarantine
/// level after.
pub async fn return_to_supplier(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &ReturnInput,
) -> Result<Committed<Level>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let mut fields = Fields::new();
    let reason = fields.text("reason", &input.reason, MAX_REASON);
    let from = quarantined(&w, &mut fields, input.stock_level_id).await?;
    refuse_quantity(&mut fields, input.quantity, held(&from.level), "return");
    let reason = fields.finish(|| reason)?;
    let ledger = format!(
        "Returned to the supplier from {}: {reason}",
        from.location.code
    );
    let out = Change::at(
        &from.level,
        -input.quantity,
        MovementKind::SupplierReturn,
        &ledger,
    );
    let after = change_in(&mut w, &out).await?;
    let record = Returned {
        quantity: input.quantity,
        reason: &reason,
    };
    w.audit(
        stock::SUBJECT_TYPE,
        from.level.id,
        "stock.returned_to_supplier",
        None,
        Some(&record),
    )
    .await?;
    w.commit(Level {
        level: after,
        location: from.location,
    })
    .await
}

/// Serve the orders waiting on released goods (the worker, after a
/// release; `stock_level_id` is the warehouse level they landed at): see
/// [`super::allocate_waiting`]. The orders asked for.
pub async fn allocate_released(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    stock_level_id: Uuid,
) -> Result<Vec<Uuid>, DomainError> {
    let products: HashSet<Uuid> = stock_level::Entity::find_by_id(stock_level_id)
        .one(db)
        .await?
        .map(|l| l.product_id)
        .into_iter()
        .collect();
    super::allocate_waiting(db, ctx, calendar, &products).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(item: &str, passed: bool) -> Check {
        Check {
            item: item.into(),
            passed,
        }
    }

    #[test]
    fn a_re_inspection_releases_only_when_it_has_checks_and_every_one_passed() {
        assert_eq!(reinspection(&[]), Reinspection::Missing);
        assert_eq!(
            reinspection(&[check("Powers on", true), check("Casing intact", true)]),
            Reinspection::Passed
        );
        assert_eq!(
            reinspection(&[
                check("Powers on", false),
                check("Casing intact", true),
                check("Label legible", false)
            ]),
            Reinspection::Failed(vec![0, 2])
        );
    }

    #[test]
    fn one_unit_up_to_what_is_held_may_leave_quarantine() {
        let at = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        let level = |on_hand, reserved| stock_level::Model {
            id: Uuid::nil(),
            product_id: Uuid::nil(),
            location_id: Uuid::nil(),
            batch_code: String::new(),
            expires_on: None,
            on_hand,
            reserved,
            updated_at: at,
        };
        assert_eq!(held(&level(5, 0)), 5);
        assert_eq!(held(&level(5, 2)), 3);
        assert_eq!(held(&level(0, 0)), 0);
        assert!(movable(1, 5) && movable(5, 5));
        assert!(!movable(0, 5) && !movable(-1, 5) && !movable(6, 5));
        assert!(!movable(1, 0), "nothing held, nothing moves");
    }
}
