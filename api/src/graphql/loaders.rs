//! DataLoaders: every relation a list can ask for is read for the whole
//! page in one query (a page of 50 orders with their customers and products
//! costs a fixed number of statements).

use async_graphql::dataloader::{DataLoader, Loader};
use domain::catalogue::stock::{self, Level};
use entity::{app_user, audit_entry, party, product, stock_location, tax_invoice};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

type LoadError = Arc<DbErr>;

/// Declare a loader whose values `$read(conn, &[keys])` reads for a whole
/// batch of keys in one go, or (`by id`) the rows of an entity by `id`.
macro_rules! loader {
    ($(#[$doc:meta])* $name:ident, by id of $entity:ident) => {
        $(#[$doc])*
        pub struct $name(pub DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = $entity::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::Id.is_in(keys.iter().copied()))
                    .all(&self.0)
                    .await
                    .map_err(Arc::new)?;
                Ok(rows.into_iter().map(|m| (m.id, m)).collect())
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, $value:ty, $read:path) => {
        $(#[$doc])*
        pub struct $name(pub DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
                $read(&self.0, keys).await.map_err(Arc::new)
            }
        }
    };
}

loader!(
    /// Stock levels (with their locations) per product.
    StockLoader,
    Vec<Level>,
    stock::levels_of
);
loader!(
    /// Customers (parties) by id; visibility is the resolver's to check.
    CustomerLoader,
    by id of party
);
loader!(
    /// Stock locations by id.
    LocationLoader,
    by id of stock_location
);
loader!(
    /// Products by id.
    ProductLoader,
    by id of product
);
loader!(
    /// Products' safety records, by product id (a page of products' listing
    /// warnings in one query).
    SafetyOfProductLoader,
    entity::product_safety::Model,
    domain::safety::records::of_products
);

loader!(
    /// Adjustment notes with their lines, by id (a page of refunds' or
    /// claims' notes in two queries); visibility is the resolver's to check.
    AdjustmentNoteLoader,
    domain::invoices::notes::Note,
    domain::invoices::notes::find_many
);

/// Orders with their lines, by id; visibility is the resolver's to check.
pub struct OrderLoader(pub DatabaseConnection);

impl Loader<Uuid> for OrderLoader {
    type Value = domain::orders::Order;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        let found = domain::orders::find_many(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(found.into_iter().map(|o| (o.order.id, o)).collect())
    }
}

/// The invoice of each order (by order id); visibility is the resolver's to check.
pub struct InvoiceOfOrderLoader(pub DatabaseConnection);

impl Loader<Uuid> for InvoiceOfOrderLoader {
    type Value = tax_invoice::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, tax_invoice::Model>, LoadError> {
        let rows = tax_invoice::Entity::find()
            .filter(tax_invoice::Column::SubjectType.eq(domain::orders::SUBJECT_TYPE))
            .filter(tax_invoice::Column::SubjectId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|i| (i.subject_id, i)).collect())
    }
}

loader!(
    /// The packages of each order (by order id), oldest first; visibility is
    /// the resolver's to check.
    ShipmentsOfOrderLoader,
    Vec<domain::fulfilment::Shipment>,
    domain::fulfilment::of_orders
);
loader!(
    /// The proof of delivery of each order (by order id).
    ProofOfDeliveryLoader,
    entity::proof_of_delivery::Model,
    domain::closeout::assets::proofs_of
);
loader!(
    /// Process template versions by id (an engagement's template).
    TemplateLoader,
    domain::engagements::Template,
    domain::engagements::templates_by_ids
);
loader!(
    /// The deliverables of each engagement (by engagement id), oldest first,
    /// with their versions, reviews and acceptance rounds: four queries for a
    /// page of engagements; visibility is the resolver's to check.
    DeliverablesLoader,
    Vec<domain::engagements::deliverables::Deliverable>,
    domain::engagements::deliverables::of_engagements
);

// One engagement part list each (by engagement id): one query for a page
// of engagements; visibility is the resolver's to check.
loader!(
    /// The risk register of each engagement, oldest first.
    RisksLoader,
    Vec<entity::engagement_risk::Model>,
    domain::engagements::register::risks_of
);
loader!(
    /// The issue log of each engagement, oldest first.
    IssuesLoader,
    Vec<entity::engagement_issue::Model>,
    domain::engagements::register::issues_of
);
loader!(
    /// The milestones of each engagement, by due date.
    MilestonesLoader,
    Vec<entity::engagement_milestone::Model>,
    domain::engagements::register::milestones_of
);
loader!(
    /// The recorded delays of each engagement, oldest first.
    DelaysLoader,
    Vec<entity::engagement_delay::Model>,
    domain::engagements::delays::delays_of
);
loader!(
    /// The escalations of each engagement, oldest first.
    EscalationsLoader,
    Vec<entity::engagement_escalation::Model>,
    domain::engagements::delays::escalations_of
);

loader!(
    /// The steps of each claim or return (by its id), oldest first.
    RemedyStepsLoader,
    Vec<entity::remedy_step::Model>,
    domain::aftersales::steps_by_subject
);

/// The thread of each ticket (by ticket id), oldest first, internal notes
/// included: the resolver hides them from customers.
pub struct TicketMessagesLoader(pub DatabaseConnection);

impl Loader<Uuid> for TicketMessagesLoader {
    type Value = Vec<entity::ticket_message::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::support::messages_of(&self.0, keys, true)
            .await
            .map_err(Arc::new)
    }
}

loader!(
    /// The history of each ticket (by ticket id), oldest first; visibility is
    /// the resolver's to check.
    TicketHistoryLoader,
    Vec<entity::ticket_event::Model>,
    domain::support::history_of
);
loader!(
    /// Logins by id (a team member's or an action owner's email); what to show
    /// of them is the resolver's to decide.
    UserLoader,
    by id of app_user
);
loader!(
    /// The audit trail of each record (by subject id), oldest first, its first
    /// entries (`domain::platform::audit::timelines`); visibility is the
    /// resolver's to check.
    TimelineLoader,
    Vec<audit_entry::Model>,
    domain::platform::audit::timelines
);
loader!(
    /// The NPS answer of each engagement (by engagement id); visibility is the
    /// resolver's to check.
    NpsLoader,
    entity::nps_response::Model,
    domain::engagements::nps::of_engagements
);

/// How long a loader gathers keys before it queries: long enough that a
/// page's resolvers land in one batch on a busy machine, short against a
/// query's own cost.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(5);

/// Every loader, as schema data.
pub fn attach<Q, M, S>(
    builder: async_graphql::SchemaBuilder<Q, M, S>,
    db: &DatabaseConnection,
) -> async_graphql::SchemaBuilder<Q, M, S> {
    super::engagement_closure::loaders(builder, db)
        .data(DataLoader::new(StockLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(CustomerLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(ProductLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(SafetyOfProductLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(AdjustmentNoteLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(InvoiceOfOrderLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(OrderLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(LocationLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(ShipmentsOfOrderLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(ProofOfDeliveryLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(TemplateLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(DeliverablesLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(UserLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(TimelineLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(NpsLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(RisksLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(RemedyStepsLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(IssuesLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(MilestonesLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(DelaysLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(EscalationsLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(TicketMessagesLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(DataLoader::new(TicketHistoryLoader(db.clone()), tokio::spawn).delay(BATCH_WINDOW))
        .data(
            DataLoader::new(super::purchasing::SuppliesLoader(db.clone()), tokio::spawn)
                .delay(BATCH_WINDOW),
        )
        .data(
            DataLoader::new(super::purchasing::ReceiptsLoader(db.clone()), tokio::spawn)
                .delay(BATCH_WINDOW),
        )
}

/// Load one value through a loader, mapping a database error to INTERNAL.
pub async fn load_one<L, V>(
    ctx: &async_graphql::Context<'_>,
    key: Uuid,
) -> async_graphql::Result<Option<V>>
where
    L: Loader<Uuid, Value = V, Error = LoadError>,
    V: Clone + Send + Sync + 'static,
{
    use super::kit::ContextExt;
    use async_graphql::ErrorExtensions;
    ctx.data_unchecked::<DataLoader<L>>()
        .load_one(key)
        .await
        .map_err(|e| super::ApiError::internal(&ctx.request().request_id, &e).extend())
}

/// Every value a list loader holds for `key` (none: an empty list), each
/// wrapped for GraphQL.
pub async fn load_list<L, M, N>(
    ctx: &async_graphql::Context<'_>,
    key: Uuid,
    wrap: impl FnMut(M) -> N,
) -> async_graphql::Result<Vec<N>>
where
    L: Loader<Uuid, Value = Vec<M>, Error = LoadError>,
    M: Clone + Send + Sync + 'static,
{
    let found = load_one::<L, _>(ctx, key).await?;
    Ok(found.unwrap_or_default().into_iter().map(wrap).collect())
}

/// A staff login's email, for staff callers only (customers see the team by
/// role, not by address).
pub async fn staff_email(
    ctx: &async_graphql::Context<'_>,
    user_id: Uuid,
) -> async_graphql::Result<Option<String>> {
    use super::kit::ContextExt;
    if !ctx.domain_ctx()?.actor.role.is_staff() {
        return Ok(None);
    }
    let found = load_one::<UserLoader, _>(ctx, user_id).await?;
    Ok(found.map(|u| u.email))
}
