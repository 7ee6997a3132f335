//! What every request handler shares (its own module, so the router and the
//! start-up code both depend on it rather than on each other).

use crate::broker::Broker;
use crate::graphql::AppSchema;
use config::Config;
use domain::Clock;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub schema: AppSchema,
    pub broker: Broker,
    /// The job queues (readiness and metrics; pushing is the worker's job).
    pub queues: worker::queues::Queues,
    /// This process's business calendar, reloaded when holidays change.
    pub calendar: domain::business_time::SharedCalendar,
}
