//! Logins: `login`, `me`, and ADMIN's `createUser` / `disableUser`.

use super::errors::{UserError, UserErrorCode, split_domain_error};
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, input_id, optional_input_id, payload, record_object, respond,
};
use crate::auth::issue_token;
use crate::graphql::customers::Customer;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::users::{self, LoginError, NewUserInput};
use entity::app_user;

/// What a login may do; each login has exactly one role.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::Role")]
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

record_object! { pub struct User(pub app_user::Model); }

object! {
    /// A login.
    #[Object]
    impl User {
        /// Stable identifier (the token's `sub`).
        pub(crate) id: ID,
        /// Sign-in email.
        email: &str,
        /// The login's role.
        role: Role,
        /// Disabled logins cannot sign in and their tokens are refused.
        disabled: bool,
        /// Incremented by every change.
        version: i32,
        /// The customer a CUSTOMER login belongs to.
        async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
            let found = users::customer_party(&ctx.services().db, &self.0).await;
            Ok(answer(ctx, found)?.map(Customer))
        }
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

payload!("Result of `createUser`.", CreateUserPayload, user: User);
payload!("Result of `disableUser`.", DisableUserPayload, user: User);

/// Which login to disable.
#[derive(InputObject)]
pub struct DisableUserInput {
    /// The login.
    pub id: ID,
}

/// Result of `login`.
#[derive(SimpleObject, Default)]
pub struct LoginPayload {
    /// Bearer token for the Authorization header (and WebSocket `connection_init`).
    pub token: Option<String>,
    /// When the token stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// The signed-in login.
    pub user: Option<User>,
    /// With TOO_MANY_ATTEMPTS: how long to wait before signing in again.
    pub retry_after_seconds: Option<i32>,
    /// Why sign-in failed; empty on success.
    pub user_errors: Vec<UserError>,
}

impl LoginPayload {
    fn refused(code: UserErrorCode, message: &str, retry_after_seconds: Option<i32>) -> Self {
        LoginPayload {
            retry_after_seconds,
            user_errors: vec![UserError {
                field: None,
                code,
                message: message.to_owned(),
            }],
            ..LoginPayload::default()
        }
    }
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
            Ok(id) => answer(ctx, users::find(&ctx.services().db, id).await)?,
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
    /// One `login` per HTTP request (further aliases or batch entries get
    /// LIMIT_EXCEEDED); repeated failures for one account or from one
    /// address get TOO_MANY_ATTEMPTS with `retryAfterSeconds`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        let services = ctx.services();
        let request = ctx.request();
        if !request.login_budget.take() {
            return Ok(LoginPayload::refused(
                UserErrorCode::LimitExceeded,
                "one login per request: send further sign-ins as separate requests",
                None,
            ));
        }
        let attempt = users::Attempt {
            email: &input.email,
            password: &input.password,
            client: &request.client,
        };
        // The throttle's window runs on wall time, like every lease and claim.
        match users::login(&services.db, attempt, Utc::now()).await {
            Ok(user) => {
                let now = services.clock.now();
                let token = issue_token(
                    &services.config.jwt_secret,
                    &user.id.to_string(),
                    user.role,
                    user.party_id,
                    now,
                    services.config.jwt_ttl,
                );
                Ok(LoginPayload {
                    token: Some(token),
                    expires_at: Some(now + services.config.jwt_ttl),
                    user: Some(User(user)),
                    retry_after_seconds: None,
                    user_errors: vec![],
                })
            }
            Err(LoginError::Throttled { retry_after }) => {
                let seconds = i32::try_from(retry_after.num_seconds()).unwrap_or(i32::MAX);
                Ok(LoginPayload::refused(
                    UserErrorCode::TooManyAttempts,
                    &format!("too many failed sign-ins; try again in {seconds} seconds"),
                    Some(seconds),
                ))
            }
            Err(LoginError::Refused(e)) => Ok(LoginPayload {
                user_errors: split_domain_error(e, &request.request_id)?,
                ..LoginPayload::default()
            }),
        }
    }

    /// Create a login (ADMIN). Honours `Idempotency-Key`.
    #[graphql(guard = "Require::to(Permission::ManageUsers)")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let key = ctx.idempotency_key();
        let result = async {
            let raw = NewUserInput {
                party_id: optional_input_id(input.party_id.as_ref(), "partyId")?,
                email: input.email,
                password: input.password,
                role: input.role.into(),
            };
            users::create(&ctx.services().db, &domain_ctx, &raw, key.as_ref()).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Disable a login (ADMIN); its tokens are refused from now on.
    #[graphql(guard = "Require::to(Permission::ManageUsers)")]
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: DisableUserInput,
    ) -> async_graphql::Result<DisableUserPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            users::disable(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }
}
