//! The simulated PayPal-style provider's approval page: where a wallet
//! payment's payer is sent (the payment's `redirectUrl`), approves or
//! cancels, and is sent back. A real provider serves this page itself; the
//! simulated one lives here so the whole redirect runs on this machine.

use super::shell::{open, page, with_page_headers};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::Ctx;
use domain::platform::links::LinkPurpose;
use domain::rules::money::Money;
use entity::PaymentStatus;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page: what is asked and two buttons.
pub async fn approval_page(state: &AppState, payment_id: uuid::Uuid, token: &str) -> Response {
    let payment = match domain::payments::find(&state.db, payment_id).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return page(
                StatusCode::NOT_FOUND,
                "Payment not found",
                "There is no such payment.",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, %payment_id, "reading a payment for its approval page failed");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Please try again shortly.",
            );
        }
    };
    if payment.status != PaymentStatus::AwaitingPayer {
        return page(
            StatusCode::OK,
            "Nothing to approve",
            "This payment has already been answered.",
        );
    }
    let amount = escape(&format!(
        "{} AUD",
        Money::from_cents(payment.amount_cents).dollars()
    ));
    let token = escape(token);
    let body = format!(
        r#"<!doctype html>
<html lang="en-AU"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Approve your payment</title>
<style>body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1.5rem;color:#1f2933;line-height:1.5}}h1{{font-size:1.4rem}}.amount{{font-size:2rem;font-weight:700;margin:.5rem 0 1.5rem}}form{{display:inline-block;margin-right:.75rem}}button{{font:inherit;border:0;border-radius:4px;padding:.6rem 1.2rem;cursor:pointer}}.approve{{background:#1f4e79;color:#fff}}.cancel{{background:#e4e7eb;color:#1f2933}}p.note{{color:#52606d;font-size:.9rem}}</style>
</head><body><main>
<h1>Approve your payment</h1>
<div class="amount">{amount}</div>
<form method="post" action="/links/payer-approval/{token}/approve"><button class="approve" type="submit">Approve and pay</button></form>
<form method="post" action="/links/payer-approval/{token}/cancel"><button class="cancel" type="submit">Cancel</button></form>
<p class="note">Simulated wallet provider: approving charges your wallet account once.</p>
</main></body></html>
"#
    );
    with_page_headers((StatusCode::OK, Html(body)).into_response())
}

/// The payer's answer: approve or cancel; a short page says what happens next.
pub async fn answer(
    State(state): State<AppState>,
    Path((token, answer)): Path<(String, String)>,
) -> Response {
    let link = match open(&state, LinkPurpose::PayerApproval, &token) {
        Ok(link) => link,
        Err(refusal) => return refusal.into_response(),
    };
    let approved = match answer.as_str() {
        "approve" => true,
        "cancel" => false,
        _ => {
            return page(
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is no page at this address.",
            );
        }
    };
    let ctx = Ctx::system(state.clock.clone());
    match domain::payments::payer_answered(&state.db, &ctx, link.subject, approved).await {
        Ok(committed) => {
            for id in &committed.touched {
                state.broker.publish(*id).await;
            }
            if approved {
                page(
                    StatusCode::OK,
                    "Payment approved",
                    "Thank you. Your payment is being taken; your receipt follows by email.",
                )
            } else {
                page(
                    StatusCode::OK,
                    "Payment cancelled",
                    "Nothing was charged. You can choose another way to pay.",
                )
            }
        }
        Err(e) => {
            tracing::error!(error = %e, payment_id = %link.subject, "recording the payer's answer failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Please try again shortly.",
            )
        }
    }
}
