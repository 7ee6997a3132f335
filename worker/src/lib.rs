//! Background work: the outbox relay, job handlers (customer email; later
//! courier polls and scheduled closure), the timer sweep, the live-update
//! broker and their queues. Runs in its own
//! `worker` processes in production and inside `api` in embedded mode.

pub mod broker;
pub mod calendar;
pub mod couriers;
pub mod deps;
pub mod jobs;
pub mod mailer;
pub mod mailers;
pub mod metrics;
pub mod payloads;
pub mod process;
pub mod queues;
pub mod runtime;

pub use runtime::{RunningWorker, start};
