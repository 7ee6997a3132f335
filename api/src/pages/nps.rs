//! The NPS survey the engagement-closed email links to: the signed link
//! names the engagement, so no login is needed. GET shows the engagement's
//! number and name and a form (a score from 0 to 10 and an optional
//! comment); POST stores the engagement's one answer, or shows the form
//! again with what to fix. A second answer is refused politely and the
//! first kept. Nothing runs in the browser.

use crate::links::with_page_headers;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::engagements::nps::{self, Answered, MAX_COMMENT_LEN, SCORES};
use domain::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub(super) const TEMPLATES: [(&str, &str); 1] =
    [("nps.html", include_str!("../../templates/nps.html"))];

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

/// One choice of the score.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: i32,
    pub checked: bool,
}

/// What the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct NpsView {
    pub stage: Stage,
    pub business_name: String,
    pub engagement_number: String,
    pub engagement_name: String,
    pub choices: Vec<Choice>,
    /// The comment as sent, when the form comes back.
    pub comment: String,
    pub max_comment: usize,
    pub score_error: Option<String>,
    pub comment_error: Option<String>,
    /// The link's token (the form posts back to the same address).
    pub token: String,
}

/// What the page names: the business and the engagement.
#[derive(Debug, Clone)]
pub struct About {
    pub business_name: String,
    pub number: String,
    pub name: String,
}

impl NpsView {
    pub fn new(stage: Stage, about: &About, token: &str) -> Self {
        NpsView {
            stage,
            business_name: about.business_name.clone(),
            engagement_number: about.number.clone(),
            engagement_name: about.name.clone(),
            choices: SCORES
                .map(|value| Choice {
                    value,
                    checked: false,
                })
                .collect(),
            comment: String::new(),
            max_comment: MAX_COMMENT_LEN,
            score_error: None,
            comment_error: None,
            token: token.to_owned(),
        }
    }

    /// The form again with what was sent and why it was refused.
    fn refused(
        mut self,
        sent: &NpsForm,
        score: Option<i32>,
        errors: Vec<domain::FieldError>,
    ) -> Self {
        for choice in &mut self.choices {
            choice.checked = Some(choice.value) == score;
        }
        self.comment = sent.comment.clone().unwrap_or_default();
        for e in errors {
            match e.field.first().map(String::as_str) {
                Some("comment") => self.comment_error = Some(super::sentence(&e.message)),
                _ => self.score_error = Some(score_message(e.code, &e.message)),
            }
        }
        self
    }
}

fn score_message(code: ErrorCode, message: &str) -> String {
    match code {
        ErrorCode::OutOfRange => "Please choose a score from 0 to 10.".to_owned(),
        _ => super::sentence(message),
    }
}

/// The page's HTML.
pub fn render(view: &NpsView) -> Result<String, minijinja::Error> {
    super::render("nps.html", view)
}

/// What the form posts.
#[derive(Debug, Default, Deserialize)]
pub struct NpsForm {
    pub score: Option<String>,
    pub comment: Option<String>,
}

fn html(status: StatusCode, view: &NpsView, engagement_id: Uuid) -> Response {
    match render(view) {
        Ok(html) => with_page_headers((status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, %engagement_id, "rendering the NPS page failed");
            super::survey_unavailable()
        }
    }
}

/// The engagement's number and name and the business's name; `None` for
/// an engagement that no longer exists.
async fn about(state: &AppState, engagement_id: Uuid) -> Result<Option<About>, sea_orm::DbErr> {
    let Some(found) = domain::engagements::find(&state.db, engagement_id).await? else {
        return Ok(None);
    };
    let settings = domain::settings::current(&state.db).await?;
    Ok(Some(About {
        business_name: settings.legal_name,
        number: found.engagement.number,
        name: found.engagement.name,
    }))
}

/// GET: the form, or thanks when the engagement was answered before.
pub async fn show(state: &AppState, engagement_id: Uuid, token: &str) -> Response {
    let loaded = async {
        let Some(about) = about(state, engagement_id).await? else {
            return Ok(None);
        };
        let answered = nps::of_engagement(&state.db, engagement_id)
            .await?
            .is_some();
        Ok::<_, sea_orm::DbErr>(Some((about, answered)))
    };
    match loaded.await {
        Ok(Some((about, answered))) => {
            let stage = if answered {
                Stage::Already
            } else {
                Stage::Form
            };
            html(
                StatusCode::OK,
                &NpsView::new(stage, &about, token),
                engagement_id,
            )
        }
        Ok(None) => super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %engagement_id, "reading an engagement for its NPS page failed");
            super::survey_unavailable()
        }
    }
}

/// POST: store the answer (once per engagement) and thank; a bad score or
/// comment shows the form again with what to fix (422).
pub async fn submit(state: &AppState, engagement_id: Uuid, token: &str, form: NpsForm) -> Response {
    let about = match about(state, engagement_id).await {
        Ok(Some(about)) => about,
        Ok(None) => return super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %engagement_id, "reading an engagement for its NPS answer failed");
            return super::survey_unavailable();
        }
    };
    // Anything but a whole number is no score at all (refused like 11).
    let sent = form
        .score
        .as_deref()
        .and_then(|s| s.trim().parse::<i32>().ok());
    let answered = nps::answer(
        &state.db,
        engagement_id,
        sent.unwrap_or(-1),
        form.comment.as_deref(),
        state.clock.now(),
    )
    .await;
    let view = |stage| NpsView::new(stage, &about, token);
    match answered {
        Ok(Answered::Recorded(_)) => {
            state.broker.publish(engagement_id).await;
            html(StatusCode::OK, &view(Stage::Thanks), engagement_id)
        }
        Ok(Answered::AlreadyAnswered(_)) => {
            html(StatusCode::OK, &view(Stage::Already), engagement_id)
        }
        Err(DomainError::Rejected(errors))
            if errors
                .iter()
                .all(|e| e.field.first().map(String::as_str) != Some("engagementId")) =>
        {
            let again = view(Stage::Form).refused(&form, sent, errors);
            html(StatusCode::UNPROCESSABLE_ENTITY, &again, engagement_id)
        }
        Err(DomainError::Rejected(_)) => super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %engagement_id, "storing an NPS answer failed");
            super::survey_unavailable()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about() -> About {
        About {
            business_name: "Harbour <Automation>".into(),
            number: "ENG-000012".into(),
            name: "Ordering & <dispatch>".into(),
        }
    }

    #[test]
    fn the_form_names_the_engagement_and_offers_eleven_scores_and_a_comment() {
        let page = render(&NpsView::new(Stage::Form, &about(), "tok-en_1")).unwrap();
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
        let view = NpsView::new(Stage::Form, &about(), "t").refused(&sent, Some(12), errors);
        let page = render(&view).unwrap();
        assert!(page.contains("Please choose a score from 0 to 10."));
        assert!(page.contains("The comment holds characters that cannot be stored."));
        assert!(page.contains("Quick &lt;setup&gt;"));
        assert!(page.contains(r#"role="alert""#));
        assert!(!page.contains(" checked"), "no score was valid to keep");
        let kept = NpsView::new(Stage::Form, &about(), "t").refused(&sent, Some(7), vec![]);
        assert!(
            render(&kept)
                .unwrap()
                .contains(r#"value="7" id="score-7" checked"#)
        );
    }

    #[test]
    fn thanks_and_already_answered_show_no_form() {
        let thanks = render(&NpsView::new(Stage::Thanks, &about(), "t")).unwrap();
        assert!(thanks.contains("Thank you"));
        assert!(!thanks.contains("<form"));
        let already = render(&NpsView::new(Stage::Already, &about(), "t")).unwrap();
        assert!(already.contains("already answered"));
        assert!(!already.contains("<form"));
    }
}
