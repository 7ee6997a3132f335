//! An order's services (DESIGN "Where issues meet" → "Services in orders"):
//! an order with SERVICE lines opens one support ticket when it is paid,
//! and counts as DELIVERED once its goods are delivered and that ticket is
//! resolved or closed (an order of services only, once its ticket is).

use super::state as ticket_state;
use super::{Valid, create};
use crate::business_time::SharedCalendar;
use crate::customers::{self, CustomerInput};
use crate::kernel::db::find_for_update;
use crate::kernel::{Ctx, DomainError, Scope, Write};
use crate::orders::state::{self as order_state, Event};
use entity::{
    OrderStatus, ProductKind, TicketPriority, TicketStatus, order_line, sales_order, ticket,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// The category of an order's services ticket (SLA policies may match it).
pub const CATEGORY: &str = "services";

/// The subject and description of order `number`'s services ticket (one
/// line per service, quantity × name); `None` without services.
pub fn describe(number: &str, lines: &[order_line::Model]) -> Option<(String, String)> {
    let services: Vec<String> = lines
        .iter()
        .filter(|l| l.kind == ProductKind::Service)
        .map(|l| format!("{} × {}", l.quantity, l.name))
        .collect();
    if services.is_empty() {
        return None;
    }
    Some((
        format!("Services for order {number}"),
        format!("Services ordered on {number}:\n{}", services.join("\n")),
    ))
}

/// Whether a ticket in `status` has its work done.
pub fn is_done(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Resolved | TicketStatus::Closed)
}

/// An order's services ticket, whoever asks: the first of its category
/// about it (a customer may open more about the order later).
pub async fn ticket_of<C: ConnectionTrait>(
    conn: &C,
    order_id: Uuid,
) -> Result<Option<ticket::Model>, DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::OrderId.eq(order_id))
        .filter(ticket::Column::Category.eq(CATEGORY))
        .order_by_asc(ticket::Column::CreatedAt)
        .order_by_asc(ticket::Column::Id)
        .one(conn)
        .await
}

/// An order's services ticket, when the caller may see it (a customer its
/// own).
pub async fn visible_ticket_of<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    order_id: Uuid,
) -> Result<Option<ticket::Model>, DbErr> {
    Ok(ticket_of(conn, order_id)
        .await?
        .filter(|t| Scope::of_ctx(ctx).permits(t.customer_id)))
}

/// Whether an order's services are done: its services ticket is resolved
/// or closed, or it has none (no services).
pub(crate) async fn done<C: ConnectionTrait>(conn: &C, order_id: Uuid) -> Result<bool, DbErr> {
    Ok(ticket_of(conn, order_id)
        .await?
        .is_none_or(|t| is_done(t.status)))
}

/// The customer a guest order is attached to as it is paid, when it has
/// services: their ticket needs one (see `customers::for_guest`). `None`
/// for a customer's order or one without services.
pub(crate) async fn customer_for_guest(
    w: &mut Write<'_>,
    order: &sales_order::Model,
) -> Result<Option<Uuid>, DomainError> {
    if order.customer_id.is_some() || !has_services(w.conn(), order.id).await? {
        return Ok(None);
    }
    let guest = CustomerInput {
        name: order.contact_name.clone(),
        email: order.contact_email.clone(),
        phone: order.contact_phone.clone(),
        abn: order.customer_abn.clone(),
    };
    Ok(Some(customers::for_guest(w, &guest).await?.id))
}

/// Whether an order has SERVICE lines.
pub(crate) async fn has_services<C: ConnectionTrait>(
    conn: &C,
    order_id: Uuid,
) -> Result<bool, DbErr> {
    let services = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .filter(order_line::Column::Kind.eq(ProductKind::Service))
        .count(conn)
        .await?;
    Ok(services > 0)
}

/// Open a just-paid order's services ticket in the paying transaction (the
/// customer is told, as for any new ticket; a guest order has been given
/// its customer by [`customer_for_guest`]). Nothing for an order without
/// services, or when its ticket exists already (PAID is entered once; this
/// keeps it one ticket regardless).
pub(crate) async fn open_for(
    w: &mut Write<'_>,
    order: &sales_order::Model,
) -> Result<Option<ticket::Model>, DomainError> {
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::LineNo)
        .all(w.conn())
        .await?;
    let Some((subject, description)) = describe(&order.number, &lines) else {
        return Ok(None);
    };
    let Some(customer_id) = order.customer_id else {
        tracing::error!(order = %order.number, "a paid guest order with services has no customer; no ticket");
        return Ok(None);
    };
    if ticket_of(w.conn(), order.id).await?.is_some() {
        return Ok(None);
    }
    let valid = Valid {
        customer_id,
        subject,
        description,
        priority: TicketPriority::Medium,
        category: CATEGORY.to_owned(),
        order_id: Some(order.id),
        engagement_id: None,
    };
    Ok(Some(create(w, valid).await?))
}

/// A paid order was cancelled (in that transaction): its services will not
/// be done, so its services ticket, if still open or resolved, is closed.
pub(crate) async fn close_for_cancelled(
    w: &mut Write<'_>,
    order_id: Uuid,
) -> Result<(), DomainError> {
    let Some(open) = ticket_of(w.conn(), order_id).await? else {
        return Ok(());
    };
    let Some(before) = find_for_update::<ticket::Entity, _>(w.conn(), open.id).await? else {
        return Ok(());
    };
    if before.status == TicketStatus::Closed {
        return Ok(());
    }
    let to = ticket_state::apply(before.status, ticket_state::Event::Close)
        .map_err(|_| DomainError::internal("a ticket could not be closed"))?;
    super::move_to(w, &before, to, before.version).await?;
    Ok(())
}

/// A ticket was resolved or closed (in that transaction): when it is an
/// order's services ticket, the order is DELIVERED if its goods all are (an
/// order of services only has none), with all that delivery causes. A
/// ticket of an order past that (delivered, closed, cancelled: e.g. one
/// reopened and resolved again) changes nothing.
pub(crate) async fn on_ticket_done(
    w: &mut Write<'_>,
    t: &ticket::Model,
) -> Result<(), DomainError> {
    let Some(order_id) = t.order_id.filter(|_| is_done(t.status)) else {
        return Ok(());
    };
    if t.category != CATEGORY || ticket_of(w.conn(), order_id).await?.map(|o| o.id) != Some(t.id) {
        return Ok(());
    }
    let Some(order) = find_for_update::<sales_order::Entity, _>(w.conn(), order_id).await? else {
        return Ok(());
    };
    let now = w.now();
    let has_goods = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .all(w.conn())
        .await?
        .iter()
        .any(|l| l.kind == ProductKind::Goods);
    let goods_at = if has_goods {
        crate::fulfilment::goods_delivered_at(w.conn(), &order, now).await?
    } else {
        Some(now)
    };
    let event = Event::ServicesDone {
        goods_delivered: goods_at.is_some(),
    };
    // Illegal: the order is past delivery (or never got there).
    let Ok(OrderStatus::Delivered) = order_state::apply(order.status, event) else {
        return Ok(());
    };
    let goods_at = goods_at.unwrap_or(now);
    let calendar = SharedCalendar::load(w.conn()).await?.current();
    // Delivered when the later of its goods and its services was done.
    let delivered_at = std::cmp::max(goods_at, now);
    crate::fulfilment::deliver(w, &calendar, &order, delivered_at, goods_at).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(no: i32, kind: ProductKind, name: &str, quantity: i32) -> order_line::Model {
        order_line::Model {
            id: Uuid::nil(),
            order_id: Uuid::nil(),
            line_no: no,
            product_id: Uuid::nil(),
            sku: format!("SKU-{no}"),
            name: name.to_owned(),
            kind,
            tax_code: "TAXABLE".to_owned(),
            unit_price_cents: 10_000,
            quantity,
            discount_basis_points: 0,
            reserved_quantity: 0,
            drop_ship_po_id: None,
        }
    }

    #[test]
    fn a_services_ticket_lists_the_services_only() {
        let lines = [
            line(1, ProductKind::Goods, "Heat pump", 1),
            line(2, ProductKind::Service, "On-site installation", 1),
            line(3, ProductKind::Service, "Setup visit", 2),
        ];
        let (subject, description) = describe("SO-000123", &lines).unwrap();
        assert_eq!(subject, "Services for order SO-000123");
        assert_eq!(
            description,
            "Services ordered on SO-000123:\n1 × On-site installation\n2 × Setup visit"
        );
        assert_eq!(describe("SO-000124", &lines[..1]), None);
    }

    #[test]
    fn only_resolved_or_closed_tickets_are_done() {
        assert!(is_done(TicketStatus::Resolved));
        assert!(is_done(TicketStatus::Closed));
        for open in [
            TicketStatus::New,
            TicketStatus::Open,
            TicketStatus::WaitingOnCustomer,
            TicketStatus::WaitingOnThirdParty,
        ] {
            assert!(!is_done(open), "{open:?}");
        }
    }
}
