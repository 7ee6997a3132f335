//! What every job handler shares.

use crate::mailer::Mailer;
use crate::queues::Queues;
use config::Config;
use domain::Clock;
use domain::business_time::SharedCalendar;
use lettre::message::Mailbox;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub struct Deps {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub mailer: Mailer,
    /// MAIL_FROM, used when the sender in the settings does not parse.
    pub from: Mailbox,
    pub mail_domain: String,
    pub queues: Queues,
    /// This process's business calendar, reloaded when holidays change.
    pub calendar: SharedCalendar,
    /// Live updates of what the worker changes (e.g. an order whose
    /// reservation lapsed).
    pub broker: crate::broker::Broker,
    /// Where card payments are charged (the simulated provider by default).
    pub payments: Arc<dyn domain::payments::provider::PaymentProvider>,
    /// The configured couriers (simulated unless an HTTP endpoint is set).
    pub couriers: domain::fulfilment::couriers::Couriers,
    /// Wakes the webhook sender (right after a fan-out).
    pub webhooks_due: Arc<tokio::sync::Notify>,
    /// The HTTP client webhooks are posted with.
    pub webhooks_client: reqwest::Client,
}
