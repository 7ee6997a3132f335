//! Shared GraphQL shapes: opaque cursors, ids and page arguments.

use super::errors::ApiError;
use async_graphql::{ErrorExtensions, ID};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::page::{MAX_PAGE_SIZE, PageRequest};
use uuid::Uuid;

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Uuid::from_slice(&bytes).ok()
}

/// Parse an `ID` argument; a malformed one is a bad request.
pub fn parse_id(id: &ID, argument: &str) -> async_graphql::Result<Uuid> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| ApiError::BadRequest(format!("{argument} is not a valid ID")).extend())
}

/// Check `first`/`after` (Relay) and make a page request.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageRequest> {
    let first = first.unwrap_or(20);
    if first < 0 || first as u32 > MAX_PAGE_SIZE {
        return Err(
            ApiError::BadRequest(format!("first must be between 0 and {MAX_PAGE_SIZE}")).extend(),
        );
    }
    let after =
        match after {
            None => None,
            Some(c) => Some(decode_cursor(&c).ok_or_else(|| {
                ApiError::BadRequest("after is not a valid cursor".into()).extend()
            })?),
        };
    Ok(PageRequest {
        first: first as u32,
        after,
    })
}
