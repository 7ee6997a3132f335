//! The write path and read helpers every business area shares: who acts and
//! what they may do or see, errors, input parsing, the write transaction with
//! audit, outbox, versions and idempotency, paging, the clock, connections.

pub mod access;
pub mod clock;
pub mod context;
pub mod db;
pub mod error;
pub mod idempotency;
pub mod input;
pub mod paging;
pub mod write;

pub use access::{Permission, Scope};
pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{Actor, Ctx, Role};
pub use error::{DomainError, ErrorCode, FieldError};
pub use idempotency::IdempotencyKey;
pub use input::{Fields, Patch, reason};
pub use paging::{
    Page, PageRequest, fetch_page, fetch_page_sorted, fetch_scoped_page, text_contains,
};
pub use write::{Committed, Stamped, Versioned, Write};
