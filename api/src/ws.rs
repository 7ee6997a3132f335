//! GraphQL subscriptions over WebSocket (graphql-transport-ws, and the older
//! graphql-ws). Browsers cannot set headers on a WebSocket, so the token
//! travels in `connection_init`: `{"token": "..."}` or
//! `{"Authorization": "Bearer ..."}`. A bad token closes the connection, and
//! so does the token expiring or its login being disabled while it is open.

use crate::auth::Bearer;
use crate::caller::{authenticate, request_ctx};
use crate::state::AppState;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt, future};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// How often an open session looks at the app clock for its token's expiry
/// (a comparison, no I/O; disabling is noticed at once through the broker).
const EXPIRY_CHECK: Duration = Duration::from_millis(500);

/// graphql-transport-ws close codes for a session that may not go on.
const CLOSE_UNAUTHORIZED: u16 = 4401;
const CLOSE_FORBIDDEN: u16 = 4403;

/// Whose session it is, once `connection_init` has been accepted.
#[derive(Debug, Clone)]
struct Session {
    expires_at: DateTime<Utc>,
    /// The login behind the token, when the subject is one.
    user_id: Option<Uuid>,
}

pub async fn graphql_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(state, peer, protocol, socket))
}

async fn serve(
    state: AppState,
    peer: SocketAddr,
    protocol: GraphQLProtocol,
    socket: axum::extract::ws::WebSocket,
) {
    let (mut sink, incoming) = socket.split();
    // The protocol handler writes into a channel, so this loop can put a
    // close frame on the socket when the session ends.
    let (to_client, mut outgoing) = futures::channel::mpsc::channel::<Message>(16);
    let (session_tx, session_rx) = watch::channel(None);
    let init_state = state.clone();
    let graphql =
        GraphQLWebSocket::new_with_pair(to_client, incoming, state.schema.clone(), protocol)
            .on_connection_init(move |payload| async move {
                let bearer = authenticate(&init_state, bearer_header(&payload).as_deref())
                    .await
                    .map_err(|reason| {
                        tracing::info!(%reason, "refused a WebSocket token");
                        async_graphql::Error::new("invalid or expired token")
                    })?;
                if let Some(Bearer { actor, expires_at }) = &bearer {
                    let user_id = Uuid::parse_str(&actor.id).ok();
                    let _ = session_tx.send(Some(Session {
                        expires_at: *expires_at,
                        user_id,
                    }));
                }
                let actor = bearer.map(|b| b.actor);
                let mut data = async_graphql::Data::default();
                data.insert(request_ctx(&HeaderMap::new(), actor, peer));
                Ok(data)
            })
            .serve();
    futures::pin_mut!(graphql);
    let ended = session_ended(state, session_rx);
    futures::pin_mut!(ended);
    loop {
        tokio::select! {
            message = outgoing.next() => {
                let Some(message) = message else { return };
                if sink.send(message).await.is_err() {
                    return;
                }
            },
            () = &mut graphql => {
                // The client left or the protocol closed: flush what is queued.
                while let Ok(message) = outgoing.try_recv() {
                    if sink.send(message).await.is_err() {
                        return;
                    }
                }
                return;
            },
            (code, reason) = &mut ended => {
                tracing::info!(reason, "ending a WebSocket session");
                let frame = CloseFrame { code, reason: reason.into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                return;
            }
        }
    }
}

/// The bearer header a `connection_init` payload carries, if any.
fn bearer_header(payload: &serde_json::Value) -> Option<String> {
    let header = payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    header.or_else(|| {
        let token = payload.get("token").and_then(|v| v.as_str())?;
        Some(format!("Bearer {token}"))
    })
}

/// Resolves with a close code and reason once the session may not go on:
/// its token expired (app clock) or its login was disabled (heard through
/// the live-update broker, so a disable on any instance ends it).
async fn session_ended(
    state: AppState,
    mut session: watch::Receiver<Option<Session>>,
) -> (u16, &'static str) {
    let current = match session.wait_for(Option::is_some).await {
        Ok(current) => current.clone(),
        // The connection ended before it was accepted.
        Err(_) => None,
    };
    let Some(Session {
        expires_at,
        user_id,
    }) = current
    else {
        return future::pending().await;
    };
    let mut changes = state.broker.subscribe();
    // A disable between the token check and this subscription is not missed.
    if let Some(user_id) = user_id
        && !login_enabled(&state, user_id).await
    {
        return (CLOSE_FORBIDDEN, "login disabled");
    }
    // Once the broker is gone (shutdown) only the expiry check is left.
    let mut listening = true;
    loop {
        let heard = tokio::select! {
            _ = tokio::time::sleep(EXPIRY_CHECK) => None,
            event = changes.recv(), if listening => Some(event),
        };
        if let Some(Err(broadcast::error::RecvError::Closed)) = heard {
            listening = false;
        }
        if state.clock.now() >= expires_at {
            return (CLOSE_UNAUTHORIZED, "token expired");
        }
        let Some(user_id) = user_id else { continue };
        let concerns_user = match heard {
            Some(Ok(event)) => event.subject_id.is_none_or(|id| id == user_id),
            // Missed events: look again.
            Some(Err(broadcast::error::RecvError::Lagged(_))) => true,
            Some(Err(broadcast::error::RecvError::Closed)) | None => false,
        };
        if concerns_user && !login_enabled(&state, user_id).await {
            return (CLOSE_FORBIDDEN, "login disabled");
        }
    }
}

async fn login_enabled(state: &AppState, user_id: Uuid) -> bool {
    match domain::users::find(&state.db, user_id).await {
        Ok(Some(user)) => !user.disabled,
        Ok(None) => false,
        // A failed look-up does not end a session; the next event retries.
        Err(e) => {
            tracing::warn!(error = %e, "checking a WebSocket session's login failed");
            true
        }
    }
}
