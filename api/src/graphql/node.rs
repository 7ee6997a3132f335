//! Global object identification (Relay's `Node`): every object with an id
//! can be refetched with `node(id)`. Ids are UUIDv7, unique across every
//! table, so the id alone finds the object; each area's finder applies its
//! own visibility rule, and what the caller may not see is null, as if missing.

use super::approvals::Approval;
use super::audit::AuditEntry;
use super::business_time::Timer;
use super::catalogue::{Product, StockLocation};
use super::customers::Customer;
use super::invoices::{AdjustmentNote, Invoice};
use super::jobs::DeadJob;
use super::kit::{ContextExt, Require, answer, arg_id};
use super::orders::Order;
use super::payments::{Payment, Refund};
use super::users::User;
use async_graphql::{Context, ID, Interface, Object};
use domain::approvals;
use domain::business_time::timers;
use domain::catalogue::{locations, products};
use domain::kernel::Permission;
use domain::platform::{audit, dead_letters};
use domain::{Ctx, customers, users};
use domain::{invoices, orders};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

/// An object with a globally unique id, refetchable with `node(id)`.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Globally unique identifier; `node(id)` refetches the object."
))]
pub enum Node {
    AdjustmentNote(AdjustmentNote),
    Approval(Approval),
    AuditEntry(AuditEntry),
    Customer(Customer),
    DeadJob(DeadJob),
    Engagement(super::engagements::Engagement),
    Invoice(Invoice),
    Order(Order),
    Payment(Payment),
    Product(Product),
    PurchaseOrder(super::purchasing::PurchaseOrder),
    Refund(Refund),
    Shipment(super::fulfilment::Shipment),
    StockLocation(StockLocation),
    Ticket(super::support::Ticket),
    Timer(Timer),
    User(User),
}

/// The object with this id the caller may see. A new area adds its finder
/// here (ids never collide, so the order only decides which table is read first).
async fn find(db: &DatabaseConnection, ctx: &Ctx, id: Uuid) -> Result<Option<Node>, DbErr> {
    if let Some(m) = customers::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Customer(Customer(m))));
    }
    if let Some(m) = approvals::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Approval(Approval(m))));
    }
    if let Some(m) = users::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::User(User(m))));
    }
    if let Some(m) = audit::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::AuditEntry(AuditEntry(m))));
    }
    if let Some(m) = dead_letters::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::DeadJob(DeadJob(m))));
    }
    if let Some(m) = orders::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Order(Order(m))));
    }
    if let Some(m) = invoices::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Invoice(Invoice(m))));
    }
    if let Some(m) = invoices::notes::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::AdjustmentNote(AdjustmentNote(m))));
    }
    if let Some(m) = domain::payments::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Payment(Payment(m))));
    }
    if let Some(m) = domain::payments::refunds::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Refund(Refund(m))));
    }
    if let Some(m) = domain::fulfilment::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Shipment(super::fulfilment::Shipment(m))));
    }
    if let Some(m) = domain::purchasing::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::PurchaseOrder(super::purchasing::PurchaseOrder(
            m,
        ))));
    }
    if let Some(m) = domain::engagements::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Engagement(super::engagements::Engagement(m))));
    }
    if let Some(m) = domain::support::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Ticket(super::support::Ticket(m))));
    }
    if let Some(m) = products::find(db, id).await? {
        return Ok(Some(Node::Product(Product(m))));
    }
    if Permission::ReadStock.allows(ctx.actor.role)
        && let Some(m) = locations::find(db, id).await?
    {
        return Ok(Some(Node::StockLocation(StockLocation(m))));
    }
    if let Some(m) = timers::find_visible(db, ctx, id).await? {
        return Ok(Some(Node::Timer(Timer(m))));
    }
    Ok(None)
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its id (Relay's global object identification); null
    /// when it does not exist or the caller may not see it.
    #[graphql(guard = "Require::signed_in()")]
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object's id, as its `id` field gave it.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let id = arg_id(&id, "id")?;
        let found = find(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        answer(ctx, found)
    }
}
