//! HTTP routes: GraphQL over HTTP (our own handler, so batches and methods are
//! policed before anything runs), GraphiQL, health, readiness and the pages
//! signed links open.

use crate::auth::TokenError;
use crate::caller::{authenticate, header_text, request_ctx};
use crate::graphql::limits;
use crate::state::AppState;
use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, BatchResponse, ServerError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most operations in one batched request.
pub const MAX_BATCH: usize = 10;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(crate::ws::graphql_ws))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route(
            "/links/{purpose}/{token}",
            get(crate::links::signed_page).post(crate::links::signed_post),
        )
        .route(
            "/links/payer-approval/{token}/{answer}",
            axum::routing::post(crate::pages::payer::answer),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            let id = uuid::Uuid::now_v7();
            tracing::error!(request_id = %id, "panic while handling a request");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                false,
                "INTERNAL",
                &format!("internal error (request id {id})"),
            )
        }))
        .with_state(state)
}

async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(e) = state.db.ping().await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response();
    }
    if let Err(e) = state.queues.ping().await {
        tracing::warn!(error = %e, "readiness: job queue unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "job queue unreachable").into_response();
    }
    (StatusCode::OK, "ready").into_response()
}

/// Does the client speak the GraphQL-over-HTTP response media type?
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    header_text(headers, header::ACCEPT).is_some_and(|v| v.contains(GRAPHQL_RESPONSE_JSON))
}

fn error_response(status: StatusCode, modern: bool, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    let content_type = if modern {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    let status = if modern {
        status
    } else {
        StatusCode::OK.max(status)
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.to_string(),
    )
        .into_response()
}

async fn graphql_get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let modern = wants_graphql_response(&headers);
    let query = uri.query().unwrap_or_default();
    let accepts_html =
        header_text(&headers, header::ACCEPT).is_some_and(|v| v.contains("text/html"));
    if query.is_empty() && accepts_html {
        if state.config.graphiql {
            return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
        }
        return error_response(
            StatusCode::NOT_FOUND,
            modern,
            "BAD_REQUEST",
            "GraphiQL is switched off",
        );
    }
    let request = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                modern,
                "BAD_REQUEST",
                &format!("bad request: {e}"),
            );
        }
    };
    // GET is for queries only (GraphQL over HTTP): a mutation must be a POST.
    // A persisted (APQ) document is only known once it is looked up, so the
    // request carries the rule to where it is.
    let mut request = request;
    limits::mark_read_only(&mut request);
    if is_mutation(&request) {
        let mut resp = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            true,
            "BAD_REQUEST",
            "mutations must be sent with POST",
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        return resp;
    }
    execute(state, &headers, peer, BatchRequest::Single(request), modern).await
}

fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false; // execution reports the syntax error
    };
    limits::is_mutation(&doc, request.operation_name.as_deref())
}

async fn graphql_post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let modern = wants_graphql_response(&headers);
    let json = header_text(&headers, header::CONTENT_TYPE)
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            modern,
            "BAD_REQUEST",
            "send the GraphQL request as application/json",
        );
    }
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                modern,
                "BAD_REQUEST",
                &format!("the body is not a GraphQL request: {e}"),
            );
        }
    };
    if let BatchRequest::Batch(list) = &batch {
        if list.len() > MAX_BATCH {
            return error_response(
                StatusCode::BAD_REQUEST,
                modern,
                "LIMIT_EXCEEDED",
                &format!("a batch may hold at most {MAX_BATCH} operations"),
            );
        }
        if list.is_empty() {
            return error_response(
                StatusCode::BAD_REQUEST,
                modern,
                "BAD_REQUEST",
                "empty batch",
            );
        }
    }
    execute(state, &headers, peer, batch, modern).await
}

async fn execute(
    state: AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    batch: BatchRequest,
    modern: bool,
) -> Response {
    let authorization = header_text(headers, header::AUTHORIZATION);
    let actor = match authenticate(&state, authorization).await {
        Ok(bearer) => bearer.map(|b| b.actor),
        // A valid token must not read as a bad one while the database is
        // down: the client would drop it and sign in again.
        Err(TokenError::Lookup(cause)) => {
            let request_id = uuid::Uuid::now_v7().to_string();
            tracing::error!(request_id, error = %cause, "could not check a request's token");
            return error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                modern,
                "INTERNAL",
                &format!("internal error (request id {request_id})"),
            );
        }
        Err(reason) => {
            tracing::info!(%reason, "refused a request's token");
            return error_response(
                StatusCode::UNAUTHORIZED,
                true,
                "UNAUTHENTICATED",
                "invalid or expired token",
            );
        }
    };
    let ctx = request_ctx(headers, actor, peer);
    let request_id = ctx.request_id.clone();
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(r.data(ctx)),
        BatchRequest::Batch(list) => {
            BatchRequest::Batch(list.into_iter().map(|r| r.data(ctx.clone())).collect())
        }
    };
    let mut response = state.schema.execute_batch(batch).await;
    label_errors(&mut response, &request_id);
    let status = if modern && is_request_error(&response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let content_type = if modern {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    let internal = || serde_json::json!({ "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL" } }] });
    let body = if status == StatusCode::BAD_REQUEST {
        // GraphQL over HTTP: a document that never ran has no `data` entry.
        let mut body = serde_json::to_value(&response).unwrap_or_else(|_| internal());
        let without_data = |entry: &mut serde_json::Value| {
            if let Some(object) = entry.as_object_mut() {
                object.remove("data");
            }
        };
        match &mut body {
            serde_json::Value::Array(entries) => entries.iter_mut().for_each(without_data),
            single => without_data(single),
        }
        body.to_string()
    } else {
        // Straight to text: no intermediate JSON tree on the common path.
        serde_json::to_string(&response).unwrap_or_else(|_| internal().to_string())
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// Give every error a stable `extensions.code`: resolvers set their own; what
/// async-graphql reports itself (syntax, validation, limits) is a bad request
/// or an exceeded limit.
/// Give every error a code. An error a resolver raised without one is a
/// bug whose message may carry internals: the client sees INTERNAL with the
/// request id, and the log keeps the message.
fn label_errors(response: &mut BatchResponse, request_id: &str) {
    let label = |r: &mut async_graphql::Response| {
        for error in &mut r.errors {
            let has_code = error
                .extensions
                .as_ref()
                .is_some_and(|x| x.get("code").is_some());
            if has_code {
                continue;
            }
            let message = error.message.to_lowercase();
            let code = if message.contains("too deep")
                || message.contains("too complex")
                || message.contains("too many")
                || message.contains("greater than")
                || message.contains("limit")
            {
                "LIMIT_EXCEEDED"
            } else if error.path.is_empty() {
                "BAD_REQUEST"
            } else {
                tracing::error!(request_id, path = ?error.path, error = %error.message, "uncoded resolver error");
                error.message = format!("internal error (request id {request_id})");
                "INTERNAL"
            };
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", code);
            if code == "INTERNAL" {
                extensions.set("requestId", request_id);
            }
        }
    };
    match response {
        BatchResponse::Single(r) => label(r),
        BatchResponse::Batch(list) => list.iter_mut().for_each(label),
    }
}

/// A document that failed to parse or validate never executed: it has errors
/// and no data at all.
fn is_request_error(response: &BatchResponse) -> bool {
    let single = |r: &async_graphql::Response| {
        !r.errors.is_empty()
            && r.data == async_graphql::Value::Null
            && r.errors.iter().all(|e: &ServerError| e.path.is_empty())
    };
    match response {
        BatchResponse::Single(r) => single(r),
        BatchResponse::Batch(list) => list.iter().all(single),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{PathSegment, Pos};

    fn error_at(path: Vec<PathSegment>, message: &str) -> ServerError {
        let mut error = ServerError::new(message, Some(Pos { line: 1, column: 3 }));
        error.path = path;
        error
    }

    #[test]
    fn an_uncoded_resolver_error_is_internal_and_masked() {
        let field = vec![PathSegment::Field("customers".into())];
        let response = async_graphql::Response::from_errors(vec![
            error_at(field, "error returned from database: secret sql detail"),
            error_at(vec![], "Unknown field \"nope\""),
        ]);
        let mut batch = BatchResponse::Single(response);
        label_errors(&mut batch, "req-1");
        let BatchResponse::Single(response) = batch else {
            unreachable!()
        };
        let json = serde_json::to_value(&response.errors).unwrap();
        assert_eq!(json[0]["message"], "internal error (request id req-1)");
        assert_eq!(json[0]["extensions"]["code"], "INTERNAL");
        assert_eq!(json[0]["extensions"]["requestId"], "req-1");
        assert!(!json.to_string().contains("secret"));
        // A request-level error keeps its message: it is about the client's document.
        assert_eq!(json[1]["extensions"]["code"], "BAD_REQUEST");
        assert_eq!(json[1]["message"], "Unknown field \"nope\"");
    }
}
