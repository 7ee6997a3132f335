//! The Net Promoter survey at an engagement's close: the customer answers
//! from the signed link in the survey email, without logging in, once per
//! engagement and only once it is CLOSED. A score from 0 (not at all likely
//! to recommend us) to 10 (extremely likely) and an optional comment; the
//! answer joins the engagement's timeline. The pure rules: a score's
//! category and the NPS of a set of answers.

use super::SUBJECT_TYPE;
use crate::kernel::{DomainError, ErrorCode};
use crate::surveys::Answer;
use chrono::{DateTime, Utc};
use entity::{EngagementStatus, nps_response};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Longest comment, in characters (as the satisfaction survey's).
pub const MAX_COMMENT_LEN: usize = crate::surveys::MAX_COMMENT_LEN;
/// The lowest and highest score.
pub const SCORES: std::ops::RangeInclusive<i32> = 0..=10;

/// Who answers through the link (no login: the signed link is the proof),
/// as the engagement's timeline names it.
pub const NPS_ACTOR: &str = "nps-link";

// ---- Pure rules --------------------------------------------------------

/// Where a score puts the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// 9 or 10: would recommend us.
    Promoter,
    /// 7 or 8: satisfied, not enthusiastic.
    Passive,
    /// 0 to 6: unhappy.
    Detractor,
}

/// The category of a score (0–10; anything above 10 counts as a promoter,
/// below 0 as a detractor, though neither is ever stored).
pub fn category(score: i32) -> Category {
    match score {
        9.. => Category::Promoter,
        7..=8 => Category::Passive,
        _ => Category::Detractor,
    }
}

/// The answers of a set, by category, with their NPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub responses: i64,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
}

impl Summary {
    /// Summarise `scores`.
    pub fn of(scores: impl IntoIterator<Item = i32>) -> Summary {
        let mut s = Summary::default();
        for score in scores {
            match category(score) {
                Category::Promoter => s.promoters += 1,
                Category::Passive => s.passives += 1,
                Category::Detractor => s.detractors += 1,
            }
            s.responses += 1;
        }
        s
    }

    /// The Net Promoter Score: % promoters − % detractors, rounded half
    /// away from zero to a whole number from −100 to 100; `None` without
    /// answers.
    pub fn score(&self) -> Option<i32> {
        nps(self.promoters, self.detractors, self.responses)
    }
}

/// % promoters − % detractors of `responses` answers, rounded half away
/// from zero; `None` when there are none.
pub fn nps(promoters: i64, detractors: i64, responses: i64) -> Option<i32> {
    if responses <= 0 {
        return None;
    }
    // 100 (p − d) / n, rounded in integers (no float).
    let numerator = 100 * (promoters - detractors);
    let twice = 2 * numerator.abs() + responses;
    let rounded = twice / (2 * responses);
    Some((numerator.signum() * rounded) as i32)
}

// ---- Answering ---------------------------------------------------------

/// What became of an answer: stored, or the engagement's earlier answer
/// that stands.
pub type Answered = crate::surveys::Answered<nps_response::Model>;

/// Check a score (0 to 10, on `score`) and comment: the comment follows
/// the satisfaction survey's rules (see [`crate::surveys::parse_answer`]).
fn parse(score: i32, comment: Option<&str>) -> Result<Answer, DomainError> {
    crate::surveys::parse_answer(
        "score",
        score,
        SCORES,
        "choose a score from 0 to 10",
        comment,
    )
}

/// Store the answer to `engagement_id`'s NPS survey, unless it was answered
/// before (then that answer stands). A bad score or comment is refused (the
/// fields named); an unknown engagement is NOT_FOUND and one not CLOSED is
/// ILLEGAL_TRANSITION, both on `engagementId`. The answer joins the
/// engagement's timeline (`engagement.nps_answered`).
pub async fn answer(
    db: &DatabaseConnection,
    engagement_id: Uuid,
    score: i32,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Answered, DomainError> {
    let answer = parse(score, comment)?;
    let Some(found) = super::find(db, engagement_id).await? else {
        return Err(DomainError::not_found("engagementId", "engagement"));
    };
    let e = &found.engagement;
    if e.status != EngagementStatus::Closed {
        return Err(DomainError::rejected(
            &["engagementId"],
            ErrorCode::IllegalTransition,
            format!("{} is not closed: its survey opens at closure", e.number),
        ));
    }
    let link = crate::surveys::LinkAnswer {
        actor: NPS_ACTOR,
        party: Some(e.customer_id),
        subject_type: SUBJECT_TYPE,
        subject_id: engagement_id,
        action: "engagement.nps_answered",
        now,
    };
    let row = nps_response::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement_id),
        score: Set(answer.value),
        comment: Set(answer.comment),
        answered_at: Set(now),
    };
    crate::surveys::store_once(db, &link, nps_response::Column::EngagementId, row).await
}

/// The answer to an engagement's NPS survey, if it was answered.
pub async fn of_engagement<C: ConnectionTrait>(
    conn: &C,
    engagement_id: Uuid,
) -> Result<Option<nps_response::Model>, DbErr> {
    crate::surveys::answer_of::<nps_response::Entity, _>(
        conn,
        nps_response::Column::EngagementId,
        engagement_id,
    )
    .await
}

/// The answers of engagements (by engagement id): one query for a page.
pub async fn of_engagements<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, nps_response::Model>, DbErr> {
    Ok(nps_response::Entity::find()
        .filter(nps_response::Column::EngagementId.is_in(engagement_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.engagement_id, r))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(score: i32, comment: Option<&str>) -> Vec<(String, ErrorCode)> {
        crate::surveys::refusals(parse(score, comment))
    }

    #[test]
    fn scores_run_from_zero_to_ten() {
        for score in SCORES {
            assert_eq!(parse(score, None).unwrap().value, score);
        }
        for score in [-1, 11, i32::MIN, i32::MAX] {
            assert_eq!(
                refused(score, None),
                [("score".to_owned(), ErrorCode::OutOfRange)]
            );
        }
    }

    #[test]
    fn a_comment_follows_the_survey_rules() {
        assert_eq!(parse(9, Some("  ")).unwrap().comment, None);
        assert_eq!(
            parse(9, Some(" Great team.\r\nThanks ")).unwrap().comment,
            Some("Great team.\nThanks".to_owned())
        );
        assert!(parse(9, Some(&"é".repeat(MAX_COMMENT_LEN))).is_ok());
        assert_eq!(
            refused(11, Some(&"é".repeat(MAX_COMMENT_LEN + 1))),
            [
                ("score".to_owned(), ErrorCode::OutOfRange),
                ("comment".to_owned(), ErrorCode::TooLong)
            ]
        );
        assert_eq!(
            refused(5, Some("bell\u{7}")),
            [("comment".to_owned(), ErrorCode::InvalidText)]
        );
    }

    #[test]
    fn promoters_score_nine_or_ten_passives_seven_or_eight_detractors_the_rest() {
        let categories: Vec<Category> = SCORES.map(category).collect();
        assert_eq!(
            categories,
            [
                Category::Detractor,
                Category::Detractor,
                Category::Detractor,
                Category::Detractor,
                Category::Detractor,
                Category::Detractor,
                Category::Detractor,
                Category::Passive,
                Category::Passive,
                Category::Promoter,
                Category::Promoter,
            ]
        );
    }

    #[test]
    fn the_nps_is_percent_promoters_less_percent_detractors_rounded() {
        assert_eq!(Summary::of([]).score(), None);
        assert_eq!(Summary::of([]), Summary::default());
        assert_eq!(Summary::of([10]).score(), Some(100));
        assert_eq!(Summary::of([0, 6]).score(), Some(-100));
        assert_eq!(Summary::of([7, 8]).score(), Some(0));
        let mixed = Summary::of([10, 9, 8, 3]);
        assert_eq!(
            mixed,
            Summary {
                responses: 4,
                promoters: 2,
                passives: 1,
                detractors: 1,
            }
        );
        assert_eq!(mixed.score(), Some(25));
        // 1 of 3: 33.3 → 33; 2 of 3: 66.7 → 67; halves away from zero.
        assert_eq!(Summary::of([9, 7, 7]).score(), Some(33));
        assert_eq!(Summary::of([9, 10, 7]).score(), Some(67));
        assert_eq!(Summary::of([0, 0, 7]).score(), Some(-67));
        assert_eq!(nps(1, 0, 8), Some(13), "12.5 rounds up");
        assert_eq!(nps(0, 1, 8), Some(-13), "-12.5 rounds away from zero");
        assert_eq!(nps(3, 4, 200), Some(-1), "-0.5 rounds away from zero");
        assert_eq!(nps(1, 1, 0), None);
    }
}
