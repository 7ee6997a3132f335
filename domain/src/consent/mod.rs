//! Spam Act consent (AU-RULES): a customer's consent per purpose (given
//! when, how and by whom; withdrawn when), the decision every commercial
//! email goes through, and the log of every commercial send, sent or
//! suppressed. Transactional email never asks.

use crate::customers;
use crate::kernel::{
    Actor, Committed, Ctx, DomainError, ErrorCode, Fields, ManualClock, Page, PageRequest,
    Permission, Role, Scope, Write, fetch_page, fetch_page_sorted,
};
use crate::platform::deliverability;
use chrono::{DateTime, Utc};
use entity::{
    ConsentPurpose, ConsentStatus, NotificationKind, SendOutcome, commercial_send, consent,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use std::sync::Arc;
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "consent";

/// A customer's consent to one purpose, if it was ever recorded.
pub async fn of<C: ConnectionTrait>(
    conn: &C,
    customer_id: Uuid,
    purpose: ConsentPurpose,
) -> Result<Option<consent::Model>, DbErr> {
    consent::Entity::find()
        .filter(consent::Column::CustomerId.eq(customer_id))
        .filter(consent::Column::Purpose.eq(purpose))
        .one(conn)
        .await
}

/// The consent a kind of email needs: `None` for transactional email.
pub fn purpose_of(kind: NotificationKind) -> Option<ConsentPurpose> {
    match kind {
        NotificationKind::NextPurchaseOffer => Some(ConsentPurpose::Offers),
        NotificationKind::ReviewRequest => Some(ConsentPurpose::ReviewRequests),
        NotificationKind::WarrantyRenewal => Some(ConsentPurpose::Renewals),
        _ => None,
    }
}

/// The consent an email needs, checked again just before it is sent
/// (consent withdrawn since the decision stops it): `Sent` when it may go.
/// Its subject is an order, or an asset for a warranty renewal.
pub async fn recheck<C: ConnectionTrait>(
    conn: &C,
    kind: NotificationKind,
    subject_id: Uuid,
    address: &str,
) -> Result<SendOutcome, DbErr> {
    let Some(purpose) = purpose_of(kind) else {
        return Ok(SendOutcome::Sent);
    };
    let customer = if kind == NotificationKind::WarrantyRenewal {
        entity::customer_asset::Entity::find_by_id(subject_id)
            .one(conn)
            .await?
            .and_then(|a| a.customer_id)
    } else {
        entity::sales_order::Entity::find_by_id(subject_id)
            .one(conn)
            .await?
            .and_then(|o| o.customer_id)
    };
    decide(conn, customer, address, purpose).await
}

/// May a commercial email of `purpose` go to `address` (of `customer`)?
/// `Sent` when it may; otherwise why not.
pub async fn decide<C: ConnectionTrait>(
    conn: &C,
    customer_id: Option<Uuid>,
    address: &str,
    purpose: ConsentPurpose,
) -> Result<SendOutcome, DbErr> {
    let Some(customer_id) = customer_id else {
        return Ok(SendOutcome::NoCustomer);
    };
    let outcome = match of(conn, customer_id, purpose).await? {
        None => SendOutcome::NoConsent,
        Some(c) if c.status == ConsentStatus::Withdrawn => SendOutcome::Unsubscribed,
        Some(_) if deliverability::is_bouncing(conn, address).await? => SendOutcome::Bouncing,
        Some(_) => SendOutcome::Sent,
    };
    Ok(outcome)
}

/// What a commercial email is.
#[derive(Debug, Clone)]
pub struct CommercialSend {
    pub customer_id: Option<Uuid>,
    pub address: String,
    pub purpose: ConsentPurpose,
    pub kind: NotificationKind,
    pub subject_id: Uuid,
}

/// Log one commercial email's decision (in the caller's transaction).
pub async fn record_send<C: ConnectionTrait>(
    conn: &C,
    send: &CommercialSend,
    outcome: SendOutcome,
    notification_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<commercial_send::Model, DbErr> {
    commercial_send::ActiveModel {
        id: Set(Uuid::now_v7()),
        customer_id: Set(send.customer_id),
        address: Set(deliverability::normalise(&send.address)),
        purpose: Set(send.purpose),
        kind: Set(send.kind),
        subject_id: Set(send.subject_id),
        outcome: Set(outcome),
        notification_id: Set(notification_id),
        decided_at: Set(now),
    }
    .insert(conn)
    .await
}

// Giving and withdrawing consent, unsubscribing, and reading both logs.

crate::stamped!(consent);

/// Longest "how" (e.g. "checkout checkbox", "phone call with Sam").
pub const MAX_HOW_LEN: usize = 200;

/// Who withdraws a consent through the unsubscribe link of an email (no
/// login: the signed link is the proof), as the audit trail names it.
pub const UNSUBSCRIBE_ACTOR: &str = "unsubscribe-link";

/// What giving consent does to the customer's row for the purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Giving {
    /// None yet: record it.
    Record,
    /// Withdrawn before: give it again (the withdrawal is cleared).
    GiveAgain,
    /// It stands already: keep the original record of when and how.
    Unchanged,
}

fn giving(existing: Option<ConsentStatus>) -> Giving {
    match existing {
        None => Giving::Record,
        Some(ConsentStatus::Withdrawn) => Giving::GiveAgain,
        Some(ConsentStatus::Given) => Giving::Unchanged,
    }
}

/// How consent was given or withdrawn: one line of at most
/// [`MAX_HOW_LEN`] characters.
fn parse_how(how: &str) -> Result<String, DomainError> {
    let mut fields = Fields::new();
    let how = fields.text("how", how, MAX_HOW_LEN);
    fields.finish(|| how)
}

/// The customer, when the caller may act for it (staff for anyone, a
/// customer for itself); otherwise NOT_FOUND on `customerId`.
async fn visible_customer<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    customer_id: Uuid,
) -> Result<(), DomainError> {
    match customers::find_visible(conn, ctx, customer_id).await? {
        Some(_) => Ok(()),
        None => Err(DomainError::not_found("customerId", "customer")),
    }
}

/// Record that `customer_id` consents to commercial email for `purpose`:
/// when (now), how and by whom (the caller). Staff may record it for any
/// customer, a customer for itself. Giving again after a withdrawal gives it
/// again; giving what stands changes nothing.
pub async fn give(
    db: &DatabaseConnection,
    ctx: &Ctx,
    customer_id: Uuid,
    purpose: ConsentPurpose,
    how: &str,
) -> Result<Committed<consent::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ReadCustomers).await?;
    let how = parse_how(how)?;
    visible_customer(w.conn(), ctx, customer_id).await?;
    let existing = of(w.conn(), customer_id, purpose).await?;
    let now = w.now();
    let by = ctx.actor.id.clone();
    match (giving(existing.as_ref().map(|c| c.status)), existing) {
        (Giving::Unchanged, Some(standing)) => w.commit(standing).await,
        (Giving::GiveAgain, Some(before)) => {
            let after = w
                .change::<consent::Entity>(before.id, before.version, |c| {
                    c.status = Set(ConsentStatus::Given);
                    c.given_at = Set(now);
                    c.given_how = Set(how);
                    c.given_by = Set(by);
                    c.withdrawn_at = Set(None);
                    c.withdrawn_how = Set(None);
                })
                .await?;
            w.commit_audited(
                SUBJECT_TYPE,
                after.id,
                "consent.given",
                Some(&before),
                after,
            )
            .await
        }
        _ => {
            let inserted = w
                .insert(consent::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    customer_id: Set(customer_id),
                    purpose: Set(purpose),
                    status: Set(ConsentStatus::Given),
                    given_at: Set(now),
                    given_how: Set(how),
                    given_by: Set(by),
                    withdrawn_at: Set(None),
                    withdrawn_how: Set(None),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .await;
            let row = match inserted {
                Err(e) if e.is_unique_violation() => {
                    return Err(DomainError::rejected(
                        &["purpose"],
                        ErrorCode::Conflict,
                        "the consent was recorded at the same moment; reload it",
                    ));
                }
                other => other?,
            };
            w.commit_audited(SUBJECT_TYPE, row.id, "consent.given", None, row)
                .await
        }
    }
}

/// Withdraw `customer_id`'s consent to `purpose` at once (staff for any
/// customer, a customer for itself). Withdrawing what is withdrawn changes
/// nothing; a purpose never consented to is NOT_FOUND on `purpose`.
pub async fn withdraw(
    db: &DatabaseConnection,
    ctx: &Ctx,
    customer_id: Uuid,
    purpose: ConsentPurpose,
    how: &str,
) -> Result<Committed<consent::Model>, DomainError> {
    let w = Write::begin(db, ctx, Permission::ReadCustomers).await?;
    let how = parse_how(how)?;
    visible_customer(w.conn(), ctx, customer_id).await?;
    let Some(before) = of(w.conn(), customer_id, purpose).await? else {
        return Err(DomainError::rejected(
            &["purpose"],
            ErrorCode::NotFound,
            "the customer never consented to this purpose",
        ));
    };
    withdraw_row(w, before, how).await
}

/// Withdraw the consent an unsubscribe link names, at once and without a
/// login (the signed link is the proof). `None` when no such consent exists;
/// unsubscribing twice changes nothing the second time.
pub async fn unsubscribe(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    consent_id: Uuid,
    how: &str,
) -> Result<Option<Committed<consent::Model>>, DomainError> {
    let Some(row) = find(db, consent_id).await? else {
        return Ok(None);
    };
    let ctx = Ctx {
        actor: Actor {
            id: UNSUBSCRIBE_ACTOR.to_owned(),
            role: Role::Customer,
            party: Some(row.customer_id),
        },
        clock: Arc::new(ManualClock::new(now)),
    };
    let w = Write::begin(db, &ctx, Permission::ReadCustomers).await?;
    let how = parse_how(how)?;
    let Some(before) = find(w.conn(), consent_id).await? else {
        return Ok(None);
    };
    withdraw_row(w, before, how).await.map(Some)
}

async fn withdraw_row(
    mut w: Write<'_>,
    before: consent::Model,
    how: String,
) -> Result<Committed<consent::Model>, DomainError> {
    if before.status == ConsentStatus::Withdrawn {
        return w.commit(before).await;
    }
    let now = w.now();
    let after = w
        .change::<consent::Entity>(before.id, before.version, |c| {
            c.status = Set(ConsentStatus::Withdrawn);
            c.withdrawn_at = Set(Some(now));
            c.withdrawn_how = Set(Some(how));
        })
        .await?;
    w.commit_audited(
        SUBJECT_TYPE,
        after.id,
        "consent.withdrawn",
        Some(&before),
        after,
    )
    .await
}

crate::find_by_id! {
    /// A consent by id, whoever asks (the unsubscribe page, the mailers).
    pub fn find -> consent
}

/// A customer's consents (one per purpose ever recorded), oldest first;
/// empty for a customer the caller may not see.
pub async fn list_of_customer(
    db: &DatabaseConnection,
    ctx: &Ctx,
    customer_id: Uuid,
    page: PageRequest,
) -> Result<Page<consent::Model>, DomainError> {
    Permission::ReadCustomers.require(ctx)?;
    if !Scope::of_ctx(ctx).permits(customer_id) {
        return Ok(Page::empty(page));
    }
    let query = consent::Entity::find().filter(consent::Column::CustomerId.eq(customer_id));
    Ok(fetch_page(db, query, consent::Column::Id, page, |c| c.id).await?)
}

/// The log of commercial emails, sent or suppressed, newest first,
/// optionally of one customer (staff).
pub async fn commercial_sends(
    db: &DatabaseConnection,
    ctx: &Ctx,
    customer_id: Option<Uuid>,
    page: PageRequest,
) -> Result<Page<commercial_send::Model>, DomainError> {
    Permission::ManageCustomers.require(ctx)?;
    let mut query = commercial_send::Entity::find();
    if let Some(customer_id) = customer_id {
        query = query.filter(commercial_send::Column::CustomerId.eq(customer_id));
    }
    let id = commercial_send::Column::Id;
    Ok(fetch_page_sorted(db, query, id, page, true, |s| s.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giving_records_once_gives_again_after_a_withdrawal_and_keeps_what_stands() {
        assert_eq!(giving(None), Giving::Record);
        assert_eq!(giving(Some(ConsentStatus::Withdrawn)), Giving::GiveAgain);
        assert_eq!(giving(Some(ConsentStatus::Given)), Giving::Unchanged);
    }

    #[test]
    fn how_is_one_short_line() {
        assert_eq!(
            parse_how("  checkout checkbox ").unwrap(),
            "checkout checkbox"
        );
        for bad in ["", "   ", "line\nbreak", &"x".repeat(MAX_HOW_LEN + 1)] {
            let Err(DomainError::Rejected(errors)) = parse_how(bad) else {
                panic!("{bad:?} accepted");
            };
            assert_eq!(errors[0].field, ["how"]);
        }
        assert!(parse_how(&"x".repeat(MAX_HOW_LEN)).is_ok());
    }
}
