//! Background work: the outbox relay and job handlers (courier polls, customer
//! email, scheduled closure). Runs in its own `worker` processes in production
//! and inside `api` in embedded mode.
