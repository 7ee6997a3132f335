//! The frame every signed-link page shares: opening the link (a tampered,
//! misdirected or expired one gets a short 404 or 410 page, never an error
//! trace), the short page itself, and the headers that keep a page out of
//! caches, indexes and Referer headers.

use crate::state::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use domain::platform::links::{LinkError, LinkPurpose, LinkSigner, SignedLink};

/// The link a request carries, or why it opens nothing.
pub fn open(state: &AppState, purpose: LinkPurpose, token: &str) -> Result<SignedLink, Refusal> {
    LinkSigner::new(&state.config.link_signing_key)
        .verify(token, purpose, state.clock.now())
        .map_err(Refusal)
}

/// A refused link, answered with a short page: 404 when it is not genuine
/// (or for another page), 410 when it has expired.
#[derive(Debug)]
pub struct Refusal(pub LinkError);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self.0 {
            LinkError::Invalid => page(
                StatusCode::NOT_FOUND,
                "Link not found",
                "This link is not valid. Please use the link from your most recent email.",
            ),
            LinkError::Expired => page(
                StatusCode::GONE,
                "Link expired",
                "This link has expired. Please contact us and we will send you a new one.",
            ),
        }
    }
}

/// A short HTML page; never cached or indexed, and the token never leaks
/// through a Referer header.
pub fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        r#"<!doctype html>
<html lang="en-AU"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1.5rem;color:#1f2933;line-height:1.5}}h1{{font-size:1.5rem;margin-bottom:.5rem}}p{{color:#52606d}}</style>
</head><body><main><h1>{title}</h1><p>{message}</p></main></body></html>
"#
    );
    with_page_headers((status, Html(body)).into_response())
}

/// Never cached or indexed, and the token never leaks through a Referer header.
pub(crate) fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}
