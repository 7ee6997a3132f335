use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A job that ran out of attempts or failed permanently; ADMIN can retry it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dead_job")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// e.g. `notification`.
    pub job_kind: String,
    /// The record the job works on (e.g. the notification id).
    pub reference_id: Uuid,
    pub last_error: String,
    pub attempts: i32,
    pub died_at: DateTimeUtc,
    pub retried_at: Option<DateTimeUtc>,
}

no_relations!();
