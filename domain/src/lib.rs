//! Business rules and use cases. Runs inside database transactions; knows
//! nothing of HTTP, GraphQL, queues or mail.

pub mod access;
pub mod audit;
pub mod clock;
pub mod config;
pub mod context;
pub mod customers;
pub mod db;
pub mod error;
pub mod idempotency;
pub mod notifications;
pub mod outbox;
pub mod page;
pub mod rules;
pub mod settings;
pub mod users;

pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{Actor, Ctx, Role};
pub use error::{DomainError, ErrorCode, FieldError};
