//! Product safety (AU-RULES "Product safety"; ACL Part 3-3), for
//! COMPLIANCE and ADMIN staff and for customers: safety records per product
//! and batch with bans and mandatory standards (`records`, `batches`),
//! traceability forward and back (`trace`), recalls that reach every buyer
//! once (`recalls`), mandatory injury reports on the ACCC clock
//! (`injuries`), and what is due (`dashboard`).

pub mod batches;
pub mod dashboard;
pub mod injuries;
pub mod recalls;
pub mod records;
pub mod trace;

use chrono::NaiveDate;
use uuid::Uuid;

/// Which safety records to list (recalls, injury reports): every condition
/// given must hold. `S` is the record's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFilter<S> {
    pub product_id: Option<Uuid>,
    /// Only records naming this batch.
    pub batch_id: Option<Uuid>,
    pub status: Option<S>,
    /// ACCC due on or before / on or after (Sydney dates).
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
}

impl<S> Default for RecordFilter<S> {
    fn default() -> Self {
        RecordFilter {
            product_id: None,
            batch_id: None,
            status: None,
            due_before: None,
            due_after: None,
        }
    }
}
