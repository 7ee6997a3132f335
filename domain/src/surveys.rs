//! The satisfaction survey after delivery (closeout): the customer answers
//! from the signed link in the feedback email, without logging in, once per
//! order. A rating from 1 (poor) to 5 (excellent) and an optional comment;
//! the answer joins the order's timeline.

use crate::kernel::{
    Actor, Ctx, DomainError, ErrorCode, Fields, ManualClock, Permission, Role, Write,
};
use crate::orders;
use chrono::{DateTime, Utc};
use entity::survey_response;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde::Serialize;
use std::sync::Arc;
use uuid::Uuid;

/// Longest comment, in characters.
pub const MAX_COMMENT_LEN: usize = 2000;
/// The lowest and highest rating.
pub const RATINGS: std::ops::RangeInclusive<i32> = 1..=5;

/// Who answers a survey through its link (no login: the signed link is the
/// proof), as the order's timeline names it.
pub const SURVEY_ACTOR: &str = "survey-link";

/// What became of an answer to a once-only survey (the order's here; the
/// engagement's NPS survey answers the same way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered<T = survey_response::Model> {
    /// Stored: the subject's one answer.
    Recorded(T),
    /// The subject was answered before; that answer stands and this one is
    /// not stored.
    AlreadyAnswered(T),
}

/// A valid answer to a survey: its rating or score, and its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    pub value: i32,
    pub comment: Option<String>,
}

/// Check an answer's rating or score (`field`, within `range`: else
/// OUT_OF_RANGE saying `hint`) and its comment, reporting both at once: the
/// comment is optional (blank is none), keeps its line breaks, and holds at
/// most [`MAX_COMMENT_LEN`] characters (TOO_LONG) and no other control
/// characters (INVALID_TEXT).
pub(crate) fn parse_answer(
    field: &str,
    value: i32,
    range: std::ops::RangeInclusive<i32>,
    hint: &str,
    comment: Option<&str>,
) -> Result<Answer, DomainError> {
    let mut fields = Fields::new();
    fields.ensure(range.contains(&value), field, ErrorCode::OutOfRange, hint);
    let comment = fields.free_text(&["comment"], "comment", comment, MAX_COMMENT_LEN);
    fields.finish(|| Some(Answer { value, comment }))
}

/// The fields and codes an answer was refused with (for tests).
#[cfg(test)]
pub(crate) fn refusals(parsed: Result<Answer, DomainError>) -> Vec<(String, ErrorCode)> {
    match parsed {
        Err(DomainError::Rejected(errors)) => errors
            .into_iter()
            .map(|e| (e.field.join("."), e.code))
            .collect(),
        other => panic!("not refused: {other:?}"),
    }
}

/// Check a rating (1 to 5, on `rating`) and comment (see [`parse_answer`]).
fn parse(rating: i32, comment: Option<&str>) -> Result<Answer, DomainError> {
    parse_answer(
        "rating",
        rating,
        RATINGS,
        "choose a rating from 1 to 5",
        comment,
    )
}

/// Store the answer to `order_id`'s survey, unless the order was answered
/// before (then that answer stands). A bad rating or comment is refused
/// (see the fields named); an unknown order is NOT_FOUND on `orderId`.
pub async fn answer(
    db: &DatabaseConnection,
    order_id: Uuid,
    rating: i32,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Answered, DomainError> {
    let answer = parse(rating, comment)?;
    let Some(order) = orders::find(db, order_id).await? else {
        return Err(DomainError::not_found("orderId", "order"));
    };
    let link = LinkAnswer {
        actor: SURVEY_ACTOR,
        party: order.order.customer_id,
        subject_type: orders::SUBJECT_TYPE,
        subject_id: order_id,
        action: "order.survey_answered",
        now,
    };
    let row = survey_response::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        rating: Set(answer.value),
        comment: Set(answer.comment),
        answered_at: Set(now),
    };
    store_once(db, &link, survey_response::Column::OrderId, row).await
}

/// A once-only answer given through a signed link: who it is filed as (no
/// login: the link is the proof) and the subject whose timeline it joins.
pub(crate) struct LinkAnswer {
    pub actor: &'static str,
    pub party: Option<Uuid>,
    pub subject_type: &'static str,
    pub subject_id: Uuid,
    pub action: &'static str,
    pub now: DateTime<Utc>,
}

/// Store `row` as the subject's one answer unless `subject_column` already
/// holds one for it: then that answer stands, also when another tab stored
/// it at the same moment (the unique index refuses the second).
pub(crate) async fn store_once<A>(
    db: &DatabaseConnection,
    link: &LinkAnswer,
    subject_column: <A::Entity as EntityTrait>::Column,
    row: A,
) -> Result<Answered<<A::Entity as EntityTrait>::Model>, DomainError>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Serialize + Send + Sync,
{
    let ctx = Ctx {
        actor: Actor {
            id: link.actor.to_owned(),
            role: Role::Customer,
            party: link.party,
        },
        clock: Arc::new(ManualClock::new(link.now)),
    };
    let mut w = Write::begin(db, &ctx, Permission::ReadCustomers).await?;
    if let Some(earlier) =
        answer_of::<A::Entity, _>(w.conn(), subject_column, link.subject_id).await?
    {
        return Ok(Answered::AlreadyAnswered(earlier));
    }
    let response = match w.insert(row).await {
        Err(e) if e.is_unique_violation() => {
            drop(w);
            return match answer_of::<A::Entity, _>(db, subject_column, link.subject_id).await? {
                Some(earlier) => Ok(Answered::AlreadyAnswered(earlier)),
                None => Err(DomainError::internal("a survey answer vanished")),
            };
        }
        other => other?,
    };
    w.audit(
        link.subject_type,
        link.subject_id,
        link.action,
        None,
        Some(&response),
    )
    .await?;
    Ok(Answered::Recorded(w.commit(response).await?.value))
}

/// The answer `subject_column` holds for `subject`, if any.
pub(crate) async fn answer_of<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    subject_column: E::Column,
    subject: Uuid,
) -> Result<Option<E::Model>, DbErr> {
    E::find().filter(subject_column.eq(subject)).one(conn).await
}

/// The answer to an order's survey, if it was answered.
pub async fn of_order<C: ConnectionTrait>(
    conn: &C,
    order_id: Uuid,
) -> Result<Option<survey_response::Model>, DbErr> {
    answer_of::<survey_response::Entity, _>(conn, survey_response::Column::OrderId, order_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(rating: i32, comment: Option<&str>) -> Vec<(String, ErrorCode)> {
        refusals(parse(rating, comment))
    }

    #[test]
    fn ratings_run_from_one_to_five() {
        for rating in 1..=5 {
            assert_eq!(parse(rating, None).unwrap().value, rating);
        }
        for rating in [0, 6, -1, i32::MAX] {
            assert_eq!(
                refused(rating, None),
                [("rating".to_owned(), ErrorCode::OutOfRange)]
            );
        }
    }

    #[test]
    fn a_comment_is_optional_keeps_its_lines_and_has_a_limit() {
        assert_eq!(parse(4, Some("   ")).unwrap().comment, None);
        assert_eq!(
            parse(4, Some(" Great.\r\nThanks! "))
                .unwrap()
                .comment
                .as_deref(),
            Some("Great.\nThanks!")
        );
        let longest = "é".repeat(MAX_COMMENT_LEN);
        assert!(parse(5, Some(&longest)).is_ok());
        let longer = "é".repeat(MAX_COMMENT_LEN + 1);
        assert_eq!(
            refused(5, Some(&longer)),
            [("comment".to_owned(), ErrorCode::TooLong)]
        );
        assert_eq!(
            refused(0, Some("nul\0byte")),
            [
                ("rating".to_owned(), ErrorCode::OutOfRange),
                ("comment".to_owned(), ErrorCode::InvalidText)
            ]
        );
    }
}
