//! Who is calling and what a request carries into GraphQL, read the same way
//! for an HTTP request and for a WebSocket's `connection_init`.

use crate::auth::{Bearer, TokenError, check_subject, verify_token};
use crate::graphql::{LoginBudget, RequestCtx};
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use domain::Actor;
use std::net::SocketAddr;

/// Who is calling: nobody (no Authorization header) or the actor of a valid
/// bearer token. A bad token, or one whose subject may not act (see
/// `check_subject`), is refused before anything runs. `TokenError::Lookup`
/// means the token could not be checked (the database is unreachable), not
/// that it is bad.
pub async fn authenticate(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<Option<Bearer>, TokenError> {
    let Some(value) = authorization else {
        return Ok(None);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or(TokenError::Scheme)?;
    let bearer = verify_token(&state.config.jwt_secret, token.trim(), state.clock.now())?;
    check_subject(&state.db, state.config.is_production(), &bearer.actor).await?;
    Ok(Some(bearer))
}

/// What one request (or one WebSocket session) hands its resolvers: the
/// caller, the peer address for the sign-in throttle, a fresh request id and
/// the Idempotency-Key header.
pub(crate) fn request_ctx(
    headers: &HeaderMap,
    actor: Option<Actor>,
    peer: SocketAddr,
) -> RequestCtx {
    RequestCtx {
        actor,
        client: peer.ip().to_string(),
        login_budget: LoginBudget::default(),
        request_id: uuid::Uuid::now_v7().to_string(),
        idempotency_key: header_text(headers, "idempotency-key").map(str::to_owned),
    }
}

/// A header's value as text (absent or not visible ASCII: `None`).
pub(crate) fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
