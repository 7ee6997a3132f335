//! What we know of an address's deliverability: a permanent refusal by the
//! mail server (5xx) marks it bouncing, and later commercial email skips
//! it (transactional email is still attempted: the customer may have fixed
//! the mailbox, and an order's news must not be dropped silently).

use chrono::{DateTime, Utc};
use entity::mail_address;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// The form addresses are kept in.
pub fn normalise(address: &str) -> String {
    address.trim().to_lowercase()
}

/// Has the mail server refused this address for good?
pub async fn is_bouncing<C: ConnectionTrait>(conn: &C, address: &str) -> Result<bool, DbErr> {
    Ok(mail_address::Entity::find_by_id(normalise(address))
        .one(conn)
        .await?
        .is_some_and(|a| a.bouncing_since.is_some()))
}

/// Record a permanent refusal (the first one dates it).
pub async fn mark_bouncing<C: ConnectionTrait>(
    conn: &C,
    address: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let address = normalise(address);
    let existing = mail_address::Entity::find_by_id(address.clone())
        .one(conn)
        .await?;
    let since = existing.and_then(|a| a.bouncing_since).unwrap_or(now);
    let row = mail_address::ActiveModel {
        address: Set(address),
        bouncing_since: Set(Some(since)),
        last_bounce: Set(Some(reason.chars().take(500).collect())),
        updated_at: Set(now),
    };
    mail_address::Entity::insert(row)
        .on_conflict(
            OnConflict::column(mail_address::Column::Address)
                .update_columns([
                    mail_address::Column::BouncingSince,
                    mail_address::Column::LastBounce,
                    mail_address::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
