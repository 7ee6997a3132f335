//! The pages signed links open (`/links/{purpose}/{token}`). Each area's
//! page starts with [`open`]: a link that is tampered with, made for another
//! purpose or expired gets a short page (404 or 410), never an error trace.
//! Invoice, tracking, survey, NPS and unsubscribe pages are served here;
//! the survey, NPS and unsubscribe pages also take a POST at the same
//! address (the surveys' answers; the unsubscribe button and RFC 8058
//! one-click).

use crate::state::AppState;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use domain::platform::links::{LinkError, LinkPurpose, LinkSigner, SignedLink};

/// The absolute address a customer email carries for `purpose` and `subject`.
pub fn url(state: &AppState, purpose: LinkPurpose, subject: uuid::Uuid) -> String {
    LinkSigner::new(&state.config.link_signing_key).url(
        &state.config.public_base_url,
        purpose,
        subject,
        state.clock.now(),
    )
}

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
            LinkPurpose::Invoice => invoice_page(&state, link.subject).await,
            LinkPurpose::Tracking => tracking_page(&state, link.subject).await,
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

/// A customer's copy of an invoice. The link names the invoice itself, so
/// it opens that one only; a failure shows a short page, never a trace.
async fn invoice_page(state: &AppState, id: uuid::Uuid) -> Response {
    let unavailable = || {
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "We could not show this invoice just now. Please try again shortly.",
        )
    };
    match domain::invoices::find(&state.db, id).await {
        Ok(Some(invoice)) => match crate::pages::invoice::render(&invoice) {
            Ok(html) => with_page_headers((StatusCode::OK, Html(html)).into_response()),
            Err(e) => {
                tracing::error!(error = %e, invoice_id = %id, "rendering the invoice page failed");
                unavailable()
            }
        },
        Ok(None) => page(
            StatusCode::NOT_FOUND,
            "Invoice not found",
            "We could not find this invoice. Please contact us.",
        ),
        Err(e) => {
            tracing::error!(error = %e, invoice_id = %id, "reading the invoice for its page failed");
            unavailable()
        }
    }
}

/// A package's public tracking page. The link names the package itself, so
/// it opens that one only; a package (or order) that no longer exists gets
/// the short "no longer valid" page, a failure a short page, never a trace.
async fn tracking_page(state: &AppState, id: uuid::Uuid) -> Response {
    let unavailable = || {
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "We could not show this package's tracking just now. Please try again shortly.",
        )
    };
    let loaded = async {
        let Some(shipment) = domain::fulfilment::find(&state.db, id).await? else {
            return Ok(None);
        };
        let Some(order) = domain::orders::find(&state.db, shipment.shipment.order_id).await? else {
            return Ok(None);
        };
        let settings = domain::settings::current(&state.db).await?;
        Ok::<_, sea_orm::DbErr>(Some((settings.legal_name, order.order.number, shipment)))
    };
    match loaded.await {
        Ok(Some((business_name, order_number, shipment))) => {
            match crate::pages::tracking::render(&business_name, &order_number, &shipment) {
                Ok(html) => with_page_headers((StatusCode::OK, Html(html)).into_response()),
                Err(e) => {
                    tracing::error!(error = %e, shipment_id = %id, "rendering the tracking page failed");
                    unavailable()
                }
            }
        }
        Ok(None) => page(
            StatusCode::NOT_FOUND,
            "Link no longer valid",
            "This link is no longer valid. Please contact us and we will help you track your order.",
        ),
        Err(e) => {
            tracing::error!(error = %e, shipment_id = %id, "reading the package for its tracking page failed");
            unavailable()
        }
    }
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
