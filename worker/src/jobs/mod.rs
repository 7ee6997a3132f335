//! Job handlers, one module per job. Handlers re-read the database and skip
//! work already done, so a job delivered twice has one effect.

pub mod aftersales;
pub mod engagements;
pub mod injuries;
pub mod outbox;
pub mod payment;
pub mod purchasing;
pub mod recalls;
pub mod send_notification;
pub mod support;
pub mod timer_fired;
pub mod webhooks;

use crate::metrics;
use apalis::prelude::BoxDynError;
use std::time::Instant;

/// Count a finished job and its latency.
fn finish(started: Instant, result: &Result<(), BoxDynError>) {
    metrics::job_finished(started.elapsed(), result.is_ok());
}
