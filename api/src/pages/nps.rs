//! The NPS survey the engagement-closed email links to: the signed link
//! names the engagement, so no login is needed. GET shows the engagement's
//! number and name and a form (a score from 0 to 10 and an optional
//! comment); POST stores the engagement's one answer, or shows the form
//! again with what to fix. A second answer is refused politely and the
//! first kept. Nothing runs in the browser.

use super::feedback::{self, Choice, Subject, View};
use crate::state::AppState;
use axum::response::Response;
use domain::engagements::nps::{self, SCORES};
use domain::surveys::Answered;
use domain::{DomainError, FieldError};
use entity::nps_response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::feedback::Stage;

pub(super) const TEMPLATES: [(&str, &str); 1] =
    [("nps.html", include_str!("../../templates/nps.html"))];

/// What the page names besides the business: the engagement.
#[derive(Debug, Clone, Serialize)]
pub struct Engagement {
    pub engagement_number: String,
    pub engagement_name: String,
}

/// What the page shows.
pub type NpsView = View<Engagement>;

impl Subject for Engagement {
    type Answer = nps_response::Model;
    const TEMPLATE: &'static str = "nps.html";
    const PAGE: &'static str = "NPS";
    const SUBJECT: &'static str = "an engagement";
    const ANSWER: &'static str = "an NPS answer";
    const OUT_OF_RANGE: &'static str = "Please choose a score from 0 to 10.";

    fn choices() -> Vec<Choice> {
        SCORES
            .map(|value| Choice {
                value,
                label: None,
                checked: false,
            })
            .collect()
    }

    async fn find(
        state: &AppState,
        engagement_id: Uuid,
    ) -> Result<Option<(String, Self)>, sea_orm::DbErr> {
        let Some(found) = domain::engagements::find(&state.db, engagement_id).await? else {
            return Ok(None);
        };
        let settings = domain::settings::current(&state.db).await?;
        let engagement = Engagement {
            engagement_number: found.engagement.number,
            engagement_name: found.engagement.name,
        };
        Ok(Some((settings.legal_name, engagement)))
    }

    async fn answered(state: &AppState, engagement_id: Uuid) -> Result<bool, sea_orm::DbErr> {
        Ok(nps::of_engagement(&state.db, engagement_id)
            .await?
            .is_some())
    }

    async fn answer(
        state: &AppState,
        engagement_id: Uuid,
        score: Option<i32>,
        comment: Option<&str>,
    ) -> Result<Answered<nps_response::Model>, DomainError> {
        // Anything but a whole number is no score at all (refused like 11).
        let score = score.unwrap_or(-1);
        nps::answer(&state.db, engagement_id, score, comment, state.clock.now()).await
    }

    fn gone(error: &FieldError) -> bool {
        error.field.first().map(String::as_str) == Some("engagementId")
    }
}

/// The page's HTML.
pub fn render(view: &NpsView) -> Result<String, minijinja::Error> {
    feedback::render(view)
}

/// What the form posts.
#[derive(Debug, Default, Deserialize)]
pub struct NpsForm {
    pub score: Option<String>,
    pub comment: Option<String>,
}

/// GET: the form, or thanks when the engagement was answered before.
pub async fn show(state: &AppState, engagement_id: Uuid, token: &str) -> Response {
    feedback::show::<Engagement>(state, engagement_id, token).await
}

/// POST: store the answer (once per engagement) and thank; a bad score or
/// comment shows the form again with what to fix (422).
pub async fn submit(state: &AppState, engagement_id: Uuid, token: &str, form: NpsForm) -> Response {
    let (score, comment) = (form.score.as_deref(), form.comment.as_deref());
    feedback::submit::<Engagement>(state, engagement_id, token, score, comment).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ErrorCode;

    fn view(stage: Stage, token: &str) -> NpsView {
        let engagement = Engagement {
            engagement_number: "ENG-000012".into(),
            engagement_name: "Ordering & <dispatch>".into(),
        };
        NpsView::new(stage, "Harbour <Automation>", engagement, token)
    }

    #[test]
    fn the_form_names_the_engagement_and_offers_eleven_scores_and_a_comment() {
        let page = render(&view(Stage::Form, "tok-en_1")).unwrap();
        assert!(page.contains("ENG-000012"));
        assert!(page.contains("Ordering &amp; &lt;dispatch&gt;"));
        assert!(page.contains("Harbour &lt;Automation&gt;"));
        for value in 0..=10 {
            assert!(page.contains(&format!(r#"name="score" value="{value}""#)));
        }
        assert!(!page.contains(r#"value="11""#));
        assert!(page.contains("Not at all likely"));
        assert!(page.contains("Extremely likely"));
        assert!(page.contains(r#"maxlength="2000""#));
        assert!(page.contains(r#"action="/links/nps/tok-en_1""#));
        assert!(!page.contains("<script"));
    }

    #[test]
    fn a_refused_answer_comes_back_with_what_to_fix_and_what_was_sent() {
        let sent = NpsForm {
            score: Some("12".into()),
            comment: Some("Quick <setup>".into()),
        };
        let errors = vec![
            domain::FieldError::new(
                &["score"],
                ErrorCode::OutOfRange,
                "choose a score from 0 to 10",
            ),
            domain::FieldError::new(
                &["comment"],
                ErrorCode::InvalidText,
                "the comment holds characters that cannot be stored",
            ),
        ];
        let again = view(Stage::Form, "t").refused(Some(12), sent.comment.as_deref(), errors);
        let page = render(&again).unwrap();
        assert!(page.contains("Please choose a score from 0 to 10."));
        assert!(page.contains("The comment holds characters that cannot be stored."));
        assert!(page.contains("Quick &lt;setup&gt;"));
        assert!(page.contains(r#"role="alert""#));
        assert!(!page.contains(" checked"), "no score was valid to keep");
        let kept = view(Stage::Form, "t").refused(Some(7), sent.comment.as_deref(), vec![]);
        assert!(
            render(&kept)
                .unwrap()
                .contains(r#"value="7" id="score-7" checked"#)
        );
    }

    #[test]
    fn thanks_and_already_answered_show_no_form() {
        let thanks = render(&view(Stage::Thanks, "t")).unwrap();
        assert!(thanks.contains("Thank you"));
        assert!(!thanks.contains("<form"));
        let already = render(&view(Stage::Already, "t")).unwrap();
        assert!(already.contains("already answered"));
        assert!(!already.contains("<form"));
    }
}
