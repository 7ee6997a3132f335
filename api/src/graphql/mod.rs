//! The GraphQL schema: one query/mutation object per area, merged.

mod approvals;
mod audit;
mod business_time;
mod catalogue;
mod claims;
mod closeout;
mod closeout_records;
mod consent;
mod customers;
mod date;
mod engagement_closure;
mod engagement_register;
mod engagement_reports;
mod engagements;
mod errors;
mod fulfilment;
mod injuries;
mod invoices;
mod jobs;
pub(crate) mod kit;
pub mod limits;
mod loaders;
mod money;
mod node;
mod orders;
mod payments;
mod purchasing;
mod recalls;
mod returns;
mod safety;
mod settings;
mod sla;
mod support;
mod users;
mod webhooks;

pub use errors::{ApiError, UserError, UserErrorCode};

use crate::broker::Broker;
use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};
use config::Config;
use domain::business_time::SharedCalendar;
use domain::{Actor, Clock};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Per-request data: who calls, the id logs and INTERNAL errors share, and
/// the client's Idempotency-Key.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// `None` for a request without a token: only public fields answer it.
    pub actor: Option<Actor>,
    pub request_id: String,
    pub idempotency_key: Option<String>,
    /// The peer's address, for the sign-in throttle.
    pub client: String,
    /// Shared by every operation of one HTTP request (a batch too).
    pub login_budget: LoginBudget,
}

/// At most one `login` per HTTP request: aliases and batch entries cannot
/// multiply password guesses.
#[derive(Debug, Clone, Default)]
pub struct LoginBudget(Arc<std::sync::atomic::AtomicBool>);

impl LoginBudget {
    /// `true` for the first caller only.
    pub fn take(&self) -> bool {
        !self.0.swap(true, std::sync::atomic::Ordering::SeqCst)
    }
}

/// Everything that can be read.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    node::NodeQuery,
    customers::CustomerQuery,
    consent::ConsentQuery,
    audit::AuditQuery,
    users::UserQuery,
    jobs::JobQuery,
    settings::SettingsQuery,
    business_time::BusinessTimeQuery,
    approvals::ApprovalQuery,
    catalogue::CatalogueQuery,
    orders::OrderQuery,
    invoices::InvoiceQuery,
    payments::PaymentQuery,
    payments::RefundQuery,
    fulfilment::FulfilmentQuery,
    closeout::CloseoutQuery,
    closeout_records::CloseoutRecordsQuery,
    purchasing::PurchasingQuery,
    engagements::EngagementQuery,
    engagement_reports::EngagementReportQuery,
    engagement_closure::EngagementClosureQuery,
    support::SupportQuery,
    sla::SlaQuery,
    recalls::RecallQuery,
    safety::SafetyQuery,
    injuries::InjuryQuery,
    claims::ClaimQuery,
    returns::ReturnQuery,
    webhooks::WebhookQuery,
);

/// Everything that changes something; each answers with a payload whose
/// `userErrors` say why nothing changed.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    customers::CustomerMutation,
    consent::ConsentMutation,
    users::UserMutation,
    jobs::JobMutation,
    settings::SettingsMutation,
    business_time::BusinessTimeMutation,
    approvals::ApprovalMutation,
    catalogue::CatalogueMutation,
    orders::OrderMutation,
    invoices::InvoiceMutation,
    payments::PaymentMutation,
    fulfilment::FulfilmentMutation,
    purchasing::PurchasingMutation,
    closeout_records::CloseoutRecordsMutation,
    engagements::EngagementMutation,
    engagement_reports::EngagementReportMutation,
    engagement_closure::EngagementClosureMutation,
    engagement_register::EngagementRegisterMutation,
    support::SupportMutation,
    sla::SlaMutation,
    recalls::RecallMutation,
    safety::SafetyMutation,
    injuries::InjuryMutation,
    claims::ClaimMutation,
    returns::ReturnMutation,
    webhooks::WebhookMutation,
);

/// Live updates over WebSocket (graphql-transport-ws).
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(
    audit::AuditSubscription,
    approvals::ApprovalSubscription,
    orders::OrderSubscription,
    engagements::EngagementSubscription,
    support::SupportSubscription,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Most nested selections a document may have.
pub const MAX_DEPTH: usize = 12;
/// Most complexity points a document may cost (a connection costs its page
/// size times its node's selection: one full page of 100 rich nodes fits).
pub const MAX_COMPLEXITY: usize = 5000;
/// Most fields a document may select in all (aliases and `__typename` too).
pub const MAX_FIELDS: usize = 500;
/// Persisted (APQ) and parsed documents kept in memory.
const DOCUMENT_CACHE: usize = 1024;

/// The schema without data: enough to export SDL.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
    .limit_directives(10)
    // Mobile clients send a hash instead of the document (Apollo APQ).
    .extension(ApolloPersistedQueries::new(LruCacheStorage::new(
        DOCUMENT_CACHE,
    )))
    // After APQ, so persisted documents are counted too.
    .extension(limits::DocumentLimits {
        max_fields: MAX_FIELDS,
        cache: DOCUMENT_CACHE,
    })
}

/// The SDL `schema.graphql` must equal.
pub fn sdl() -> String {
    schema_builder().finish().sdl_with_options(
        async_graphql::SDLExportOptions::new()
            .sorted_fields()
            .sorted_enum_items(),
    )
}

/// Shared state resolvers read from the schema data.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub broker: Broker,
    pub calendar: SharedCalendar,
    /// The configured couriers (labels are issued through them).
    pub couriers: domain::fulfilment::couriers::Couriers,
}

pub fn build_schema(
    db: DatabaseConnection,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    broker: Broker,
    calendar: SharedCalendar,
) -> AppSchema {
    let mut builder = schema_builder();
    if !config.introspection {
        builder = builder.disable_introspection();
    }
    loaders::attach(builder, &db)
        .data(Services {
            couriers: worker::couriers::configured(&config),
            db,
            config,
            clock,
            broker,
            calendar,
        })
        .finish()
}
