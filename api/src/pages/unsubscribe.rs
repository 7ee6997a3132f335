//! The unsubscribe page a commercial email links to (Spam Act): the signed
//! link names the consent, so no login is needed. GET says who and what,
//! with one button; POST (that button, or a mail client's RFC 8058
//! one-click POST of `List-Unsubscribe=One-Click` to the same address)
//! withdraws the consent at once and confirms it. Links stay valid for a
//! year; unsubscribing twice is harmless.

use super::shell::{page, with_page_headers};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::rules::calendar::local_moment;
use entity::{ConsentPurpose, ConsentStatus, consent};
use serde::Serialize;
use uuid::Uuid;

pub(super) const TEMPLATES: [(&str, &str); 1] = [(
    "unsubscribe.html",
    include_str!("../../templates/unsubscribe.html"),
)];

/// How the withdrawal is recorded when a mail client posts RFC 8058's body.
pub const HOW_ONE_CLICK: &str = "one-click unsubscribe (email header)";
/// How the withdrawal is recorded when the page's button is pressed.
pub const HOW_PAGE: &str = "unsubscribe link in email";

/// Which of the page's three faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Asks to confirm with the button.
    Confirm,
    /// Just unsubscribed.
    Done,
    /// Was unsubscribed before.
    Already,
}

/// What the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct UnsubscribeView {
    pub stage: Stage,
    pub business_name: String,
    /// What the customer stops receiving, e.g. "offers and discounts".
    pub what: &'static str,
    /// The same, as a title: "Offers and discounts".
    pub title: &'static str,
    /// Where the emails go (shown so the reader knows which address).
    pub email: Option<String>,
    /// When it was withdrawn (Sydney time), once it is.
    pub withdrawn_at: Option<String>,
    /// The link's token (the form posts back to the same address).
    pub token: String,
}

/// What a purpose's emails are, in words (lower case, then as a title).
pub fn purpose_words(purpose: ConsentPurpose) -> (&'static str, &'static str) {
    match purpose {
        ConsentPurpose::Offers => ("offers and discounts", "Offers and discounts"),
        ConsentPurpose::ReviewRequests => (
            "requests to review your purchases",
            "Requests to review your purchases",
        ),
        ConsentPurpose::Renewals => (
            "renewal and extension offers for what you bought",
            "Renewal and extension offers",
        ),
    }
}

/// The page's view of `consent` at `stage`.
pub fn view(
    stage: Stage,
    consent: &consent::Model,
    business_name: &str,
    email: Option<String>,
    token: &str,
) -> UnsubscribeView {
    let (what, title) = purpose_words(consent.purpose);
    UnsubscribeView {
        stage,
        business_name: business_name.to_owned(),
        what,
        title,
        email,
        withdrawn_at: consent.withdrawn_at.map(local_moment),
        token: token.to_owned(),
    }
}

/// The page's HTML.
pub fn render(view: &UnsubscribeView) -> Result<String, minijinja::Error> {
    super::render("unsubscribe.html", view)
}

/// Is this body RFC 8058's one-click POST (`List-Unsubscribe=One-Click`,
/// form-encoded or multipart)?
pub fn is_one_click(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .any(|pair| pair.trim() == "List-Unsubscribe=One-Click")
        || (text.contains("name=\"List-Unsubscribe\"") && text.contains("One-Click"))
}

fn unavailable() -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "We could not change your email preferences just now. Please try again shortly.",
    )
}

fn no_longer_valid() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Link no longer valid",
        "This link is no longer valid. Please contact us and we will stop these emails for you.",
    )
}

/// Who the consent belongs to (their email) and the business's name.
async fn about(
    state: &AppState,
    consent: &consent::Model,
) -> Result<(Option<String>, String), sea_orm::DbErr> {
    let customer = domain::customers::find(&state.db, consent.customer_id).await?;
    let settings = domain::settings::current(&state.db).await?;
    Ok((customer.and_then(|c| c.email), settings.legal_name))
}

fn respond(
    stage: Stage,
    consent: &consent::Model,
    about: (Option<String>, String),
    token: &str,
) -> Response {
    let (email, business_name) = about;
    match render(&view(stage, consent, &business_name, email, token)) {
        Ok(html) => with_page_headers((StatusCode::OK, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, consent_id = %consent.id, "rendering the unsubscribe page failed");
            unavailable()
        }
    }
}

/// GET: who and what, with the button (or that it is done already).
pub async fn show(state: &AppState, consent_id: Uuid, token: &str) -> Response {
    let loaded = async {
        let Some(consent) = domain::consent::find(&state.db, consent_id).await? else {
            return Ok(None);
        };
        let about = about(state, &consent).await?;
        Ok::<_, sea_orm::DbErr>(Some((consent, about)))
    };
    match loaded.await {
        Ok(Some((consent, about))) => {
            let stage = match consent.status {
                ConsentStatus::Given => Stage::Confirm,
                ConsentStatus::Withdrawn => Stage::Already,
            };
            respond(stage, &consent, about, token)
        }
        Ok(None) => no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %consent_id, "reading a consent for its unsubscribe page failed");
            unavailable()
        }
    }
}

/// POST: withdraw at once (the page's button or a one-click POST) and
/// confirm.
pub async fn confirm(state: &AppState, consent_id: Uuid, token: &str, body: &[u8]) -> Response {
    let how = if is_one_click(body) {
        HOW_ONE_CLICK
    } else {
        HOW_PAGE
    };
    let withdrawn =
        domain::consent::unsubscribe(&state.db, state.clock.now(), consent_id, how).await;
    let consent = match withdrawn {
        Ok(Some(committed)) => {
            for id in &committed.touched {
                state.broker.publish(*id).await;
            }
            committed.value
        }
        Ok(None) => return no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %consent_id, "unsubscribing failed");
            return unavailable();
        }
    };
    match about(state, &consent).await {
        Ok(about) => respond(Stage::Done, &consent, about, token),
        Err(e) => {
            // Withdrawn all the same; only the confirmation's details are missing.
            tracing::error!(error = %e, %consent_id, "reading the unsubscribe confirmation's details failed");
            page(
                StatusCode::OK,
                "You are unsubscribed",
                "You will no longer receive these emails from us.",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::utc;
    use super::*;

    fn consent(purpose: ConsentPurpose, withdrawn: bool) -> consent::Model {
        let at = utc("2026-11-20T01:00:00Z");
        consent::Model {
            id: Uuid::from_u128(7),
            customer_id: Uuid::from_u128(8),
            purpose,
            status: if withdrawn {
                ConsentStatus::Withdrawn
            } else {
                ConsentStatus::Given
            },
            given_at: at,
            given_how: "checkout checkbox".into(),
            given_by: "test".into(),
            withdrawn_at: withdrawn.then(|| utc("2026-12-03T22:00:00Z")),
            withdrawn_how: withdrawn.then(|| HOW_PAGE.to_owned()),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn html(stage: Stage, purpose: ConsentPurpose, withdrawn: bool) -> String {
        render(&view(
            stage,
            &consent(purpose, withdrawn),
            "Harbour <Homewares>",
            Some("tom@example.com.au".into()),
            "tok-en_1",
        ))
        .unwrap()
    }

    #[test]
    fn the_page_says_who_and_what_and_posts_back_to_itself() {
        let page = html(Stage::Confirm, ConsentPurpose::Offers, false);
        assert!(page.contains(
            "You will no longer receive offers and discounts from Harbour &lt;Homewares&gt;"
        ));
        assert!(page.contains("tom@example.com.au"));
        assert!(page.contains(r#"method="post""#));
        assert!(page.contains("action=\"/links/unsubscribe/tok-en_1\""));
        assert!(!page.contains("<script"));
    }

    #[test]
    fn done_and_already_confirm_without_a_button() {
        let done = html(Stage::Done, ConsentPurpose::ReviewRequests, true);
        assert!(done.contains("You are unsubscribed"));
        assert!(done.contains("requests to review your purchases"));
        // 22:00 UTC on 3 December is 9 am on the 4th in Sydney.
        assert!(done.contains("Friday 4 December 2026 at 9:00 am AEDT"));
        assert!(!done.contains("<form"));
        let already = html(Stage::Already, ConsentPurpose::Offers, true);
        assert!(already.contains("already unsubscribed"));
        assert!(!already.contains("<form"));
    }

    #[test]
    fn the_one_click_body_is_recognised() {
        assert!(is_one_click(b"List-Unsubscribe=One-Click"));
        assert!(is_one_click(
            b"--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--x--"
        ));
        assert!(!is_one_click(b""));
        assert!(!is_one_click(b"confirm=1"));
    }
}
