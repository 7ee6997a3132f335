use crate::enums::TimerStatus;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A point in business time something waits for, planned in the transaction
/// of the change that needs it and fired once by the worker's sweep.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "timer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What fires, e.g. `daily_run`; its handler is chosen by kind.
    pub kind: String,
    /// The record it is about.
    pub subject_id: Uuid,
    /// Bumped by every re-plan of (kind, subject); only the newest can fire.
    pub generation: i32,
    /// On the app clock.
    pub due_at: DateTimeUtc,
    /// JSON text handed to the handler.
    pub payload: String,
    pub status: TimerStatus,
    pub created_at: DateTimeUtc,
    pub fired_at: Option<DateTimeUtc>,
}

no_relations!();
