//! The addresses signed links open (`/links/{purpose}/{token}`): each link
//! is opened with [`open`] (a tampered, misdirected or expired one gets a
//! short 404 or 410 page, never an error trace) and handed to its purpose's
//! page in `pages`. The survey, NPS and unsubscribe pages also take a POST at
//! the same address (the surveys' answers; the unsubscribe button and RFC
//! 8058 one-click).

use crate::pages::shell::{open, page};
use crate::state::AppState;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::platform::links::{LinkPurpose, LinkSigner};

/// The absolute address a customer email carries for `purpose` and `subject`.
pub fn url(state: &AppState, purpose: LinkPurpose, subject: uuid::Uuid) -> String {
    LinkSigner::new(&state.config.link_signing_key).url(
        &state.config.public_base_url,
        purpose,
        subject,
        state.clock.now(),
    )
}

pub async fn signed_page(
    State(state): State<AppState>,
    Path((purpose, token)): Path<(String, String)>,
) -> Response {
    let Some(purpose) = LinkPurpose::from_path_segment(&purpose) else {
        return page(
            StatusCode::NOT_FOUND,
            "Page not found",
            "There is no page at this address.",
        );
    };
    match open(&state, purpose, &token) {
        Err(refusal) => refusal.into_response(),
        Ok(link) => match link.purpose {
            LinkPurpose::Invoice => crate::pages::invoice::show(&state, link.subject).await,
            LinkPurpose::Tracking => crate::pages::tracking::show(&state, link.subject).await,
            LinkPurpose::PayerApproval => {
                crate::pages::payer::approval_page(&state, link.subject, &token).await
            }
            LinkPurpose::Survey => crate::pages::survey::show(&state, link.subject, &token).await,
            LinkPurpose::Nps => crate::pages::nps::show(&state, link.subject, &token).await,
            LinkPurpose::Unsubscribe => {
                crate::pages::unsubscribe::show(&state, link.subject, &token).await
            }
        },
    }
}

/// A POST to a signed page: the survey's answer, or unsubscribing (the
/// page's button, or a mail client's RFC 8058 one-click POST). The link is
/// checked before the body is read; other pages take no POST.
pub async fn signed_post(
    State(state): State<AppState>,
    Path((purpose, token)): Path<(String, String)>,
    request: Request,
) -> Response {
    let purpose = LinkPurpose::from_path_segment(&purpose).filter(|p| {
        matches!(
            p,
            LinkPurpose::Survey | LinkPurpose::Nps | LinkPurpose::Unsubscribe
        )
    });
    let Some(purpose) = purpose else {
        return page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Page not found",
            "There is no page to send this to.",
        );
    };
    let link = match open(&state, purpose, &token) {
        Ok(link) => link,
        Err(refusal) => return refusal.into_response(),
    };
    if purpose == LinkPurpose::Survey {
        // A body that is not a form is an answer without a rating.
        let form = form_or_default(request, &state).await;
        return crate::pages::survey::submit(&state, link.subject, &token, form).await;
    }
    if purpose == LinkPurpose::Nps {
        // A body that is not a form is an answer without a score.
        let form = form_or_default(request, &state).await;
        return crate::pages::nps::submit(&state, link.subject, &token, form).await;
    }
    // One-click POSTs carry `List-Unsubscribe=One-Click`; the button nothing.
    let body = axum::body::Bytes::from_request(request, &state)
        .await
        .unwrap_or_default();
    crate::pages::unsubscribe::confirm(&state, link.subject, &token, &body).await
}

/// The form a request's body holds; an empty one when the body is not a form.
async fn form_or_default<F>(request: Request, state: &AppState) -> F
where
    F: serde::de::DeserializeOwned + Default,
{
    axum::Form::<F>::from_request(request, state)
        .await
        .map(|axum::Form(form)| form)
        .unwrap_or_default()
}
