//! The integration suite, one test binary: each module is one area's tests
//! against a real server, database, queue and mail drop. One binary links
//! once and stays one file on disk (a binary per area cost about 240 MB
//! each); `statement_count` keeps its own binary because its statement
//! watch is process-wide.

mod approvals;
mod auth;
mod business_time;
mod catalogue;
mod claims;
mod closeout;
mod consent;
mod contract_customers;
mod customers;
mod deliverability;
mod edges;
mod email;
mod engagement_closure;
mod engagement_delays;
mod engagement_reports;
mod engagements;
mod fulfilment;
mod housekeeping;
mod http;
mod idempotency;
mod injury_reports;
mod invoices;
mod kernel;
mod live;
mod login_guessing;
mod order_closeout;
mod order_services;
mod orders;
mod payments;
mod poison;
mod process;
mod purchasing;
mod quarantine;
mod recalls;
mod returns;
mod safety_records;
mod settings;
mod sla_alarms;
mod sla_due_times;
mod sla_policies;
mod sla_report;
mod support;
mod sweeps;
mod webhooks;
mod worker_process;
