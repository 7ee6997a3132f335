//! Logins: argon2id password hashes, one role each, customers linked to their
//! party. ADMIN creates and disables them.

use crate::access::Permission;
use crate::audit;
use crate::context::{Ctx, Role};
use crate::customers::{PARTY_KIND_CUSTOMER, find_visible};
use crate::db::begin_write;
use crate::error::{DomainError, ErrorCode, FieldError};
use crate::rules::email::Email;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use entity::{app_user, party};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, Unchanged,
};
use serde::Serialize;
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "user";
pub const MIN_PASSWORD_LEN: usize = 12;

/// Hash a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, DomainError> {
    let salt = SaltString::encode_b64(Uuid::new_v4().as_bytes())
        .map_err(|e| DomainError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("hash: {e}")))
}

/// Does `password` match the stored hash?
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub party_id: Option<Uuid>,
}

#[derive(Serialize)]
struct Snapshot<'a> {
    email: &'a str,
    role: &'a str,
    party_id: Option<Uuid>,
    disabled: bool,
    version: i32,
}

impl<'a> From<&'a app_user::Model> for Snapshot<'a> {
    fn from(m: &'a app_user::Model) -> Self {
        Snapshot {
            email: &m.email,
            role: &m.role,
            party_id: m.party_id,
            disabled: m.disabled,
            version: m.version,
        }
    }
}

/// Create a login (ADMIN only).
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewUserInput,
) -> Result<app_user::Model, DomainError> {
    Permission::ManageUsers.require(ctx)?;
    let mut errors = Vec::new();
    let email = match Email::parse(&input.email) {
        Ok(e) => Some(e.as_str().to_lowercase()),
        Err(e) => {
            errors.push(FieldError::from_value("email", e));
            None
        }
    };
    if input.password.chars().count() < MIN_PASSWORD_LEN {
        errors.push(FieldError::new(
            &["password"],
            ErrorCode::WeakPassword,
            format!("a password needs at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    match (input.role, input.party_id) {
        (Role::Customer, None) => errors.push(FieldError::new(
            &["partyId"],
            ErrorCode::Required,
            "a CUSTOMER login must be linked to its customer",
        )),
        (role, Some(_)) if role.is_staff() => errors.push(FieldError::new(
            &["partyId"],
            ErrorCode::OutOfRange,
            "only CUSTOMER logins are linked to a customer",
        )),
        _ => {}
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(DomainError::Rejected(errors));
    };
    let password_hash = hash_password(&input.password)?;

    let txn = begin_write(db).await?;
    if let Some(party_id) = input.party_id
        && find_visible(&txn, ctx, party_id).await?.is_none()
    {
        return Err(DomainError::not_found("partyId", "customer"));
    }
    if app_user::Entity::find()
        .filter(app_user::Column::Email.eq(&email))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(DomainError::rejected(
            &["email"],
            ErrorCode::EmailTaken,
            "a login with this email already exists",
        ));
    }
    let now = ctx.clock.now();
    let user = app_user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        password_hash: Set(password_hash),
        role: Set(input.role.as_str().to_owned()),
        party_id: Set(input.party_id),
        disabled: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        ctx,
        SUBJECT_TYPE,
        user.id,
        "user.created",
        None,
        Some(&Snapshot::from(&user)),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Disable a login (ADMIN only); its tokens stop working at once.
pub async fn disable(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<app_user::Model, DomainError> {
    Permission::ManageUsers.require(ctx)?;
    let txn = begin_write(db).await?;
    let before = app_user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::not_found("id", "user"))?;
    if before.disabled {
        txn.commit().await?;
        return Ok(before);
    }
    let after = match app_user::Entity::update(app_user::ActiveModel {
        id: Unchanged(id),
        disabled: Set(true),
        version: Set(before.version + 1),
        updated_at: Set(ctx.clock.now()),
        ..Default::default()
    })
    .validate()?
    .filter(app_user::Column::Version.eq(before.version))
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
        id,
        "user.disabled",
        Some(&Snapshot::from(&before)),
        Some(&Snapshot::from(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Check an email and password. Every failure looks the same, and an unknown
/// email costs as much as a wrong password, so logins cannot probe accounts.
pub async fn authenticate<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    password: &str,
) -> Result<app_user::Model, DomainError> {
    let refused = || {
        DomainError::Rejected(vec![FieldError::new(
            &[],
            ErrorCode::InvalidCredentials,
            "email or password is wrong, or the login is disabled",
        )])
    };
    let email = email.trim().to_lowercase();
    let user = app_user::Entity::find()
        .filter(app_user::Column::Email.eq(email))
        .one(conn)
        .await?;
    match user {
        Some(user) if verify_password(&user.password_hash, password) && !user.disabled => Ok(user),
        Some(_) => Err(refused()),
        None => {
            // Spend the same work as a real check.
            let _ = verify_password(dummy_hash(), password);
            Err(refused())
        }
    }
}

/// A real argon2id hash of a throwaway string, for constant-cost refusals.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<app_user::Model>, DbErr> {
    app_user::Entity::find_by_id(id).one(conn).await
}

/// Make `email` a login unless one exists (demo seeding); returns it either way.
pub async fn ensure(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewUserInput,
) -> Result<app_user::Model, DomainError> {
    let existing = app_user::Entity::find()
        .filter(app_user::Column::Email.eq(input.email.trim().to_lowercase()))
        .one(db)
        .await?;
    match existing {
        Some(user) => Ok(user),
        None => create(db, ctx, input).await,
    }
}

/// The customer party a CUSTOMER login belongs to.
pub async fn customer_party<C: ConnectionTrait>(
    conn: &C,
    user: &app_user::Model,
) -> Result<Option<party::Model>, DbErr> {
    match user.party_id {
        None => Ok(None),
        Some(id) => {
            party::Entity::find_by_id(id)
                .filter(party::Column::Kind.eq(PARTY_KIND_CUSTOMER))
                .one(conn)
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password(&a, "correct horse battery"));
        assert!(!verify_password(&a, "wrong"));
        assert!(!verify_password("garbage", "x"));
    }
}
