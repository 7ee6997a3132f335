//! Customers: parties of kind CUSTOMER. The example every area copies: parse
//! the raw input into value types (every field error at once), then one
//! `Write` that changes the row, appends the audit entry and records the
//! outbox work; reads apply the caller's `Scope`.

use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, IdempotencyKey, Page, PageRequest, Patch,
    Permission, Scope, Versioned, Write, fetch_scoped_page, text_contains,
};
use crate::platform::outbox::topic;
use crate::rules::abn::Abn;
use crate::rules::email::Email;
use crate::rules::phone::PhoneAu;
use chrono::{DateTime, Utc};
use entity::{PartyKind, party};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Select, Set, TransactionTrait, Unchanged,
};
use serde::Serialize;
use uuid::Uuid;

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

impl CustomerDetails {
    /// Parse every field, reporting all bad fields at once.
    pub fn parse(input: &CustomerInput) -> Result<Self, DomainError> {
        let mut fields = Fields::new();
        let name = fields.text("name", &input.name, MAX_NAME_LEN);
        let email = fields.optional("email", input.email.as_deref(), Email::parse);
        let phone = fields.optional("phone", input.phone.as_deref(), PhoneAu::parse);
        let abn = fields.optional("abn", input.abn.as_deref(), Abn::parse);
        fields.finish(|| {
            Some(CustomerDetails {
                name: name?,
                email,
                phone,
                abn,
            })
        })
    }

    /// The normalised values, as idempotency keys compare them.
    fn normalised(&self) -> impl Serialize + '_ {
        (
            &self.name,
            self.email.as_ref().map(Email::as_str),
            self.phone.as_ref().map(PhoneAu::as_e164),
            self.abn.as_ref().map(Abn::as_str),
        )
    }
}

/// The `customer.created` event.
#[derive(Debug, Serialize)]
struct CustomerCreated {
    customer_id: Uuid,
}

impl Versioned for party::Entity {
    fn version_column() -> party::Column {
        party::Column::Version
    }
}

fn search_text(name: &str, email: Option<&str>) -> String {
    format!("{} {}", name, email.unwrap_or_default()).to_lowercase()
}

/// Create a customer with its audit entry and `customer.created` event;
/// honours an `Idempotency-Key`.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &CustomerInput,
    key: Option<&IdempotencyKey>,
) -> Result<Committed<party::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageCustomers).await?;
    let details = CustomerDetails::parse(input)?;
    if let Some(replayed) = w.replay(key, &details.normalised()).await? {
        return Ok(replayed);
    }
    if let Some(email) = &details.email
        && find_by_email(w.conn(), email.as_str()).await?.is_some()
    {
        return Err(email_taken());
    }
    let customer = w
        .insert(new_customer(details, w.now()))
        .await
        .map_err(|e| e.unique_as(email_taken))?;
    w.audit(
        SUBJECT_TYPE,
        customer.id,
        "customer.created",
        None,
        Some(&customer),
    )
    .await?;
    let event = CustomerCreated {
        customer_id: customer.id,
    };
    w.emit(topic::CUSTOMER_CREATED, customer.id, &event).await?;
    w.commit(customer).await
}

/// A new CUSTOMER row of valid details.
fn new_customer(details: CustomerDetails, now: DateTime<Utc>) -> party::ActiveModel {
    let email = details.email.map(|e| e.as_str().to_owned());
    party::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(PartyKind::Customer),
        search_text: Set(search_text(&details.name, email.as_deref())),
        name: Set(details.name),
        email: Set(email),
        phone: Set(details.phone.map(|p| p.as_e164().to_owned())),
        abn: Set(details.abn.map(|a| a.as_str().to_owned())),
        drop_ships: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The customer a guest stands for, in `w`, when a record needs one (an
/// order's services ticket): the customer with the guest's email, else a
/// new CUSTOMER party of the guest's details with no login (DESIGN: a guest
/// is a party with no login). Audited as `customer.created_for_guest`; no
/// welcome email, since the guest asked for no account.
pub(crate) async fn for_guest(
    w: &mut Write<'_>,
    guest: &CustomerInput,
) -> Result<party::Model, DomainError> {
    if let Some(email) = guest.email.as_deref()
        && let Some(known) = find_by_email(w.conn(), email).await?
    {
        return Ok(known);
    }
    // The details were checked when the guest gave them.
    let details = CustomerDetails::parse(guest)
        .map_err(|e| DomainError::internal(format!("a guest's stored details: {e:?}")))?;
    // Another payment may be making the same guest a customer right now: the
    // insert runs in a savepoint, so losing that race (the unique email
    // index) leaves this transaction usable to take the winner's row.
    let savepoint = w.conn().begin().await?;
    let customer = match new_customer(details, w.now()).insert(&savepoint).await {
        Ok(customer) => {
            savepoint.commit().await?;
            customer
        }
        Err(e) if crate::kernel::error::is_unique_violation(&e) => {
            savepoint.rollback().await?;
            let email = guest.email.as_deref().unwrap_or_default();
            return find_by_email(w.conn(), email)
                .await?
                .ok_or_else(|| DomainError::from(e));
        }
        Err(e) => return Err(e.into()),
    };
    w.audit(
        SUBJECT_TYPE,
        customer.id,
        "customer.created_for_guest",
        None,
        Some(&customer),
    )
    .await?;
    Ok(customer)
}

/// Change a customer if `expected_version` is still current.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &CustomerUpdateInput,
) -> Result<Committed<party::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageCustomers).await?;
    let mut fields = Fields::new();
    let name = input
        .name
        .as_deref()
        .and_then(|n| fields.text("name", n, MAX_NAME_LEN));
    let email = fields.patch("email", &input.email, Email::parse);
    let phone = fields.patch("phone", &input.phone, PhoneAu::parse);
    let abn = fields.patch("abn", &input.abn, Abn::parse);
    fields.finish(|| Some(()))?;

    let before = find_visible(w.conn(), ctx, input.id)
        .await?
        .ok_or_else(|| DomainError::not_found("id", "customer"))?;
    let name = name.unwrap_or_else(|| before.name.clone());
    let email = email
        .map(|e| e.as_str().to_owned())
        .apply(before.email.clone());
    if let Some(email) = &email
        && find_by_email(w.conn(), email)
            .await?
            .is_some_and(|other| other.id != before.id)
    {
        return Err(email_taken());
    }
    let changed = party::ActiveModel {
        id: Unchanged(before.id),
        search_text: Set(search_text(&name, email.as_deref())),
        name: Set(name),
        email: Set(email),
        phone: Set(phone
            .map(|p| p.as_e164().to_owned())
            .apply(before.phone.clone())),
        abn: Set(abn.map(|a| a.as_str().to_owned()).apply(before.abn.clone())),
        updated_at: Set(w.now()),
        ..Default::default()
    };
    let after = w
        .update_versioned::<party::Entity>(changed, input.expected_version)
        .await
        .map_err(|e| e.unique_as(email_taken))?;
    w.commit_audited(
        SUBJECT_TYPE,
        after.id,
        "customer.updated",
        Some(&before),
        after,
    )
    .await
}

fn email_taken() -> DomainError {
    DomainError::rejected(
        &["email"],
        ErrorCode::EmailTaken,
        "another customer has this email address",
    )
}

/// The customer with `email`, compared without case (one customer per
/// address: DESIGN "Where issues meet").
pub async fn find_by_email<C: ConnectionTrait>(
    conn: &C,
    email: &str,
) -> Result<Option<party::Model>, DbErr> {
    customers()
        .filter(party::Column::Email.is_not_null())
        .filter(ExprTrait::eq(
            Func::lower(Expr::col(party::Column::Email)),
            email.to_lowercase(),
        ))
        .one(conn)
        .await
}

fn customers() -> Select<party::Entity> {
    party::Entity::find().filter(party::Column::Kind.eq(PartyKind::Customer))
}

/// A customer by id, whoever asks (background work).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<party::Model>, DbErr> {
    customers().filter(party::Column::Id.eq(id)).one(conn).await
}

/// A customer the caller may see; another customer's record looks missing.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<party::Model>, DbErr> {
    if !Scope::of_ctx(ctx).permits(id) {
        return Ok(None);
    }
    find(conn, id).await
}

/// Customers the caller may see, oldest first, optionally matching `search`
/// (case-insensitive, in name or email).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<party::Model>, DbErr> {
    let mut query = customers();
    if let Some(matches) = text_contains(party::Column::SearchText, search) {
        query = query.filter(matches);
    }
    let (scope, id) = (Scope::of_ctx(ctx), party::Column::Id);
    fetch_scoped_page(db, scope, query, id, id, page, |m| m.id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ErrorCode;

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
