//! The satisfaction survey the delivery feedback email links to: the signed
//! link names the order, so no login is needed. GET shows the order number
//! and a form (a rating from 1 to 5 and an optional comment); POST stores
//! the order's one answer, or shows the form again with what to fix. A
//! second answer is refused politely. Nothing runs in the browser.

use super::feedback::{self, Choice, Subject, View};
use crate::state::AppState;
use axum::response::Response;
use domain::surveys::{self, Answered};
use domain::{DomainError, ErrorCode, FieldError};
use entity::survey_response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::feedback::Stage;

pub(super) const TEMPLATES: [(&str, &str); 1] =
    [("survey.html", include_str!("../../templates/survey.html"))];

/// What the page names besides the business: the order.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub order_number: String,
}

/// What the page shows.
pub type SurveyView = View<Order>;

const LABELS: [&str; 5] = ["Very poor", "Poor", "OK", "Good", "Excellent"];

impl Subject for Order {
    type Answer = survey_response::Model;
    const TEMPLATE: &'static str = "survey.html";
    const PAGE: &'static str = "survey";
    const SUBJECT: &'static str = "an order";
    const ANSWER: &'static str = "a survey answer";
    const OUT_OF_RANGE: &'static str = "Please choose a rating from 1 to 5.";

    fn choices() -> Vec<Choice> {
        (1..=5)
            .zip(LABELS)
            .map(|(value, label)| Choice {
                value,
                label: Some(label),
                checked: false,
            })
            .collect()
    }

    async fn find(
        state: &AppState,
        order_id: Uuid,
    ) -> Result<Option<(String, Self)>, sea_orm::DbErr> {
        let Some(order) = domain::orders::find(&state.db, order_id).await? else {
            return Ok(None);
        };
        let settings = domain::settings::current(&state.db).await?;
        let order_number = order.order.number;
        Ok(Some((settings.legal_name, Order { order_number })))
    }

    async fn answered(state: &AppState, order_id: Uuid) -> Result<bool, sea_orm::DbErr> {
        Ok(surveys::of_order(&state.db, order_id).await?.is_some())
    }

    async fn answer(
        state: &AppState,
        order_id: Uuid,
        rating: Option<i32>,
        comment: Option<&str>,
    ) -> Result<Answered, DomainError> {
        // Anything but a whole number is no rating at all (refused like 0).
        let rating = rating.unwrap_or(0);
        surveys::answer(&state.db, order_id, rating, comment, state.clock.now()).await
    }

    fn gone(error: &FieldError) -> bool {
        error.code == ErrorCode::NotFound
    }
}

/// The page's HTML.
pub fn render(view: &SurveyView) -> Result<String, minijinja::Error> {
    feedback::render(view)
}

/// What the form posts.
#[derive(Debug, Default, Deserialize)]
pub struct SurveyForm {
    pub rating: Option<String>,
    pub comment: Option<String>,
}

/// GET: the form, or thanks when the order was answered before.
pub async fn show(state: &AppState, order_id: Uuid, token: &str) -> Response {
    feedback::show::<Order>(state, order_id, token).await
}

/// POST: store the answer (once per order) and thank; a bad rating or
/// comment shows the form again with what to fix (422).
pub async fn submit(state: &AppState, order_id: Uuid, token: &str, form: SurveyForm) -> Response {
    let (rating, comment) = (form.rating.as_deref(), form.comment.as_deref());
    feedback::submit::<Order>(state, order_id, token, rating, comment).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> Order {
        Order {
            order_number: "SO-000012".into(),
        }
    }

    fn form() -> SurveyView {
        SurveyView::new(Stage::Form, "Harbour <Homewares>", order(), "tok-en_1")
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
        let page = render(&form().refused(Some(9), sent.comment.as_deref(), errors)).unwrap();
        assert!(page.contains("Please choose a rating from 1 to 5."));
        assert!(page.contains("Fast &lt;delivery&gt;"));
        assert!(page.contains(r#"role="alert""#));
    }

    #[test]
    fn thanks_and_already_answered_show_no_form() {
        let thanks = render(&SurveyView::new(Stage::Thanks, "H", order(), "t")).unwrap();
        assert!(thanks.contains("Thank you"));
        assert!(!thanks.contains("<form"));
        let already = render(&SurveyView::new(Stage::Already, "H", order(), "t")).unwrap();
        assert!(already.contains("already answered"));
        assert!(!already.contains("<form"));
    }
}
