//! Business rules and use cases. Runs inside database transactions; knows
//! nothing of HTTP, GraphQL, queues or mail.
//!
//! `kernel` is the write path every area shares, `platform` the audit trail,
//! outbox, notifications and dead letters, `rules` the pure rules, and each
//! business area has its own folder (`customers`, `users`, `settings`,
//! `business_time`).

pub mod aftersales;
pub mod approvals;
pub mod business_time;
pub mod catalogue;
pub mod closeout;
pub mod consent;
pub mod customers;
pub mod engagements;
pub mod fulfilment;
pub mod invoices;
pub mod kernel;
pub mod orders;
pub mod payments;
pub mod platform;
pub mod purchasing;
pub mod rules;
pub mod safety;
pub mod settings;
pub mod support;
pub mod surveys;
pub mod users;
pub mod webhooks;

pub use kernel::{
    Actor, Clock, Committed, Ctx, DomainError, ErrorCode, FieldError, ManualClock, Role,
    SystemClock,
};
