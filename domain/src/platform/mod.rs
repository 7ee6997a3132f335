//! What every area's changes flow through after the kernel: the append-only
//! audit trail, the outbox of work to do after commit, customer
//! notifications, the dead letters of jobs that gave up, the signed
//! links customer emails carry, and gap-free document numbers.

pub mod audit;
pub mod backoff;
pub mod dead_letters;
pub mod deliverability;
pub mod links;
pub mod notifications;
pub mod numbering;
pub mod outbox;
pub mod retry;
