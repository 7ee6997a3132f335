//! Logins: `login`, `me`, and ADMIN's `createUser` / `disableUser`.

use super::errors::{ApiError, UserError, split_domain_error};
use super::types::parse_id;
use super::{ContextExt, Require};
use crate::auth::issue_token;
use crate::graphql::customers::Customer;
use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::access::Permission;
use domain::users::{self, NewUserInput};
use entity::app_user;

/// What a login may do; each login has exactly one role.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything, including users and settings.
    Admin,
    /// Runs engagements.
    ProjectManager,
    /// Executes engagement work.
    DeliveryTeam,
    /// Reviews quality.
    QaLead,
    /// Warehouse and shipping.
    Fulfilment,
    /// Invoices and payments.
    Finance,
    /// Compliance records.
    Compliance,
    /// A customer, who sees only their own records.
    Customer,
}

impl From<Role> for domain::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => Self::Admin,
            Role::ProjectManager => Self::ProjectManager,
            Role::DeliveryTeam => Self::DeliveryTeam,
            Role::QaLead => Self::QaLead,
            Role::Fulfilment => Self::Fulfilment,
            Role::Finance => Self::Finance,
            Role::Compliance => Self::Compliance,
            Role::Customer => Self::Customer,
        }
    }
}

impl From<domain::Role> for Role {
    fn from(r: domain::Role) -> Self {
        match r {
            domain::Role::Admin => Self::Admin,
            domain::Role::ProjectManager => Self::ProjectManager,
            domain::Role::DeliveryTeam => Self::DeliveryTeam,
            domain::Role::QaLead => Self::QaLead,
            domain::Role::Fulfilment => Self::Fulfilment,
            domain::Role::Finance => Self::Finance,
            domain::Role::Compliance => Self::Compliance,
            domain::Role::Customer => Self::Customer,
        }
    }
}

/// A login.
pub struct User(pub app_user::Model);

#[Object]
impl User {
    /// Stable identifier (the token's `sub`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Sign-in email.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The login's role.
    async fn role(&self) -> Option<Role> {
        self.0.role.parse::<domain::Role>().ok().map(Role::from)
    }
    /// Disabled logins cannot sign in and their tokens are refused.
    async fn disabled(&self) -> bool {
        self.0.disabled
    }
    /// Incremented by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The customer a CUSTOMER login belongs to.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        let found = users::customer_party(&ctx.services().db, &self.0)
            .await
            .map_err(|e| ApiError::internal(&ctx.request().request_id, &e).extend())?;
        Ok(found.map(Customer))
    }
}

/// The caller, as the token says.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The token's subject (a user id, or a development subject).
    pub id: ID,
    /// The caller's role.
    pub role: Role,
    /// The caller's customer id, for customers.
    pub customer_id: Option<ID>,
    /// The login record, when the subject is a login.
    pub user: Option<User>,
}

/// Credentials.
#[derive(InputObject)]
pub struct LoginInput {
    /// Sign-in email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Result of `login`.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Bearer token for the Authorization header (and WebSocket `connection_init`).
    pub token: Option<String>,
    /// When the token stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// The signed-in login.
    pub user: Option<User>,
    /// Why sign-in failed; empty on success.
    pub user_errors: Vec<UserError>,
}

/// A new login.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Sign-in email (unique).
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    /// The one role of this login.
    pub role: Role,
    /// The customer a CUSTOMER login belongs to (required for CUSTOMER only).
    pub party_id: Option<ID>,
}

/// Result of `createUser`.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    /// The new login.
    pub user: Option<User>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Which login to disable.
#[derive(InputObject)]
pub struct DisableUserInput {
    /// The login.
    pub id: ID,
}

/// Result of `disableUser`.
#[derive(SimpleObject)]
pub struct DisableUserPayload {
    /// The disabled login.
    pub user: Option<User>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The caller.
    #[graphql(guard = "Require::signed_in()")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        let actor = ctx.domain_ctx()?.actor;
        let user = match uuid::Uuid::parse_str(&actor.id) {
            Ok(id) => users::find(&ctx.services().db, id)
                .await
                .map_err(|e| ApiError::internal(&ctx.request().request_id, &e).extend())?,
            Err(_) => None,
        };
        Ok(Viewer {
            id: ID(actor.id.clone()),
            role: actor.role.into(),
            customer_id: actor.party.map(|p| ID(p.to_string())),
            user: user.map(User),
        })
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Sign in with email and password; returns a bearer token. Public.
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        let services = ctx.services();
        match users::authenticate(&services.db, &input.email, &input.password).await {
            Ok(user) => {
                let role: domain::Role = user.role.parse().map_err(|e: String| {
                    ApiError::internal(&ctx.request().request_id, &e).extend()
                })?;
                let now = services.clock.now();
                let token = issue_token(
                    &services.config.jwt_secret,
                    &user.id.to_string(),
                    role,
                    user.party_id,
                    now,
                    services.config.jwt_ttl,
                );
                Ok(LoginPayload {
                    token: Some(token),
                    expires_at: Some(now + services.config.jwt_ttl),
                    user: Some(User(user)),
                    user_errors: vec![],
                })
            }
            Err(e) => Ok(LoginPayload {
                token: None,
                expires_at: None,
                user: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            }),
        }
    }

    /// Create a login (ADMIN).
    #[graphql(guard = "Require::to(Permission::ManageUsers)")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let party_id = match &input.party_id {
            None => None,
            Some(id) => match uuid::Uuid::parse_str(id.as_str()) {
                Ok(id) => Some(id),
                Err(_) => {
                    return Ok(CreateUserPayload {
                        user: None,
                        user_errors: vec![UserError {
                            field: Some(vec!["input".into(), "partyId".into()]),
                            code: super::UserErrorCode::InvalidId,
                            message: "partyId is not a valid ID".into(),
                        }],
                    });
                }
            },
        };
        let raw = NewUserInput {
            email: input.email,
            password: input.password,
            role: input.role.into(),
            party_id,
        };
        match users::create(&ctx.services().db, &ctx.domain_ctx()?, &raw).await {
            Ok(user) => {
                ctx.services().broker.publish(user.id).await;
                Ok(CreateUserPayload {
                    user: Some(User(user)),
                    user_errors: vec![],
                })
            }
            Err(e) => Ok(CreateUserPayload {
                user: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            }),
        }
    }

    /// Disable a login (ADMIN); its tokens are refused from now on.
    #[graphql(guard = "Require::to(Permission::ManageUsers)")]
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        input: DisableUserInput,
    ) -> async_graphql::Result<DisableUserPayload> {
        let id = parse_id(&input.id, "input.id")?;
        match users::disable(&ctx.services().db, &ctx.domain_ctx()?, id).await {
            Ok(user) => {
                ctx.services().broker.publish(user.id).await;
                Ok(DisableUserPayload {
                    user: Some(User(user)),
                    user_errors: vec![],
                })
            }
            Err(e) => Ok(DisableUserPayload {
                user: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            }),
        }
    }
}
