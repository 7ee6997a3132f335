//! Product safety records: supplier or importer and ABN, country of manufacture, mandatory standards with evidence and listing warnings, bans.
//!
//! One record per product, kept by COMPLIANCE and ADMIN (versioned,
//! audited). A ban in force stops the product being ordered, reserved or
//! packed; the warnings its mandatory standards ask for are what online
//! listings must show.

use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, Fields, Permission, Write};
use crate::rules::abn::Abn;
use chrono::NaiveDate;
use entity::{BanKind, PartyKind, party, product, product_safety};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

crate::stamped!(product_safety);

pub const SUBJECT_TYPE: &str = "product_safety";
/// Most mandatory standards one record lists.
pub const MAX_STANDARDS: usize = 20;
/// An interim ban lasts at most this many days (ACL s109).
pub const MAX_INTERIM_BAN_DAYS: i64 = 60;
const MAX_NAME: usize = 200;
const MAX_COUNTRY: usize = 100;
const MAX_STANDARD: usize = 200;
const MAX_EVIDENCE: usize = 2000;
const MAX_WARNING: usize = 500;
const MAX_REASON: usize = 1000;

/// One mandatory standard that applies, with the evidence of compliance and
/// the warning online listings must show (if the standard asks for one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandatoryStandard {
    pub standard: String,
    pub evidence: String,
    #[serde(default)]
    pub warning: Option<String>,
}

/// A standard as staff enter it.
#[derive(Debug, Clone, Default)]
pub struct StandardInput {
    pub standard: String,
    pub evidence: String,
    pub warning: Option<String>,
}

/// A product's safety record as staff enter it: the whole record each time.
#[derive(Debug, Clone)]
pub struct RecordInput {
    pub product_id: Uuid,
    /// None for the first record; the current version for a change.
    pub expected_version: Option<i32>,
    pub supplier_party_id: Option<Uuid>,
    pub supplier_name: String,
    pub supplier_abn: Option<String>,
    pub country_of_manufacture: Option<String>,
    pub mandatory_standards: Vec<StandardInput>,
    pub ban: BanKind,
    pub ban_reason: Option<String>,
    pub ban_ends_on: Option<NaiveDate>,
}

/// A ban that stops a product being sold today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanInForce {
    pub kind: BanKind,
    pub reason: String,
    /// An interim ban's last day.
    pub ends_on: Option<NaiveDate>,
}

impl BanInForce {
    /// A sentence naming the ban and its reason, for the userError.
    pub fn describe(&self, sku: &str) -> String {
        match (self.kind, self.ends_on) {
            (BanKind::Interim, Some(end)) => {
                format!("{sku} is under an interim ban until {end}: {}", self.reason)
            }
            _ => format!("{sku} is under a permanent ban: {}", self.reason),
        }
    }
}

/// The mandatory standards stored on a record.
pub fn standards(record: &product_safety::Model) -> Vec<MandatoryStandard> {
    serde_json::from_str(&record.mandatory_standards).unwrap_or_default()
}

/// The ban of `record` in force on `today`: an interim ban past its end
/// date is over.
pub fn ban_in_force(record: &product_safety::Model, today: NaiveDate) -> Option<BanInForce> {
    let reason = record.ban_reason.clone().unwrap_or_default();
    match record.ban {
        BanKind::NotBanned => None,
        BanKind::Permanent => Some(BanInForce {
            kind: BanKind::Permanent,
            reason,
            ends_on: None,
        }),
        BanKind::Interim => record
            .ban_ends_on
            .filter(|end| *end >= today)
            .map(|end| BanInForce {
                kind: BanKind::Interim,
                reason,
                ends_on: Some(end),
            }),
    }
}

/// What online listings of the product must show: the warnings of its
/// mandatory standards that ask for one, joined.
pub fn listing_warning(record: &product_safety::Model) -> Option<String> {
    let warnings: Vec<String> = standards(record)
        .into_iter()
        .filter_map(|s| s.warning.filter(|w| !w.trim().is_empty()))
        .collect();
    (!warnings.is_empty()).then(|| warnings.join(" "))
}

/// Check the ban fields of an input against `today`.
fn check_ban(
    fields: &mut Fields,
    ban: BanKind,
    reason: Option<&str>,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<(Option<String>, Option<NaiveDate>)> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match ban {
        BanKind::NotBanned => {
            fields.ensure(
                ends_on.is_none(),
                "banEndsOn",
                ErrorCode::InvalidState,
                "only an interim ban has an end date",
            );
            Some((None, None))
        }
        BanKind::Interim | BanKind::Permanent => {
            let reason = match reason {
                None => {
                    fields.refuse("banReason", ErrorCode::Required, "a ban needs its reason");
                    None
                }
                Some(r) => fields.free_text(&["banReason"], "ban reason", Some(r), MAX_REASON),
            };
            let ends_on = match (ban, ends_on) {
                (BanKind::Permanent, Some(_)) => {
                    fields.refuse(
                        "banEndsOn",
                        ErrorCode::InvalidState,
                        "a permanent ban has no end date",
                    );
                    None
                }
                (BanKind::Interim, None) => {
                    fields.refuse(
                        "banEndsOn",
                        ErrorCode::Required,
                        "an interim ban needs its end date",
                    );
                    None
                }
                (BanKind::Interim, Some(end))
                    if end < today || (end - today).num_days() > MAX_INTERIM_BAN_DAYS =>
                {
                    fields.refuse(
                        "banEndsOn",
                        ErrorCode::OutOfRange,
                        format!(
                            "an interim ban ends between today and {MAX_INTERIM_BAN_DAYS} days from now"
                        ),
                    );
                    None
                }
                (_, end) => end,
            };
            Some((reason, ends_on))
        }
    }
}

/// Record or change a product's safety record (COMPLIANCE, ADMIN): the
/// first without `expected_version`, later ones with the current version
/// (stale: CONFLICT). Every refused field at once.
pub async fn record(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &RecordInput,
) -> Result<Committed<product_safety::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let today = crate::rules::calendar::local_date(w.now());
    let mut fields = Fields::new();
    if product::Entity::find_by_id(input.product_id)
        .one(w.conn())
        .await?
        .is_none()
    {
        fields.refuse("productId", ErrorCode::NotFound, "product not found");
    }
    if let Some(id) = input.supplier_party_id {
        let supplier = party::Entity::find_by_id(id).one(w.conn()).await?;
        fields.ensure(
            supplier.is_some_and(|p| p.kind == PartyKind::Supplier),
            "supplierPartyId",
            ErrorCode::NotFound,
            "supplier not found",
        );
    }
    let name = fields.text("supplierName", &input.supplier_name, MAX_NAME);
    let abn = fields.optional("supplierAbn", input.supplier_abn.as_deref(), Abn::parse);
    let country = input
        .country_of_manufacture
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .and_then(|c| fields.text("countryOfManufacture", c, MAX_COUNTRY));
    if input.mandatory_standards.len() > MAX_STANDARDS {
        fields.refuse(
            "mandatoryStandards",
            ErrorCode::OutOfRange,
            format!("at most {MAX_STANDARDS} mandatory standards"),
        );
    }
    let mut standards = Vec::new();
    for (i, s) in input.mandatory_standards.iter().enumerate() {
        let n = i.to_string();
        let standard = fields.text_at(
            &["mandatoryStandards", &n, "standard"],
            &s.standard,
            MAX_STANDARD,
        );
        let evidence = fields.free_text(
            &["mandatoryStandards", &n, "evidence"],
            "evidence",
            Some(&s.evidence),
            MAX_EVIDENCE,
        );
        if evidence.is_none() && s.evidence.trim().is_empty() {
            fields.refuse_at(
                &["mandatoryStandards", &n, "evidence"],
                ErrorCode::Required,
                "the evidence of compliance is required",
            );
        }
        let warning = s
            .warning
            .as_deref()
            .filter(|w| !w.trim().is_empty())
            .and_then(|w| fields.text_at(&["mandatoryStandards", &n, "warning"], w, MAX_WARNING));
        if let (Some(standard), Some(evidence)) = (standard, evidence) {
            standards.push(MandatoryStandard {
                standard,
                evidence,
                warning,
            });
        }
    }
    let ban = check_ban(
        &mut fields,
        input.ban,
        input.ban_reason.as_deref(),
        input.ban_ends_on,
        today,
    );
    let (name, (ban_reason, ban_ends_on)) = fields.finish(|| Some((name?, ban?)))?;
    let standards_json = serde_json::to_string(&standards).map_err(DomainError::internal)?;
    let before = product_safety::Entity::find()
        .filter(product_safety::Column::ProductId.eq(input.product_id))
        .one(w.conn())
        .await?;
    let now = w.now();
    let after = match (&before, input.expected_version) {
        (None, None) => {
            w.insert(product_safety::ActiveModel {
                id: Set(Uuid::now_v7()),
                product_id: Set(input.product_id),
                supplier_party_id: Set(input.supplier_party_id),
                supplier_name: Set(name),
                supplier_abn: Set(abn.map(|a| a.as_str().to_owned())),
                country_of_manufacture: Set(country),
                mandatory_standards: Set(standards_json),
                ban: Set(input.ban),
                ban_reason: Set(ban_reason),
                ban_ends_on: Set(ban_ends_on),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .await?
        }
        // A second first record, or a change of one that is not there yet.
        (Some(_), None) | (None, Some(_)) => return Err(DomainError::conflict()),
        (Some(row), Some(expected)) => {
            w.change::<product_safety::Entity>(row.id, expected, |r| {
                r.supplier_party_id = Set(input.supplier_party_id);
                r.supplier_name = Set(name);
                r.supplier_abn = Set(abn.map(|a| a.as_str().to_owned()));
                r.country_of_manufacture = Set(country);
                r.mandatory_standards = Set(standards_json);
                r.ban = Set(input.ban);
                r.ban_reason = Set(ban_reason);
                r.ban_ends_on = Set(ban_ends_on);
            })
            .await?
        }
    };
    let action = if before.is_some() {
        "product_safety.changed"
    } else {
        "product_safety.recorded"
    };
    w.audit(
        SUBJECT_TYPE,
        after.id,
        action,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    // Whoever follows the product hears of it too.
    w.touch(input.product_id);
    w.commit(after).await
}

/// The safety record of a product, if it has one.
pub async fn of_product<C: ConnectionTrait>(
    conn: &C,
    product_id: Uuid,
) -> Result<Option<product_safety::Model>, DbErr> {
    product_safety::Entity::find()
        .filter(product_safety::Column::ProductId.eq(product_id))
        .one(conn)
        .await
}

/// The safety records of `product_ids` (by product): one query for a page
/// of products.
pub async fn of_products<C: ConnectionTrait>(
    conn: &C,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, product_safety::Model>, DbErr> {
    Ok(product_safety::Entity::find()
        .filter(product_safety::Column::ProductId.is_in(product_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.product_id, r))
        .collect())
}

/// The bans in force on `today` among `product_ids` (by product).
pub async fn bans_in_force<C: ConnectionTrait>(
    conn: &C,
    product_ids: impl IntoIterator<Item = Uuid>,
    today: NaiveDate,
) -> Result<HashMap<Uuid, BanInForce>, DbErr> {
    Ok(product_safety::Entity::find()
        .filter(product_safety::Column::ProductId.is_in(product_ids))
        .filter(product_safety::Column::Ban.ne(BanKind::NotBanned))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|r| ban_in_force(&r, today).map(|b| (r.product_id, b)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn record(ban: BanKind, ends: Option<NaiveDate>, standards: &str) -> product_safety::Model {
        let at = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        product_safety::Model {
            id: Uuid::nil(),
            product_id: Uuid::nil(),
            supplier_party_id: None,
            supplier_name: "Acme".into(),
            supplier_abn: None,
            country_of_manufacture: None,
            mandatory_standards: standards.into(),
            ban,
            ban_reason: Some("choking hazard".into()),
            ban_ends_on: ends,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn an_interim_ban_is_in_force_through_its_last_day_only() {
        let r = record(BanKind::Interim, Some(day(10)), "[]");
        let ban = ban_in_force(&r, day(10)).expect("in force on its last day");
        assert_eq!(ban.kind, BanKind::Interim);
        assert!(
            ban.describe("SKU-1")
                .contains("interim ban until 2026-12-10: choking hazard")
        );
        assert_eq!(ban_in_force(&r, day(11)), None);
        assert!(ban_in_force(&record(BanKind::Permanent, None, "[]"), day(31)).is_some());
        assert_eq!(
            ban_in_force(&record(BanKind::NotBanned, None, "[]"), day(1)),
            None
        );
    }

    #[test]
    fn the_listing_warning_joins_the_warnings_asked_for() {
        let json = r#"[{"standard":"Button batteries","evidence":"test report","warning":"Keep batteries away from children."},
                       {"standard":"Toys under 3","evidence":"cert"},
                       {"standard":"Pool fencing","evidence":"cert","warning":"Supervise children near water."}]"#;
        assert_eq!(
            listing_warning(&record(BanKind::NotBanned, None, json)).as_deref(),
            Some("Keep batteries away from children. Supervise children near water.")
        );
        assert_eq!(
            listing_warning(&record(BanKind::NotBanned, None, "[]")),
            None
        );
    }

    #[test]
    fn ban_fields_are_checked_against_today() {
        let codes = |ban, reason: Option<&str>, end| {
            let mut fields = Fields::new();
            check_ban(&mut fields, ban, reason, end, day(1));
            match fields.finish(|| Some(())) {
                Ok(()) => vec![],
                Err(DomainError::Rejected(e)) => e
                    .into_iter()
                    .map(|e| (e.field[0].clone(), e.code))
                    .collect(),
                Err(e) => panic!("{e}"),
            }
        };
        assert!(codes(BanKind::Interim, Some("hazard"), Some(day(31))).is_empty());
        assert_eq!(
            codes(BanKind::Interim, None, None),
            [
                ("banReason".to_string(), ErrorCode::Required),
                ("banEndsOn".to_string(), ErrorCode::Required)
            ]
        );
        let past = NaiveDate::from_ymd_opt(2026, 11, 30);
        assert_eq!(
            codes(BanKind::Interim, Some("x"), past),
            [("banEndsOn".to_string(), ErrorCode::OutOfRange)]
        );
        let too_far = NaiveDate::from_ymd_opt(2027, 2, 1);
        assert_eq!(
            codes(BanKind::Interim, Some("x"), too_far),
            [("banEndsOn".to_string(), ErrorCode::OutOfRange)]
        );
        assert_eq!(
            codes(BanKind::Permanent, Some("x"), Some(day(5))),
            [("banEndsOn".to_string(), ErrorCode::InvalidState)]
        );
        assert!(codes(BanKind::NotBanned, None, None).is_empty());
    }
}
