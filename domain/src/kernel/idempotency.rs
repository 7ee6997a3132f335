//! Idempotency keys, kept inside the business transaction: the key row, the
//! records the operation writes and its stored response commit together or
//! not at all. A replay answers with the stored response: what the first
//! call returned, not the record as it is now.

use super::context::Ctx;
use super::error::{DomainError, ErrorCode};
use chrono::{DateTime, Duration, Utc};
use entity::idempotency_key;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const MAX_KEY_LEN: usize = 200;

/// A client's `Idempotency-Key` for one operation. `operation` names the
/// mutation field as the request placed it (its alias, if any), so two
/// aliased creates in one request do not share a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub operation: String,
    /// How long the key and its response are kept.
    pub ttl: Duration,
}

/// What a key says about this request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// First use: do the work, then `complete` with the response.
    Fresh { scope: String, key: String },
    /// Seen before with the same input: answer with the stored response.
    Replay(String),
}

/// A stable fingerprint of an operation's (normalised) input.
pub fn fingerprint(input: &impl Serialize) -> Result<String, DomainError> {
    let json = serde_json::to_vec(input).map_err(DomainError::internal)?;
    Ok(hex::encode(Sha256::digest(json)))
}

/// Claim `key` inside the caller's write transaction. A concurrent claim of
/// the same key waits on the unique index until the first commits, then
/// inserts nothing and reads the stored response (PostgreSQL); SQLite runs one
/// writer at a time, so there is no race there.
pub(crate) async fn claim<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    key: &IdempotencyKey,
    input: &impl Serialize,
) -> Result<Claim, DomainError> {
    if key.key.is_empty() || key.key.len() > MAX_KEY_LEN {
        return Err(DomainError::rejected(
            &[],
            ErrorCode::OutOfRange,
            format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} characters"),
        ));
    }
    let scope = format!("{}:{}", ctx.actor.id, key.operation);
    let request_hash = fingerprint(input)?;
    let now = ctx.now();
    // An expired key is forgotten, so the client may use it afresh.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Scope.eq(&scope))
        .filter(idempotency_key::Column::Key.eq(&key.key))
        .filter(idempotency_key::Column::ExpiresAt.lte(now))
        .exec(txn)
        .await?;
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        scope: Set(scope.clone()),
        key: Set(key.key.clone()),
        request_hash: Set(request_hash.clone()),
        response: Set(None),
        created_at: Set(now),
        expires_at: Set(now + key.ttl),
    })
    .on_conflict(
        OnConflict::columns([idempotency_key::Column::Scope, idempotency_key::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if inserted == 1 {
        return Ok(Claim::Fresh {
            scope,
            key: key.key.clone(),
        });
    }
    let existing = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(&scope))
        .filter(idempotency_key::Column::Key.eq(&key.key))
        .one(txn)
        .await?
        .ok_or_else(|| DomainError::internal("idempotency key vanished"))?;
    if existing.request_hash != request_hash {
        return Err(DomainError::rejected(
            &[],
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used with a different input",
        ));
    }
    existing
        .response
        .map(Claim::Replay)
        .ok_or_else(|| DomainError::internal("idempotency key without response"))
}

/// Store the response of a fresh claim (same transaction as the work).
pub(crate) async fn complete<C: ConnectionTrait>(
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

/// Forget every key that expired before `now` (the worker's sweep calls it).
pub async fn purge_expired<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_fields_and_absence() {
        let f = |v: &(Option<&str>, Option<&str>)| fingerprint(v).unwrap();
        assert_ne!(f(&(Some("ab"), Some("c"))), f(&(Some("a"), Some("bc"))));
        assert_ne!(f(&(None, None)), f(&(Some(""), None)));
        assert_eq!(f(&(Some("x"), None)), f(&(Some("x"), None)));
    }
}
