//! Idempotency keys, kept inside the business transaction: the key row, the
//! record it creates and the stored response commit together or not at all.

use crate::error::{DomainError, ErrorCode};
use chrono::{DateTime, Duration, Utc};
use entity::idempotency_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const MAX_KEY_LEN: usize = 200;

/// What a key says about this request.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// First use: do the work, then `complete`.
    Fresh,
    /// Seen before with the same input: answer with the stored response.
    Replay(String),
}

/// A stable fingerprint of an operation's input.
pub fn fingerprint(parts: &[Option<&str>]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        match part {
            // Length-prefixed so ("ab", "c") and ("a", "bc") differ.
            Some(p) => hasher.update(format!("{}:{p};", p.len())),
            None => hasher.update("-;"),
        }
    }
    hex::encode(hasher.finalize())
}

/// Claim `key` for `scope` inside the caller's transaction. A concurrent claim
/// of the same key blocks on the unique index and then fails; see
/// [`is_race_lost`].
pub async fn claim<C: ConnectionTrait>(
    txn: &C,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Claim, DomainError> {
    // An expired key is forgotten, so the client may use it afresh.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::ExpiresAt.lte(now))
        .exec(txn)
        .await?;
    let existing = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(txn)
        .await?;
    match existing {
        Some(row) if row.request_hash != request_hash => Err(DomainError::rejected(
            &[],
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used with a different input",
        )),
        Some(row) => row
            .response
            .map(Claim::Replay)
            .ok_or_else(|| DomainError::Internal("idempotency key without response".into())),
        None => {
            idempotency_key::ActiveModel {
                id: Set(Uuid::now_v7()),
                scope: Set(scope.to_owned()),
                key: Set(key.to_owned()),
                request_hash: Set(request_hash.to_owned()),
                response: Set(None),
                created_at: Set(now),
                expires_at: Set(now + ttl),
            }
            .insert(txn)
            .await?;
            Ok(Claim::Fresh)
        }
    }
}

/// Store the response of a fresh claim (same transaction as the work).
pub async fn complete<C: ConnectionTrait>(
    txn: &C,
    scope: &str,
    key: &str,
    response: &str,
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::Response,
            sea_orm::sea_query::Expr::value(response.to_owned()),
        )
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(txn)
        .await?;
    Ok(())
}

/// Did this error come from losing a race for the same key (or from SQLite's
/// writer lock)? Then retrying the whole transaction replays the winner.
pub fn is_race_lost(err: &DomainError) -> bool {
    match err {
        DomainError::Db(e) => matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_fields_and_absence() {
        assert_ne!(
            fingerprint(&[Some("ab"), Some("c")]),
            fingerprint(&[Some("a"), Some("bc")])
        );
        assert_ne!(fingerprint(&[None]), fingerprint(&[Some("")]));
        assert_eq!(
            fingerprint(&[Some("x"), None]),
            fingerprint(&[Some("x"), None])
        );
    }
}
