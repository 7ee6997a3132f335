//! Signing in, with a throttle on password guessing: after too many failures
//! in a window, for one account (whether or not it exists) or from one client
//! address, sign-in is refused until the oldest counted failure ages out.
//! Failures live in the database, so every api process counts the same.

use super::{find_by_email, password};
use crate::kernel::{DomainError, ErrorCode, FieldError};
use chrono::{DateTime, Duration, Utc};
use entity::{app_user, login_failure};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

/// How far back failures count.
pub const WINDOW: Duration = Duration::minutes(15);
/// Failures for one account within the window before it is throttled.
pub const ACCOUNT_LIMIT: u64 = 10;
/// Failures from one client address within the window (several people may
/// share an office's address, so it allows more).
pub const CLIENT_LIMIT: u64 = 30;

/// One sign-in attempt.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The caller's network address as the server saw it.
    pub client: &'a str,
}

#[derive(Debug)]
pub enum LoginError {
    /// Wrong email or password, or a disabled login: one answer for all.
    Refused(DomainError),
    /// Too many recent failures; try again after `retry_after`.
    Throttled { retry_after: Duration },
}

impl From<DomainError> for LoginError {
    fn from(e: DomainError) -> Self {
        LoginError::Refused(e)
    }
}

impl From<DbErr> for LoginError {
    fn from(e: DbErr) -> Self {
        LoginError::Refused(e.into())
    }
}

/// How long until fewer than `limit` of these failures (newest first) fall
/// within `WINDOW` of `now`; `None` when sign-in may go ahead.
pub fn blocked_for(
    newest_first: &[DateTime<Utc>],
    limit: u64,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let counted: Vec<_> = newest_first
        .iter()
        .filter(|at| **at > now - WINDOW)
        .collect();
    if counted.len() < limit {
        return None;
    }
    // When the limit-th newest failure ages out, one more attempt is allowed.
    let frees_at = *counted[limit - 1] + WINDOW;
    Some((frees_at - now).max(Duration::seconds(1)))
}

/// Check the throttle, then the credentials. Every refusal looks the same and
/// an unknown email costs as much as a wrong password, so sign-in cannot
/// probe which accounts exist.
pub async fn login(
    db: &DatabaseConnection,
    attempt: Attempt<'_>,
    now: DateTime<Utc>,
) -> Result<app_user::Model, LoginError> {
    let account = attempt.email.trim().to_lowercase();
    let by_account = recent(
        db,
        login_failure::Column::AccountKey,
        &account,
        ACCOUNT_LIMIT,
        now,
    );
    let by_client = recent(
        db,
        login_failure::Column::ClientKey,
        attempt.client,
        CLIENT_LIMIT,
        now,
    );
    let wait = [
        blocked_for(&by_account.await?, ACCOUNT_LIMIT, now),
        blocked_for(&by_client.await?, CLIENT_LIMIT, now),
    ];
    if let Some(retry_after) = wait.into_iter().flatten().max() {
        return Err(LoginError::Throttled { retry_after });
    }
    let user = find_by_email(db, &account).await?;
    let hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => password::decoy().await?.to_owned(),
    };
    let matches = password::verify(&hash, attempt.password).await?;
    match user {
        Some(user) if matches && !user.disabled => {
            login_failure::Entity::delete_many()
                .filter(login_failure::Column::AccountKey.eq(&account))
                .exec(db)
                .await?;
            Ok(user)
        }
        _ => {
            login_failure::ActiveModel {
                id: Set(Uuid::now_v7()),
                account_key: Set(account),
                client_key: Set(attempt.client.to_owned()),
                failed_at: Set(now),
            }
            .insert(db)
            .await?;
            Err(LoginError::Refused(DomainError::Rejected(vec![
                FieldError::new(
                    &[],
                    ErrorCode::InvalidCredentials,
                    "email or password is wrong, or the login is disabled",
                ),
            ])))
        }
    }
}

/// The newest failures for one key within the window, at most `limit`.
async fn recent(
    db: &DatabaseConnection,
    column: login_failure::Column,
    key: &str,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    let rows = login_failure::Entity::find()
        .filter(column.eq(key))
        .filter(login_failure::Column::FailedAt.gt(now - WINDOW))
        .order_by_desc(login_failure::Column::FailedAt)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.failed_at).collect())
}

/// Forget failures too old to count (the worker's sweep).
pub async fn purge_old_failures(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = login_failure::Entity::delete_many()
        .filter(login_failure::Column::FailedAt.lte(now - WINDOW))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes_ago(now: DateTime<Utc>, minutes: &[i64]) -> Vec<DateTime<Utc>> {
        minutes
            .iter()
            .map(|m| now - Duration::minutes(*m))
            .collect()
    }

    #[test]
    fn under_the_limit_goes_ahead() {
        let now = Utc::now();
        assert_eq!(blocked_for(&[], 3, now), None);
        assert_eq!(blocked_for(&minutes_ago(now, &[1, 2]), 3, now), None);
    }

    #[test]
    fn at_the_limit_waits_until_the_limit_th_newest_ages_out() {
        let now = Utc::now();
        let failures = minutes_ago(now, &[1, 2, 5, 14]);
        // Three allowed: the third newest (5 minutes ago) frees a slot in 10.
        assert_eq!(blocked_for(&failures, 3, now), Some(Duration::minutes(10)));
        assert_eq!(blocked_for(&failures, 4, now), Some(Duration::minutes(1)));
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let now = Utc::now();
        assert_eq!(blocked_for(&minutes_ago(now, &[1, 15, 20]), 2, now), None);
    }
}
