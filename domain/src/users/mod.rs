//! Logins: argon2id password hashes, one role each, customers linked to their
//! party. ADMIN creates and disables them.

use crate::customers;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, IdempotencyKey, Permission, Role, Versioned,
    Write,
};
use crate::rules::email::Email;
use entity::{app_user, party};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, Unchanged,
};
use uuid::Uuid;

pub mod login;
pub mod password;

pub use login::{Attempt, LoginError, login, purge_old_failures};

pub const SUBJECT_TYPE: &str = "user";
pub const MIN_PASSWORD_LEN: usize = 12;

impl Versioned for app_user::Entity {
    fn version_column() -> app_user::Column {
        app_user::Column::Version
    }
}

#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub party_id: Option<Uuid>,
}

/// Create a login (ADMIN only); honours an `Idempotency-Key`.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewUserInput,
    key: Option<&IdempotencyKey>,
) -> Result<Committed<app_user::Model>, DomainError> {
    // Checked before the (deliberately slow) hash is computed.
    Permission::ManageUsers.require(ctx)?;
    let mut fields = Fields::new();
    let email = fields.required("email", &input.email, Email::parse);
    fields.ensure(
        input.password.chars().count() >= MIN_PASSWORD_LEN,
        "password",
        ErrorCode::WeakPassword,
        format!("a password needs at least {MIN_PASSWORD_LEN} characters"),
    );
    match (input.role, input.party_id) {
        (Role::Customer, None) => fields.refuse(
            "partyId",
            ErrorCode::Required,
            "a CUSTOMER login must be linked to its customer",
        ),
        (role, Some(_)) if role.is_staff() => fields.refuse(
            "partyId",
            ErrorCode::OutOfRange,
            "only CUSTOMER logins are linked to a customer",
        ),
        _ => {}
    }
    let email = fields.finish(|| email.map(|e| e.as_str().to_lowercase()))?;
    let password_hash = password::hash(&input.password).await?;

    let mut w = Write::begin(db, ctx, Permission::ManageUsers).await?;
    let fingerprint = (&email, input.role, input.party_id);
    if let Some(replayed) = w.replay(key, &fingerprint).await? {
        return Ok(replayed);
    }
    if let Some(party_id) = input.party_id
        && customers::find_visible(w.conn(), ctx, party_id)
            .await?
            .is_none()
    {
        return Err(DomainError::not_found("partyId", "customer"));
    }
    if find_by_email(w.conn(), &email).await?.is_some() {
        return Err(email_taken());
    }
    let now = w.now();
    let user = w
        .insert(app_user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email),
            password_hash: Set(password_hash),
            role: Set(input.role),
            party_id: Set(input.party_id),
            disabled: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await
        .map_err(|e| e.unique_as(email_taken))?;
    w.commit_audited(SUBJECT_TYPE, user.id, "user.created", None, user)
        .await
}

fn email_taken() -> DomainError {
    DomainError::rejected(
        &["email"],
        ErrorCode::EmailTaken,
        "a login with this email already exists",
    )
}

/// Disable a login (ADMIN only); its tokens stop working at once.
/// Disabling a disabled login changes nothing.
pub async fn disable(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<app_user::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageUsers).await?;
    let before = find(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("id", "user"))?;
    if before.disabled {
        return w.commit(before).await;
    }
    let changed = app_user::ActiveModel {
        id: Unchanged(id),
        disabled: Set(true),
        updated_at: Set(w.now()),
        ..Default::default()
    };
    let after = w
        .update_versioned::<app_user::Entity>(changed, before.version)
        .await?;
    w.commit_audited(SUBJECT_TYPE, id, "user.disabled", Some(&before), after)
        .await
}

async fn find_by_email<C: ConnectionTrait>(
    conn: &C,
    email: &str,
) -> Result<Option<app_user::Model>, DbErr> {
    app_user::Entity::find()
        .filter(app_user::Column::Email.eq(email.trim().to_lowercase()))
        .one(conn)
        .await
}

crate::find_by_id! {
    pub fn find -> app_user
}

/// A login the caller may see: ADMIN sees every login, anyone else only
/// their own; another login looks missing.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<app_user::Model>, DbErr> {
    if !Permission::ManageUsers.allows(ctx.actor.role) && ctx.actor.id != id.to_string() {
        return Ok(None);
    }
    find(conn, id).await
}

/// Make `email` a login unless one exists (demo seeding); returns it either way.
pub async fn ensure(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewUserInput,
) -> Result<app_user::Model, DomainError> {
    match find_by_email(db, &input.email).await? {
        Some(user) => Ok(user),
        None => Ok(create(db, ctx, input, None).await?.value),
    }
}

/// The addresses of the enabled logins of a staff role, oldest first.
pub async fn emails_of_role<C: ConnectionTrait>(
    conn: &C,
    role: entity::Role,
) -> Result<Vec<String>, DbErr> {
    enabled_emails(conn, app_user::Column::Role.eq(role)).await
}

/// The addresses of the enabled logins `which` selects, oldest first.
pub async fn enabled_emails<C: ConnectionTrait>(
    conn: &C,
    which: impl sea_orm::sea_query::IntoCondition,
) -> Result<Vec<String>, DbErr> {
    Ok(app_user::Entity::find()
        .filter(which)
        .filter(app_user::Column::Disabled.eq(false))
        .order_by_asc(app_user::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect())
}

/// The customer party a CUSTOMER login belongs to.
pub async fn customer_party<C: ConnectionTrait>(
    conn: &C,
    user: &app_user::Model,
) -> Result<Option<party::Model>, DbErr> {
    match user.party_id {
        None => Ok(None),
        Some(id) => customers::find(conn, id).await,
    }
}
