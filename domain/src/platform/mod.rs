//! What every area's changes flow through after the kernel: the append-only
//! audit trail, the outbox of work to do after commit, customer
//! notifications and the dead letters of jobs that gave up.

pub mod audit;
pub mod backoff;
pub mod dead_letters;
pub mod notifications;
pub mod outbox;
pub mod retry;
