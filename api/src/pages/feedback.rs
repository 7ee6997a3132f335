//! What the order survey and the engagement NPS pages share: a form that
//! takes one answer per subject (a point on a scale and an optional
//! comment), its three faces, and the GET / POST flow around the domain's
//! one stored answer. Each page says what its subject is ([`Subject`]).

use super::shell::with_page_headers;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::surveys::Answered;
use domain::{DomainError, ErrorCode, FieldError};
use serde::Serialize;
use std::future::Future;
use uuid::Uuid;

/// What both pages' forms share (each page includes them): the style
/// rules, and the comment box with the send button.
pub(super) const TEMPLATES: [(&str, &str); 2] = [
    (
        "feedback_style.html",
        include_str!("../../templates/feedback_style.html"),
    ),
    (
        "feedback_comment.html",
        include_str!("../../templates/feedback_comment.html"),
    ),
];

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

/// One choice of the scale.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: i32,
    /// The point's name, on scales that name their points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<&'static str>,
    pub checked: bool,
}

/// What a feedback page is about: the subject one answer is stored for.
pub trait Subject: Serialize + Sized + Send + Sync {
    /// The stored answer.
    type Answer: Send;
    /// The page's template.
    const TEMPLATE: &'static str;
    /// For logs: the page ("survey"), its subject ("an order") and one
    /// answer ("a survey answer").
    const PAGE: &'static str;
    const SUBJECT: &'static str;
    const ANSWER: &'static str;
    /// What to say when the choice is off the scale.
    const OUT_OF_RANGE: &'static str;

    /// The scale, nothing chosen.
    fn choices() -> Vec<Choice>;

    /// The business's name and the subject; `None` for a subject that no
    /// longer exists.
    fn find(
        state: &AppState,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<(String, Self)>, sea_orm::DbErr>> + Send;

    /// Whether the subject was answered before.
    fn answered(
        state: &AppState,
        id: Uuid,
    ) -> impl Future<Output = Result<bool, sea_orm::DbErr>> + Send;

    /// Store the answer (`choice` is `None` when what was sent is not a
    /// whole number).
    fn answer(
        state: &AppState,
        id: Uuid,
        choice: Option<i32>,
        comment: Option<&str>,
    ) -> impl Future<Output = Result<Answered<Self::Answer>, DomainError>> + Send;

    /// Whether a refusal says the subject is gone (not bad input).
    fn gone(error: &FieldError) -> bool;
}

/// What the page shows: the business, the subject (its fields flattened
/// in), the form and what to fix.
#[derive(Debug, Clone, Serialize)]
pub struct View<S> {
    pub stage: Stage,
    pub business_name: String,
    #[serde(flatten)]
    pub subject: S,
    pub choices: Vec<Choice>,
    /// The comment as sent, when the form comes back.
    pub comment: String,
    pub max_comment: usize,
    pub choice_error: Option<String>,
    pub comment_error: Option<String>,
    /// The link's token (the form posts back to the same address).
    pub token: String,
}

impl<S: Subject> View<S> {
    pub fn new(stage: Stage, business_name: &str, subject: S, token: &str) -> Self {
        View {
            stage,
            business_name: business_name.to_owned(),
            subject,
            choices: S::choices(),
            comment: String::new(),
            max_comment: domain::surveys::MAX_COMMENT_LEN,
            choice_error: None,
            comment_error: None,
            token: token.to_owned(),
        }
    }

    /// The form again with what was sent and why it was refused.
    pub fn refused(
        mut self,
        choice: Option<i32>,
        comment: Option<&str>,
        errors: Vec<FieldError>,
    ) -> Self {
        for c in &mut self.choices {
            c.checked = Some(c.value) == choice;
        }
        self.comment = comment.unwrap_or_default().to_owned();
        for e in errors {
            match e.field.first().map(String::as_str) {
                Some("comment") => self.comment_error = Some(super::sentence(&e.message)),
                _ => self.choice_error = Some(choice_message::<S>(e.code, &e.message)),
            }
        }
        self
    }
}

fn choice_message<S: Subject>(code: ErrorCode, message: &str) -> String {
    match code {
        ErrorCode::OutOfRange => S::OUT_OF_RANGE.to_owned(),
        _ => super::sentence(message),
    }
}

/// The page's HTML.
pub fn render<S: Subject>(view: &View<S>) -> Result<String, minijinja::Error> {
    super::render(S::TEMPLATE, view)
}

fn html<S: Subject>(status: StatusCode, view: &View<S>, subject_id: Uuid) -> Response {
    match render(view) {
        Ok(html) => with_page_headers((status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, %subject_id, "rendering the {} page failed", S::PAGE);
            super::survey_unavailable()
        }
    }
}

/// GET: the form, or thanks when the subject was answered before.
pub async fn show<S: Subject>(state: &AppState, subject_id: Uuid, token: &str) -> Response {
    let loaded = async {
        let Some(found) = S::find(state, subject_id).await? else {
            return Ok(None);
        };
        let answered = S::answered(state, subject_id).await?;
        Ok::<_, sea_orm::DbErr>(Some((found, answered)))
    };
    match loaded.await {
        Ok(Some(((business, subject), answered))) => {
            let stage = if answered {
                Stage::Already
            } else {
                Stage::Form
            };
            let view = View::new(stage, &business, subject, token);
            html(StatusCode::OK, &view, subject_id)
        }
        Ok(None) => super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %subject_id, "reading {} for its {} page failed", S::SUBJECT, S::PAGE);
            super::survey_unavailable()
        }
    }
}

/// POST: store the answer (once per subject) and thank; a bad choice or
/// comment shows the form again with what to fix (422).
pub async fn submit<S: Subject>(
    state: &AppState,
    subject_id: Uuid,
    token: &str,
    choice: Option<&str>,
    comment: Option<&str>,
) -> Response {
    let (business, subject) = match S::find(state, subject_id).await {
        Ok(Some(found)) => found,
        Ok(None) => return super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %subject_id, "reading {} for its {} answer failed", S::SUBJECT, S::PAGE);
            return super::survey_unavailable();
        }
    };
    let choice = choice.and_then(|c| c.trim().parse::<i32>().ok());
    let answered = S::answer(state, subject_id, choice, comment).await;
    let view = |stage| View::new(stage, &business, subject, token);
    match answered {
        Ok(Answered::Recorded(_)) => {
            state.broker.publish(subject_id).await;
            html(StatusCode::OK, &view(Stage::Thanks), subject_id)
        }
        Ok(Answered::AlreadyAnswered(_)) => html(StatusCode::OK, &view(Stage::Already), subject_id),
        Err(DomainError::Rejected(errors)) if !errors.iter().any(S::gone) => {
            let again = view(Stage::Form).refused(choice, comment, errors);
            html(StatusCode::UNPROCESSABLE_ENTITY, &again, subject_id)
        }
        Err(DomainError::Rejected(_)) => super::survey_no_longer_valid(),
        Err(e) => {
            tracing::error!(error = %e, %subject_id, "storing {} failed", S::ANSWER);
            super::survey_unavailable()
        }
    }
}
