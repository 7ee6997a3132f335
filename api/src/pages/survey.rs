//! The satisfaction survey the delivery feedback email links to: the signed
//! link names the order, so no login is needed. GET shows the order number
//! and a form (a rating from 1 to 5 and an optional comment); POST stores
//! the order's one answer, or shows the form again with what to fix. A
//! second answer is refused politely. Nothing runs in the browser.

use crate::links::with_page_headers;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::surveys::{self, Answered, MAX_COMMENT_LEN};
use domain::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub(super) const TEMPLATES: [(&str, &str); 1] =
    [("survey.html", include_str!("../../templates/survey.html"))];

/// Which of the page's faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The form (perhaps with what to fix).
    Form,
    /// Just answered.
    Thanks,
    /// Answered before.
    Already,
}

/// One choice of the rating.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: i32,
    pub label: &'static str,
    pub checked: bool,
}

/// What the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyView {
    pub stage: Stage,
    pub business_name: String,
    pub order_number: String,
    pub choices: Vec<Choice>,
    /// The comment as sent, when the form comes back.
    pub comment: String,
    pub max_comment: usize,
    pub rating_error: Option<String>,
    pub comment_error: Option<String>,
    /// The link's token (the form posts back to the same address).
    pub token: String,
}

const LABELS: [&str; 5] = ["Very poor", "Poor", "OK", "Good", "Excellent"];

impl SurveyView {
    pub fn new(stage: Stage, business_name: &str, order_number: &str, token: &str) -> Self {
        SurveyView {
            stage,
            business_name: business_name.to_owned(),
            order_number: order_number.to_owned(),
            choices: (1..=5)
                .zip(LABELS)
                .map(|(value, label)| Choice {
                    value,
                    label,
                    checked: false,
                })
                .collect(),
            comment: String::new(),
            max_comment: MAX_COMMENT_LEN,
            rating_error: None,
            comment_error: None,
            token: token.to_owned(),
        }
    }

    /// The form again with what was sent and why it was refused.
    fn refused(mut self, sent: &SurveyForm, rating: i32, errors: Vec<domain::FieldError>) -> Self {
        for choice in &mut self.choices {
            choice.checked = choice.value == rating;
        }
        self.comment = sent.comment.clone().unwrap_or_default();
        for e in errors {
            match e.field.first().map(String::as_str) {
                Some("comment") => self.comment_error = Some(super::sentence(&e.message)),
                _ => self.rating_error = Some(rating_message(e.code, &e.message)),
            }
        }
        self
    }
}

fn rating_message(code: ErrorCode, message: &str) -> String {
    match code {
        ErrorCode::OutOfRange => "Please choose a rating from 1 to 5.".to_owned(),
        _ => super::sentence(message),
    }
}

/// The page's HTML.
pub fn render(view: &SurveyView) -> Result<String, minijinja::Error> {
    super::render("survey.html", view)
}

/// What the form posts.
#[derive(Debug, Default, Deserialize)]
pub struct SurveyForm {
    pub rating: Option<String>,
    pub comment: Option<String>,
}

fn html(status: StatusCode, view: &SurveyView, order_id: Uuid) -> Response {
    match render(view) {
        Ok(html) => with_page_headers((status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, %order_id, "rendering the survey page failed");
            super::survey_unavailable()
        }
    }
}

/// The order's number and the business's name; `None` for an order that
/// no longer exists.
async fn about(
    state: &AppState,
    order_id: Uuid,
) -> Result<Option<(String, String)>, sea_orm::DbErr> {
    let Some(order) = domain::orders::find(&state.db, order_id).await? else {
        return Ok(None);
    };
    let settings = domain::settings::current(&state.db).await?;
    Ok(Some((order.order.number, settings.legal_name)))
}

/// GET: the form, or thanks when the order was answered before.
pub async fn show(state: &AppState, order_id: Uuid, token: &str) -> Response {
    let loaded = async {
        let Some(about) = about(state, order_id).await? else {
            return Ok(None);
        };
        let answered = surveys::of_order(&state.db, order_id).await?.is_some();
        Ok::<_, sea_orm::DbErr>(Some((about, answered)))
    };
    match loaded.await {
        Ok(Some(((number, business), answered))) => {
            let stage = if answered {
                Stage::Already
            } else {
                Stage::Form
            };
            html(
                StatusCode::OK,
                &SurveyView::new(stage, &business, &number, token),
                order_id,
            )
        }
        Ok(None) => super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %order_id, "reading an order for its survey page failed");
            super::survey_unavailable()
        }
    }
}

/// POST: store the answer (once per order) and thank; a bad rating or
/// comment shows the form again with what to fix (422).
pub async fn submit(state: &AppState, order_id: Uuid, token: &str, form: SurveyForm) -> Response {
    let (number, business) = match about(state, order_id).await {
        Ok(Some(about)) => about,
        Ok(None) => return super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %order_id, "reading an order for its survey answer failed");
            return super::survey_unavailable();
        }
    };
    // Anything but a whole number is no rating at all (refused like 0).
    let rating = form
        .rating
        .as_deref()
        .and_then(|r| r.trim().parse::<i32>().ok())
        .unwrap_or(0);
    let answered = surveys::answer(
        &state.db,
        order_id,
        rating,
        form.comment.as_deref(),
        state.clock.now(),
    )
    .await;
    let view = |stage| SurveyView::new(stage, &business, &number, token);
    match answered {
        Ok(Answered::Recorded(_)) => {
            state.broker.publish(order_id).await;
            html(StatusCode::OK, &view(Stage::Thanks), order_id)
        }
        Ok(Answered::AlreadyAnswered(_)) => html(StatusCode::OK, &view(Stage::Already), order_id),
        Err(DomainError::Rejected(errors))
            if errors.iter().all(|e| e.code != ErrorCode::NotFound) =>
        {
            let again = view(Stage::Form).refused(&form, rating, errors);
            html(StatusCode::UNPROCESSABLE_ENTITY, &again, order_id)
        }
        Err(DomainError::Rejected(_)) => super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %order_id, "storing a survey answer failed");
            super::survey_unavailable()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SurveyView {
        SurveyView::new(Stage::Form, "Harbour <Homewares>", "SO-000012", "tok-en_1")
    }

    #[test]
    fn the_form_names_the_order_and_offers_five_ratings_and_a_comment() {
        let page = render(&form()).unwrap();
        assert!(page.contains("SO-000012"));
        assert!(page.contains("Harbour &lt;Homewares&gt;"));
        for value in 1..=5 {
            assert!(page.contains(&format!(r#"name="rating" value="{value}""#)));
        }
        assert!(page.contains(r#"maxlength="2000""#));
        assert!(page.contains(r#"action="/links/survey/tok-en_1""#));
        assert!(!page.contains("<script"));
    }

    #[test]
    fn a_refused_answer_comes_back_with_what_to_fix_and_what_was_sent() {
        let sent = SurveyForm {
            rating: Some("9".into()),
            comment: Some("Fast <delivery>".into()),
        };
        let errors = vec![domain::FieldError::new(
            &["rating"],
            ErrorCode::OutOfRange,
            "choose a rating from 1 to 5",
        )];
        let page = render(&form().refused(&sent, 9, errors)).unwrap();
        assert!(page.contains("Please choose a rating from 1 to 5."));
        assert!(page.contains("Fast &lt;delivery&gt;"));
        assert!(page.contains(r#"role="alert""#));
    }

    #[test]
    fn thanks_and_already_answered_show_no_form() {
        let thanks = render(&SurveyView::new(Stage::Thanks, "H", "SO-000012", "t")).unwrap();
        assert!(thanks.contains("Thank you"));
        assert!(!thanks.contains("<form"));
        let already = render(&SurveyView::new(Stage::Already, "H", "SO-000012", "t")).unwrap();
        assert!(already.contains("already answered"));
        assert!(!already.contains("<form"));
    }
}
