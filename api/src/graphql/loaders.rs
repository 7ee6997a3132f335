//! DataLoaders: every relation a list can ask for is read for the whole
//! page in one query (a page of 50 orders with their customers and products
//! costs a fixed number of statements).

use async_graphql::dataloader::{DataLoader, Loader};
use domain::catalogue::stock::{self, Level};
use entity::{app_user, audit_entry, party, product, tax_invoice};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

type LoadError = Arc<DbErr>;

/// Stock levels (with their locations) per product.
pub struct StockLoader(pub DatabaseConnection);

impl Loader<Uuid> for StockLoader {
    type Value = Vec<Level>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Level>>, LoadError> {
        stock::levels_of(&self.0, keys).await.map_err(Arc::new)
    }
}

/// Customers (parties) by id; visibility is the resolver's to check.
pub struct CustomerLoader(pub DatabaseConnection);

impl Loader<Uuid> for CustomerLoader {
    type Value = party::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, party::Model>, LoadError> {
        let rows = party::Entity::find()
            .filter(party::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// Stock locations by id.
pub struct LocationLoader(pub DatabaseConnection);

impl Loader<Uuid> for LocationLoader {
    type Value = entity::stock_location::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        let rows = entity::stock_location::Entity::find()
            .filter(entity::stock_location::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|l| (l.id, l)).collect())
    }
}

/// Products by id.
pub struct ProductLoader(pub DatabaseConnection);

impl Loader<Uuid> for ProductLoader {
    type Value = product::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, product::Model>, LoadError> {
        let rows = product::Entity::find()
            .filter(product::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// Products' safety records, by product id (a page of products' listing
/// warnings in one query).
pub struct SafetyOfProductLoader(pub DatabaseConnection);

impl Loader<Uuid> for SafetyOfProductLoader {
    type Value = entity::product_safety::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::safety::records::of_products(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

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

/// The packages of each order (by order id), oldest first; visibility is
/// the resolver's to check.
pub struct ShipmentsOfOrderLoader(pub DatabaseConnection);

impl Loader<Uuid> for ShipmentsOfOrderLoader {
    type Value = Vec<domain::fulfilment::Shipment>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::fulfilment::of_orders(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// The proof of delivery of each order (by order id).
pub struct ProofOfDeliveryLoader(pub DatabaseConnection);

impl Loader<Uuid> for ProofOfDeliveryLoader {
    type Value = entity::proof_of_delivery::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::closeout::assets::proofs_of(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Process template versions by id (an engagement's template).
pub struct TemplateLoader(pub DatabaseConnection);

impl Loader<Uuid> for TemplateLoader {
    type Value = domain::engagements::Template;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::engagements::templates_by_ids(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// The deliverables of each engagement (by engagement id), oldest first,
/// with their versions, reviews and acceptance rounds: four queries for a
/// page of engagements; visibility is the resolver's to check.
pub struct DeliverablesLoader(pub DatabaseConnection);

impl Loader<Uuid> for DeliverablesLoader {
    type Value = Vec<domain::engagements::deliverables::Deliverable>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::engagements::deliverables::of_engagements(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Declare a loader of one engagement part list (by engagement id) read
/// by `$read(conn, &[ids])`: one query for a page of engagements;
/// visibility is the resolver's to check.
macro_rules! engagement_parts_loader {
    ($(#[$doc:meta])* $name:ident, $value:ty, $read:path) => {
        $(#[$doc])*
        pub struct $name(pub DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = Vec<$value>;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
                $read(&self.0, keys).await.map_err(Arc::new)
            }
        }
    };
}

engagement_parts_loader!(
    /// The risk register of each engagement, oldest first.
    RisksLoader,
    entity::engagement_risk::Model,
    domain::engagements::register::risks_of
);
engagement_parts_loader!(
    /// The issue log of each engagement, oldest first.
    IssuesLoader,
    entity::engagement_issue::Model,
    domain::engagements::register::issues_of
);
engagement_parts_loader!(
    /// The milestones of each engagement, by due date.
    MilestonesLoader,
    entity::engagement_milestone::Model,
    domain::engagements::register::milestones_of
);
engagement_parts_loader!(
    /// The recorded delays of each engagement, oldest first.
    DelaysLoader,
    entity::engagement_delay::Model,
    domain::engagements::delays::delays_of
);
engagement_parts_loader!(
    /// The escalations of each engagement, oldest first.
    EscalationsLoader,
    entity::engagement_escalation::Model,
    domain::engagements::delays::escalations_of
);

engagement_parts_loader!(
    /// The steps of each claim or return (by its id), oldest first.
    RemedyStepsLoader,
    entity::remedy_step::Model,
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

/// The history of each ticket (by ticket id), oldest first; visibility is
/// the resolver's to check.
pub struct TicketHistoryLoader(pub DatabaseConnection);

impl Loader<Uuid> for TicketHistoryLoader {
    type Value = Vec<entity::ticket_event::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::support::history_of(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Logins by id (a team member's or an action owner's email); what to show
/// of them is the resolver's to decide.
pub struct UserLoader(pub DatabaseConnection);

impl Loader<Uuid> for UserLoader {
    type Value = app_user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, app_user::Model>, LoadError> {
        let rows = app_user::Entity::find()
            .filter(app_user::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// The audit trail of each record (by subject id), oldest first, its first
/// entries (`domain::platform::audit::timelines`); visibility is the
/// resolver's to check.
pub struct TimelineLoader(pub DatabaseConnection);

impl Loader<Uuid> for TimelineLoader {
    type Value = Vec<audit_entry::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::platform::audit::timelines(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// The NPS answer of each engagement (by engagement id); visibility is the
/// resolver's to check.
pub struct NpsLoader(pub DatabaseConnection);

impl Loader<Uuid> for NpsLoader {
    type Value = entity::nps_response::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        domain::engagements::nps::of_engagements(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

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
