//! Customers: parties of kind CUSTOMER. The pattern every capability copies:
//! parse raw input into value types (collecting every field error), then one
//! write transaction that changes the row, appends the audit entry and records
//! the outbox work.

use crate::access::Permission;
use crate::audit;
use crate::context::Ctx;
use crate::db::begin_write;
use crate::error::{DomainError, ErrorCode, FieldError};
use crate::idempotency::{self, Claim};
use crate::outbox::{self, topic};
use crate::page::{Page, PageRequest};
use crate::rules::abn::Abn;
use crate::rules::email::Email;
use crate::rules::phone::PhoneAu;
use entity::party;
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait, Unchanged,
};
use serde::Serialize;
use uuid::Uuid;

pub const PARTY_KIND_CUSTOMER: &str = "CUSTOMER";
pub const SUBJECT_TYPE: &str = "customer";
const MAX_NAME_LEN: usize = 200;

/// Raw input as a client sent it.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub abn: Option<String>,
}

/// A change to one optional field: leave it, clear it, or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

/// Raw update input; `None`/`Keep` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CustomerUpdateInput {
    pub id: Uuid,
    pub expected_version: i32,
    pub name: Option<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub abn: Patch<String>,
}

/// A customer's details, every value already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDetails {
    pub name: String,
    pub email: Option<Email>,
    pub phone: Option<PhoneAu>,
    pub abn: Option<Abn>,
}

/// What the audit trail keeps of a customer.
#[derive(Debug, Serialize)]
struct Snapshot<'a> {
    name: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    abn: Option<&'a str>,
    version: i32,
}

impl<'a> From<&'a party::Model> for Snapshot<'a> {
    fn from(m: &'a party::Model) -> Self {
        Snapshot {
            name: &m.name,
            email: m.email.as_deref(),
            phone: m.phone.as_deref(),
            abn: m.abn.as_deref(),
            version: m.version,
        }
    }
}

#[derive(Debug, Serialize)]
struct CustomerCreated {
    customer_id: Uuid,
}

fn parse_name(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let name = raw.trim();
    if name.is_empty() {
        errors.push(FieldError::new(
            &["name"],
            ErrorCode::Required,
            "name is required",
        ));
        None
    } else if name.chars().count() > MAX_NAME_LEN {
        errors.push(FieldError::new(
            &["name"],
            ErrorCode::TooLong,
            format!("name must be at most {MAX_NAME_LEN} characters"),
        ));
        None
    } else {
        Some(name.to_owned())
    }
}

/// Parse an optional value: blank counts as absent.
fn parse_optional<T>(
    field: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, crate::rules::error::ValueError>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match parse(s) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(FieldError::from_value(field, e));
                None
            }
        },
    }
}

impl CustomerDetails {
    /// Parse every field, reporting all bad fields at once.
    pub fn parse(input: &CustomerInput) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let name = parse_name(&input.name, &mut errors);
        let email = parse_optional("email", input.email.as_deref(), Email::parse, &mut errors);
        let phone = parse_optional("phone", input.phone.as_deref(), PhoneAu::parse, &mut errors);
        let abn = parse_optional("abn", input.abn.as_deref(), Abn::parse, &mut errors);
        match name {
            Some(name) if errors.is_empty() => Ok(CustomerDetails {
                name,
                email,
                phone,
                abn,
            }),
            _ => Err(DomainError::Rejected(errors)),
        }
    }
}

fn search_text(name: &str, email: Option<&str>) -> String {
    format!(
        "{} {}",
        name.to_lowercase(),
        email.unwrap_or_default().to_lowercase()
    )
}

/// Create a customer with its audit entry and `customer.created` outbox row,
/// all in one transaction.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &CustomerInput,
) -> Result<party::Model, DomainError> {
    Permission::ManageCustomers.require(ctx)?;
    let details = CustomerDetails::parse(input)?;
    let txn = begin_write(db).await?;
    let customer = create_in(&txn, ctx, &details).await?;
    txn.commit().await?;
    Ok(customer)
}

/// Create with an `Idempotency-Key`: the same key and input return the
/// customer the first call created; the same key with other input is refused.
/// Concurrent duplicates create one customer.
pub async fn create_idempotent(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &CustomerInput,
    key: &str,
    ttl: chrono::Duration,
) -> Result<party::Model, DomainError> {
    Permission::ManageCustomers.require(ctx)?;
    if key.is_empty() || key.len() > idempotency::MAX_KEY_LEN {
        return Err(DomainError::rejected(
            &[],
            ErrorCode::OutOfRange,
            format!(
                "Idempotency-Key must be 1 to {} characters",
                idempotency::MAX_KEY_LEN
            ),
        ));
    }
    let details = CustomerDetails::parse(input)?;
    let scope = format!("{}:createCustomer", ctx.actor.id);
    let hash = idempotency::fingerprint(&[
        Some(&details.name),
        details.email.as_ref().map(|e| e.as_str()),
        details.phone.as_ref().map(|p| p.as_e164()),
        details.abn.as_ref().map(|a| a.as_str()),
    ]);
    // A loser of a concurrent race retries once and then replays the winner.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = async {
            let txn = begin_write(db).await?;
            let claim = idempotency::claim(&txn, &scope, key, &hash, ctx.clock.now(), ttl).await?;
            let customer = match claim {
                Claim::Replay(response) => {
                    let id: Uuid = serde_json::from_str(&response)
                        .map_err(|e| DomainError::Internal(format!("stored response: {e}")))?;
                    party::Entity::find_by_id(id)
                        .one(&txn)
                        .await?
                        .ok_or_else(|| DomainError::Internal("replayed customer vanished".into()))?
                }
                Claim::Fresh => {
                    let customer = create_in(&txn, ctx, &details).await?;
                    let response = serde_json::to_string(&customer.id)
                        .map_err(|e| DomainError::Internal(e.to_string()))?;
                    idempotency::complete(&txn, &scope, key, &response).await?;
                    customer
                }
            };
            txn.commit().await?;
            Ok::<_, DomainError>(customer)
        }
        .await;
        match result {
            Err(e) if attempts < 3 && idempotency::is_race_lost(&e) => continue,
            other => return other,
        }
    }
}

/// The create step inside a caller's transaction (used by idempotent callers
/// that store their response in the same transaction).
pub async fn create_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    details: &CustomerDetails,
) -> Result<party::Model, DomainError> {
    let now = ctx.clock.now();
    let email = details.email.as_ref().map(|e| e.as_str().to_owned());
    let customer = party::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(PARTY_KIND_CUSTOMER.to_owned()),
        name: Set(details.name.clone()),
        search_text: Set(search_text(&details.name, email.as_deref())),
        email: Set(email),
        phone: Set(details.phone.as_ref().map(|p| p.as_e164().to_owned())),
        abn: Set(details.abn.as_ref().map(|a| a.as_str().to_owned())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    audit::append(
        txn,
        ctx,
        SUBJECT_TYPE,
        customer.id,
        "customer.created",
        None,
        Some(&Snapshot::from(&customer)),
    )
    .await?;
    outbox::record(
        txn,
        ctx,
        topic::CUSTOMER_CREATED,
        customer.id,
        &CustomerCreated {
            customer_id: customer.id,
        },
    )
    .await?;
    Ok(customer)
}

/// Change a customer if `expected_version` is still current.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &CustomerUpdateInput,
) -> Result<party::Model, DomainError> {
    Permission::ManageCustomers.require(ctx)?;
    let mut errors = Vec::new();
    let name = input
        .name
        .as_deref()
        .and_then(|n| parse_name(n, &mut errors));
    let patch = |field: &str,
                 raw: &Patch<String>,
                 errors: &mut Vec<FieldError>,
                 parse: &dyn Fn(&str) -> Result<String, crate::rules::error::ValueError>|
     -> Patch<String> {
        match raw {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(s) if s.trim().is_empty() => Patch::Clear,
            Patch::Set(s) => match parse(s.trim()) {
                Ok(v) => Patch::Set(v),
                Err(e) => {
                    errors.push(FieldError::from_value(field, e));
                    Patch::Keep
                }
            },
        }
    };
    let email = patch("email", &input.email, &mut errors, &|s| {
        Email::parse(s).map(|e| e.as_str().to_owned())
    });
    let phone = patch("phone", &input.phone, &mut errors, &|s| {
        PhoneAu::parse(s).map(|p| p.as_e164().to_owned())
    });
    let abn = patch("abn", &input.abn, &mut errors, &|s| {
        Abn::parse(s).map(|a| a.as_str().to_owned())
    });
    if !errors.is_empty() {
        return Err(DomainError::Rejected(errors));
    }

    let txn = begin_write(db).await?;
    let before = find_visible(&txn, ctx, input.id)
        .await?
        .ok_or_else(|| DomainError::not_found("id", "customer"))?;
    let apply = |p: Patch<String>, current: &Option<String>| match p {
        Patch::Keep => current.clone(),
        Patch::Clear => None,
        Patch::Set(v) => Some(v),
    };
    let new_name = name.unwrap_or_else(|| before.name.clone());
    let new_email = apply(email, &before.email);
    let new_phone = apply(phone, &before.phone);
    let new_abn = apply(abn, &before.abn);
    let changed = party::ActiveModel {
        id: Unchanged(before.id),
        search_text: Set(search_text(&new_name, new_email.as_deref())),
        name: Set(new_name),
        email: Set(new_email),
        phone: Set(new_phone),
        abn: Set(new_abn),
        version: Set(input.expected_version + 1),
        updated_at: Set(ctx.clock.now()),
        ..Default::default()
    };
    // The version filter makes a stale write affect no row.
    let after = match party::Entity::update(changed)
        .validate()?
        .filter(party::Column::Version.eq(input.expected_version))
        .exec(&txn)
        .await
    {
        Err(DbErr::RecordNotUpdated) => return Err(DomainError::conflict()),
        other => other?,
    };
    audit::append(
        &txn,
        ctx,
        SUBJECT_TYPE,
        after.id,
        "customer.updated",
        Some(&Snapshot::from(&before)),
        Some(&Snapshot::from(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// A customer the actor may see; another customer's record looks missing.
pub async fn find_visible<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<party::Model>, DbErr> {
    if let Some(own) = ctx.actor.visible_party()
        && own != Some(id)
    {
        return Ok(None);
    }
    party::Entity::find_by_id(id)
        .filter(party::Column::Kind.eq(PARTY_KIND_CUSTOMER))
        .one(conn)
        .await
}

/// Customers the actor may see, oldest first, optionally matching `search`
/// (case-insensitive, in name or email).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<party::Model>, DbErr> {
    let mut query = party::Entity::find()
        .filter(party::Column::Kind.eq(PARTY_KIND_CUSTOMER))
        .order_by_asc(party::Column::Id);
    if let Some(own) = ctx.actor.visible_party() {
        let Some(own) = own else {
            return Ok(Page::from_overfetch(vec![], page, |m: &party::Model| m.id));
        };
        query = query.filter(party::Column::Id.eq(own));
    }
    if let Some(term) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = term
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(
            Expr::col(party::Column::SearchText)
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    if let Some(after) = page.after {
        query = query.filter(party::Column::Id.gt(after));
    }
    // Read-only: a plain transaction gives one consistent snapshot.
    let txn = db.begin().await?;
    let rows = query.limit(page.first as u64 + 1).all(&txn).await?;
    txn.commit().await?;
    Ok(Page::from_overfetch(rows, page, |m| m.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = CustomerInput {
            name: "  ".into(),
            email: Some("not-an-email".into()),
            phone: Some("12".into()),
            abn: Some("51 824 753 557".into()),
        };
        let DomainError::Rejected(errors) = CustomerDetails::parse(&input).unwrap_err() else {
            panic!("expected rejection");
        };
        let fields: Vec<_> = errors
            .iter()
            .map(|e| (e.field[0].as_str(), e.code))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("name", ErrorCode::Required),
                ("email", ErrorCode::InvalidEmail),
                ("phone", ErrorCode::InvalidPhone),
                ("abn", ErrorCode::InvalidAbn),
            ]
        );
    }

    #[test]
    fn good_input_is_normalised() {
        let details = CustomerDetails::parse(&CustomerInput {
            name: " Acme Pty Ltd ".into(),
            email: Some("Ops@Acme.COM.AU".into()),
            phone: Some("0412 345 678".into()),
            abn: Some("51 824 753 556".into()),
        })
        .unwrap();
        assert_eq!(details.name, "Acme Pty Ltd");
        assert_eq!(details.phone.unwrap().as_e164(), "+61412345678");
        assert_eq!(details.abn.unwrap().as_str(), "51824753556");
        assert_eq!(details.email.unwrap().as_str(), "Ops@acme.com.au");
    }
}
