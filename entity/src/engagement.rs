use crate::enums::EngagementStatus;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A service engagement following one version of a process template.
    #[sea_orm(table_name = "engagement")]
    pub struct Model {
        #[sea_orm(unique)]
        pub number: String,
        pub customer_id: Uuid,
        /// The template version it started with (kept when newer ones publish).
        pub template_id: Uuid,
        pub name: String,
        pub scope_reference: String,
        pub planned_start: Date,
        pub status: EngagementStatus,
        /// Its current stage (index into the template's stages).
        pub stage_index: i32,
        /// Revision rounds so far (0 until a "no" sends work back).
        pub round: i32,
        pub stage_started_at: Option<DateTimeUtc>,
        pub stage_due_at: Option<DateTimeUtc>,
        /// The current stage passed its due time (flagged once per stage).
        pub stage_overdue: bool,
        /// The end date of the latest revised timeline.
        pub revised_end_date: Option<Date>,
        pub status_reason: Option<String>,
        pub lessons_learned: Option<String>,
        pub lessons_recorded_by: Option<String>,
        pub lessons_recorded_at: Option<DateTimeUtc>,
        /// When it was formally closed (read-only since).
        pub closed_at: Option<DateTimeUtc>,
        pub created_by: String,
    }
}
