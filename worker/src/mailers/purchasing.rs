//! Purchasing's emails: the purchase order a supplier gets once it is
//! approved (the business, the lines at their ex-GST costs, subtotal, GST
//! and total, where to ship a drop-shipped order, and a request to confirm
//! by reply), the notice a supplier gets when a purchase order it was sent
//! is called off (why, and what not to supply or ship), and the good news a
//! customer gets when the goods their backordered order waits for arrived
//! (with the new delivery estimate, and honestly when that misses the date
//! they asked for). None carries a link.

use super::{Rendered, Source, formatted_abn, render_pair};
use apalis::prelude::BoxDynError;
use chrono::NaiveDate;
use domain::orders::{self, Order};
use domain::purchasing::{self, PurchaseOrder};
use domain::rules::money::Money;
use entity::{LateRisk, ProductKind, business_settings, party, product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

pub(super) const TEMPLATES: [(&str, &str); 6] = email_templates!(
    "purchase_order",
    "purchase_order_cancelled",
    "backorder_arrived"
);

/// The business as its emails sign off.
#[derive(Debug, Clone, Serialize)]
pub struct Business {
    pub name: String,
    /// Formatted, e.g. `51 824 753 556`.
    pub abn: Option<String>,
    /// The bare address mail comes from (and replies go to).
    pub email: String,
}

impl Business {
    pub fn of(settings: &business_settings::Model) -> Business {
        Business {
            name: settings.legal_name.clone(),
            abn: formatted_abn(settings.abn.as_deref()),
            email: address_of(&settings.mail_from),
        }
    }
}

/// The address of a mailbox like `Shop <orders@shop.com.au>`.
fn address_of(mailbox: &str) -> String {
    match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(open), Some(close)) if open < close => mailbox[open + 1..close].trim().to_owned(),
        _ => mailbox.trim().to_owned(),
    }
}

fn dollars(cents: i64) -> String {
    Money::from_cents(cents).dollars()
}

pub(super) fn day(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// One line of a purchase order as the supplier reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PoLineContext {
    pub line_no: i32,
    pub supplier_sku: String,
    pub name: String,
    pub quantity: i32,
    /// Ex-GST.
    pub unit_cost: String,
    /// Quantity times unit cost, ex-GST.
    pub line_total: String,
    /// No GST is charged on it.
    pub gst_free: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PurchaseOrderContext {
    pub subject: String,
    pub supplier_name: String,
    pub number: String,
    pub expected_on: Option<String>,
    pub lines: Vec<PoLineContext>,
    pub subtotal: String,
    pub gst: String,
    pub total: String,
    /// The supplier ships straight to the customer at `ship_to`.
    pub drop_ship: bool,
    /// The customer's address, a line each (a drop-shipped order; empty
    /// when the purchase order does not say).
    pub ship_to: Vec<String>,
    pub business: Business,
}

/// The purchase order email's context; `names` are the products' names by id.
pub fn purchase_order_context(
    po: &PurchaseOrder,
    supplier: &party::Model,
    names: &HashMap<Uuid, String>,
    business: Business,
) -> PurchaseOrderContext {
    let subtotal: i64 = po
        .lines
        .iter()
        .map(|l| l.unit_cost_cents * i64::from(l.quantity))
        .sum();
    let total = po.total_cents();
    let o = &po.order;
    PurchaseOrderContext {
        subject: format!("Purchase order {} from {}", o.number, business.name),
        supplier_name: supplier.name.clone(),
        number: o.number.clone(),
        expected_on: o.expected_on.map(day),
        lines: po
            .lines
            .iter()
            .map(|l| PoLineContext {
                line_no: l.line_no,
                supplier_sku: l.supplier_sku.clone(),
                name: names.get(&l.product_id).cloned().unwrap_or_default(),
                quantity: l.quantity,
                unit_cost: dollars(l.unit_cost_cents),
                line_total: dollars(l.unit_cost_cents * i64::from(l.quantity)),
                gst_free: l.tax_code != "TAXABLE",
            })
            .collect(),
        subtotal: dollars(subtotal),
        // The purchase order's own total decides; GST is what it adds.
        gst: dollars(total - subtotal),
        total: dollars(total),
        drop_ship: o.drop_ship,
        ship_to: o
            .ship_to
            .as_deref()
            .filter(|_| o.drop_ship)
            .map(|a| {
                a.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        business,
    }
}

pub fn purchase_order(ctx: &PurchaseOrderContext) -> Result<Rendered, minijinja::Error> {
    render_pair("purchase_order", ctx.subject.clone(), ctx)
}

/// What a supplier reads when a purchase order it was sent is called off.
#[derive(Debug, Clone, Serialize)]
pub struct PurchaseOrderCancelledContext {
    pub subject: String,
    pub supplier_name: String,
    pub number: String,
    /// Why, as the business recorded it.
    pub reason: Option<String>,
    /// It was to ship straight to a customer.
    pub drop_ship: bool,
    /// What not to supply: a line each, `quantity × SKU name`.
    pub lines: Vec<String>,
    pub business: Business,
}

/// The cancellation email's context; `names` are the products' names by id.
pub fn purchase_order_cancelled_context(
    po: &PurchaseOrder,
    supplier: &party::Model,
    names: &HashMap<Uuid, String>,
    business: Business,
) -> PurchaseOrderCancelledContext {
    let o = &po.order;
    PurchaseOrderCancelledContext {
        subject: format!(
            "Cancelled: purchase order {} from {}",
            o.number, business.name
        ),
        supplier_name: supplier.name.clone(),
        number: o.number.clone(),
        reason: o.status_reason.clone(),
        drop_ship: o.drop_ship,
        lines: po
            .lines
            .iter()
            .map(|l| {
                let name = names.get(&l.product_id).map(String::as_str).unwrap_or("");
                format!("{} × {} {}", l.quantity, l.supplier_sku, name)
                    .trim_end()
                    .to_owned()
            })
            .collect(),
        business,
    }
}

pub fn purchase_order_cancelled(
    ctx: &PurchaseOrderCancelledContext,
) -> Result<Rendered, minijinja::Error> {
    render_pair("purchase_order_cancelled", ctx.subject.clone(), ctx)
}

/// One item that arrived.
#[derive(Debug, Clone, Serialize)]
pub struct ItemContext {
    pub name: String,
    pub sku: String,
    pub quantity: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackorderArrivedContext {
    pub subject: String,
    pub name: String,
    pub number: String,
    /// The order it was split from, when it is the rest of another order.
    pub split_from: Option<String>,
    pub items: Vec<ItemContext>,
    /// The delivery date we now expect, when there is one.
    pub estimated_delivery: Option<String>,
    /// Said plainly when delivery is, or may be, later than they asked.
    pub lateness: Option<String>,
    pub business: Business,
}

/// What to say when the order is, or may be, later than the customer
/// asked: later when it is LATE or its estimate is past the required date,
/// possibly later when it is AT_RISK.
fn lateness(o: &entity::sales_order::Model) -> Option<String> {
    let required_by = day(o.required_delivery_date);
    let later = o.late_risk == LateRisk::Late
        || o.estimated_delivery
            .is_some_and(|e| e > o.required_delivery_date);
    let sorry = "We are sorry. If you no longer need the order, reply to this email and we will cancel it and refund you in full.";
    if later {
        Some(match o.estimated_delivery {
            Some(_) => format!("That is later than {required_by}, the date you asked for. {sorry}"),
            None => format!(
                "Your order will reach you later than {required_by}, the date you asked for. {sorry}"
            ),
        })
    } else if o.late_risk == LateRisk::AtRisk {
        Some(format!(
            "Your order may reach you later than {required_by}, the date you asked for. {sorry}"
        ))
    } else {
        None
    }
}

pub fn backorder_arrived_context(
    order: &Order,
    split_from: Option<String>,
    business: Business,
) -> BackorderArrivedContext {
    let o = &order.order;
    BackorderArrivedContext {
        subject: format!("Good news: the items for order {} have arrived", o.number),
        name: o.contact_name.clone(),
        number: o.number.clone(),
        split_from,
        items: order
            .lines
            .iter()
            .filter(|l| l.kind == ProductKind::Goods)
            .map(|l| ItemContext {
                name: l.name.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
            })
            .collect(),
        estimated_delivery: o.estimated_delivery.map(day),
        lateness: lateness(o),
        business,
    }
}

pub fn backorder_arrived(ctx: &BackorderArrivedContext) -> Result<Rendered, minijinja::Error> {
    render_pair("backorder_arrived", ctx.subject.clone(), ctx)
}

/// A purchase order email's purchase order (the notification's subject),
/// its supplier and its products' names by id.
async fn purchase_order_of(
    source: &Source<'_>,
) -> Result<(PurchaseOrder, party::Model, HashMap<Uuid, String>), BoxDynError> {
    let po = purchasing::find(source.db, source.n.subject_id)
        .await?
        .ok_or("purchase order of a purchase order email not found")?;
    let supplier = purchasing::supplier(source.db, po.order.supplier_id)
        .await?
        .ok_or("supplier of a purchase order email not found")?;
    let names: HashMap<Uuid, String> = product::Entity::find()
        .filter(product::Column::Id.is_in(po.lines.iter().map(|l| l.product_id)))
        .all(source.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok((po, supplier, names))
}

/// PURCHASE_ORDER: the notification's subject is the purchase order.
pub(super) async fn render_purchase_order(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let (po, supplier, names) = purchase_order_of(source).await?;
    let ctx = purchase_order_context(&po, &supplier, &names, Business::of(source.settings));
    Ok(purchase_order(&ctx)?)
}

/// PURCHASE_ORDER_CANCELLED: the notification's subject is the purchase order.
pub(super) async fn render_purchase_order_cancelled(
    source: &Source<'_>,
) -> Result<Rendered, BoxDynError> {
    let (po, supplier, names) = purchase_order_of(source).await?;
    let business = Business::of(source.settings);
    let ctx = purchase_order_cancelled_context(&po, &supplier, &names, business);
    Ok(purchase_order_cancelled(&ctx)?)
}

/// BACKORDER_ARRIVED: the notification's subject is the customer order.
pub(super) async fn render_backorder_arrived(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let order = orders::find(source.db, source.n.subject_id)
        .await?
        .ok_or("order of a backorder email not found")?;
    let split_from = match order.order.backorder_of {
        Some(id) => orders::find(source.db, id).await?.map(|o| o.order.number),
        None => None,
    };
    let ctx = backorder_arrived_context(&order, split_from, Business::of(source.settings));
    Ok(backorder_arrived(&ctx)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use entity::{
        OrderStatus, PartyKind, PurchaseOrderStatus, ShippingSpeed, purchase_order,
        purchase_order_line, sales_order,
    };

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-04T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    use super::super::fixtures::{business, order_line as line};

    fn po_line(
        no: i32,
        sku: &str,
        quantity: i32,
        cost: i64,
        tax: &str,
    ) -> purchase_order_line::Model {
        purchase_order_line::Model {
            id: Uuid::from_u128(100 + no as u128),
            purchase_order_id: Uuid::from_u128(1),
            line_no: no,
            product_id: Uuid::from_u128(200 + no as u128),
            supplier_sku: sku.into(),
            quantity,
            received_quantity: 0,
            unit_cost_cents: cost,
            tax_code: tax.into(),
        }
    }

    fn po() -> PurchaseOrder {
        PurchaseOrder {
            order: purchase_order::Model {
                id: Uuid::from_u128(1),
                number: "PO-000007".into(),
                supplier_id: Uuid::from_u128(2),
                status: PurchaseOrderStatus::Sent,
                expected_on: NaiveDate::from_ymd_opt(2026, 12, 18),
                approval_id: None,
                source_order_id: None,
                source_task_id: None,
                status_reason: None,
                sent_at: Some(at()),
                drop_ship: false,
                ship_to: None,
                created_by: "u1".into(),
                version: 2,
                created_at: at(),
                updated_at: at(),
            },
            lines: vec![
                // 3 x $10.05 = $30.15, GST $3.02 (rounded half up).
                po_line(1, "ACME-<CH>-01", 3, 1005, "TAXABLE"),
                po_line(2, "ACME-TEA", 10, 450, "GST_FREE"),
                po_line(3, "ACME-LMP", 1, 8999, "TAXABLE"),
            ],
        }
    }

    fn supplier() -> party::Model {
        party::Model {
            id: Uuid::from_u128(2),
            kind: PartyKind::Supplier,
            name: "Acme <Wholesale> & Sons".into(),
            search_text: String::new(),
            email: Some("sales@acme.example.com.au".into()),
            phone: None,
            abn: None,
            drop_ships: false,
            version: 1,
            created_at: at(),
            updated_at: at(),
        }
    }

    fn names() -> HashMap<Uuid, String> {
        HashMap::from([
            (Uuid::from_u128(201), "Oak \"dining\" chair".to_owned()),
            (Uuid::from_u128(202), "Green tea".to_owned()),
            (Uuid::from_u128(203), "Desk lamp".to_owned()),
        ])
    }

    #[test]
    fn a_mailbox_gives_its_address() {
        assert_eq!(
            address_of("Shop <orders@shop.com.au>"),
            "orders@shop.com.au"
        );
        assert_eq!(address_of(" orders@shop.com.au "), "orders@shop.com.au");
    }

    #[test]
    fn the_purchase_order_adds_up_to_its_own_total() {
        let po = po();
        let ctx = purchase_order_context(&po, &supplier(), &names(), business());
        // 30.15 + 45.00 + 89.99 ex-GST; GST 3.02 + 0 + 9.00 (rounded per line).
        assert_eq!(ctx.subtotal, "$165.14");
        assert_eq!(ctx.gst, "$12.02");
        assert_eq!(ctx.total, "$177.16");
        assert_eq!(ctx.total, dollars(po.total_cents()));
        assert_eq!(ctx.lines[0].line_total, "$30.15");
        assert_eq!(ctx.lines[1].line_total, "$45.00");
        assert!(ctx.lines[1].gst_free && !ctx.lines[0].gst_free);
        assert_eq!(ctx.expected_on.as_deref(), Some("Friday 18 December 2026"));
        assert_eq!(
            ctx.subject,
            "Purchase order PO-000007 from Harbour & Co Homewares"
        );
    }

    #[test]
    fn the_purchase_order_email_lists_the_lines_escapes_html_and_asks_for_confirmation() {
        let ctx = purchase_order_context(&po(), &supplier(), &names(), business());
        let rendered = purchase_order(&ctx).unwrap();
        let html = &rendered.html;
        assert!(html.contains("Acme &lt;Wholesale&gt; &amp; Sons"), "{html}");
        assert!(html.contains("ACME-&lt;CH&gt;-01"));
        assert!(html.contains("Oak &quot;dining&quot; chair"));
        assert!(html.contains("Harbour &amp; Co Homewares"));
        assert!(!html.contains("<Wholesale>") && !html.contains("<CH>"));
        assert!(!html.contains("href"));
        for body in [html, &rendered.text] {
            assert!(body.contains("PO-000007"));
            assert!(body.contains("Friday 18 December 2026"));
            assert!(body.contains("ABN 51 824 753 556"));
            assert!(body.contains("orders@harbour.example.com.au"));
            assert!(body.contains("$165.14"));
            assert!(body.contains("$12.02"));
            assert!(body.contains("$177.16"));
            assert!(body.contains("$10.05"));
            assert!(body.contains("Please confirm"));
        }
        let text = &rendered.text;
        assert!(text.contains("Acme <Wholesale> & Sons"));
        assert!(
            text.contains("1. ACME-<CH>-01 Oak \"dining\" chair: 3 x $10.05 = $30.15"),
            "{text}"
        );
        assert!(text.contains("GST-free"));
        assert!(!text.contains("http"));
    }

    #[test]
    fn a_purchase_order_without_an_expected_date_asks_for_one() {
        let mut po = po();
        po.order.expected_on = None;
        let rendered = purchase_order(&purchase_order_context(
            &po,
            &supplier(),
            &names(),
            business(),
        ))
        .unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("let us know when you can deliver"), "{body}");
        }
    }

    #[test]
    fn a_cancelled_purchase_order_says_why_and_what_not_to_supply_or_ship() {
        let mut po = po();
        po.order.status = PurchaseOrderStatus::Cancelled;
        po.order.status_reason = Some("the customer order SO-000031 was cancelled".into());
        po.order.drop_ship = true;
        let ctx = purchase_order_cancelled_context(&po, &supplier(), &names(), business());
        let rendered = purchase_order_cancelled(&ctx).unwrap();
        assert_eq!(
            rendered.subject,
            "Cancelled: purchase order PO-000007 from Harbour & Co Homewares"
        );
        let html = &rendered.html;
        assert!(html.contains("Acme &lt;Wholesale&gt; &amp; Sons"), "{html}");
        assert!(html.contains("3 × ACME-&lt;CH&gt;-01 Oak &quot;dining&quot; chair"));
        assert!(!html.contains("href"));
        for body in [html, &rendered.text] {
            assert!(body.contains("PO-000007 is cancelled"), "{body}");
            assert!(body.contains("the customer order SO-000031 was cancelled"));
            assert!(body.contains("do not supply or ship"));
            assert!(body.contains("do not send anything to our customer"));
            assert!(body.contains("10 × ACME-TEA Green tea"));
            assert!(body.contains("reply to this email today"));
            assert!(body.contains("ABN 51 824 753 556"));
        }
        assert!(!rendered.text.contains("http"));

        // One for our own warehouse says nothing of customers.
        po.order.drop_ship = false;
        po.order.status_reason = Some("we no longer need them".into());
        let ctx = purchase_order_cancelled_context(&po, &supplier(), &names(), business());
        let own = purchase_order_cancelled(&ctx).unwrap();
        assert!(own.text.contains("Please do not supply the goods below"));
        assert!(!own.text.contains("customer"), "{}", own.text);
        if let Some(dir) = std::env::var_os("RENDER_EMAILS") {
            let dir = std::path::PathBuf::from(dir);
            std::fs::write(dir.join("po_cancelled.html"), rendered.html).unwrap();
        }
    }

    fn backorder() -> Order {
        Order {
            order: sales_order::Model {
                id: Uuid::from_u128(30),
                number: "SO-000031".into(),
                status: OrderStatus::Backordered,
                required_delivery_date: NaiveDate::from_ymd_opt(2026, 12, 18).unwrap(),
                shipping_speed: ShippingSpeed::Standard,
                shipping_cents: 0,
                total_cents: 38985,
                backorder_of: Some(Uuid::from_u128(29)),
                replacement_of: None,
                created_at: at(),
                updated_at: at(),
                ..super::super::fixtures::sales_order()
            },
            lines: vec![
                line(1, "CHAIR-01", "Oak <dining> chair", ProductKind::Goods, 2),
                line(2, "INSTALL", "Assembly service", ProductKind::Service, 1),
                line(3, "LAMP-02", "Desk lamp", ProductKind::Goods, 1),
            ],
        }
    }

    #[test]
    fn the_backorder_email_lists_the_goods_escapes_html_and_says_what_happens_next() {
        let ctx = backorder_arrived_context(&backorder(), Some("SO-000030".into()), business());
        assert_eq!(ctx.items.len(), 2, "services are not waited for");
        let rendered = backorder_arrived(&ctx).unwrap();
        assert_eq!(
            rendered.subject,
            "Good news: the items for order SO-000031 have arrived"
        );
        let html = &rendered.html;
        assert!(html.contains("Tom &amp; &lt;Jerry&gt;"), "{html}");
        assert!(html.contains("Oak &lt;dining&gt; chair"));
        assert!(!html.contains("<Jerry>") && !html.contains("<dining>"));
        assert!(!html.contains("href"));
        for body in [html, &rendered.text] {
            assert!(body.contains("Good news"));
            assert!(body.contains("SO-000031"));
            assert!(body.contains("SO-000030"));
            assert!(body.contains("Desk lamp"));
            assert!(!body.contains("Assembly service"));
            assert!(body.contains("reserving"));
            assert!(body.contains("tax invoice"));
            assert!(body.contains("tracking"));
            assert!(body.contains("ABN 51 824 753 556"));
        }
        assert!(rendered.text.contains("2 x Oak <dining> chair (CHAIR-01)"));
        assert!(!rendered.text.contains("http"));

        let alone =
            backorder_arrived(&backorder_arrived_context(&backorder(), None, business())).unwrap();
        assert!(!alone.text.contains("split"));
    }

    #[test]
    fn a_drop_shipped_purchase_order_says_where_to_ship_line_by_line() {
        let mut po = po();
        po.order.drop_ship = true;
        po.order.ship_to = Some(
            "Tom & <Jerry>\n1 George St\r\nLevel 3\n\nSydney NSW 2000\nAU\n0400 000 000".into(),
        );
        let ctx = purchase_order_context(&po, &supplier(), &names(), business());
        assert_eq!(
            ctx.ship_to,
            [
                "Tom & <Jerry>",
                "1 George St",
                "Level 3",
                "Sydney NSW 2000",
                "AU",
                "0400 000 000"
            ]
        );
        let rendered = purchase_order(&ctx).unwrap();
        let html = &rendered.html;
        assert!(
            html.contains("Tom &amp; &lt;Jerry&gt;<br>1 George St<br>Level 3<br>Sydney NSW 2000<br>AU<br>0400 000 000"),
            "{html}"
        );
        assert!(!html.contains("<Jerry>"));
        for body in [html, &rendered.text] {
            assert!(body.contains("not to our warehouse"), "{body}");
            assert!(!body.contains("address is missing"));
        }
        assert!(html.contains("Ship directly to the customer"));
        let text = &rendered.text;
        assert!(text.contains("SHIP DIRECTLY TO THE CUSTOMER"));
        assert!(
            text.contains("    Tom & <Jerry>\n    1 George St\n    Level 3\n    Sydney NSW 2000\n"),
            "{text}"
        );
        // The block comes before the lines it is about.
        assert!(text.find("SHIP DIRECTLY").unwrap() < text.find("ACME-TEA").unwrap());
    }

    #[test]
    fn a_drop_shipped_purchase_order_without_an_address_asks_for_it_and_others_say_nothing() {
        let mut missing = po();
        missing.order.drop_ship = true;
        let ctx = purchase_order_context(&missing, &supplier(), &names(), business());
        let rendered = purchase_order(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("address is missing"), "{body}");
        }
        // An address on a purchase order that is not drop-shipped is not shown.
        let mut plain = po();
        plain.order.ship_to = Some("1 George St".into());
        let ctx = purchase_order_context(&plain, &supplier(), &names(), business());
        assert!(ctx.ship_to.is_empty());
        let rendered = purchase_order(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(!body.contains("George St"), "{body}");
            assert!(!body.to_lowercase().contains("ship directly"));
        }
    }

    fn with(estimate: Option<(i32, u32, u32)>, late_risk: LateRisk) -> Rendered {
        let mut order = backorder();
        order.order.estimated_delivery =
            estimate.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
        order.order.late_risk = late_risk;
        backorder_arrived(&backorder_arrived_context(&order, None, business())).unwrap()
    }

    #[test]
    fn the_backorder_email_gives_the_new_estimate_and_on_track_makes_no_apology() {
        let rendered = with(Some((2026, 12, 16)), LateRisk::OnTrack);
        for body in [&rendered.html, &rendered.text] {
            assert!(
                body.contains("We now expect to deliver your order by"),
                "{body}"
            );
            assert!(body.contains("Wednesday 16 December 2026"));
            assert!(!body.contains("asked for") && !body.contains("sorry"));
        }
        let none = with(None, LateRisk::OnTrack);
        for body in [&none.html, &none.text] {
            assert!(!body.contains("expect to deliver") && !body.contains("asked for"));
        }
    }

    #[test]
    fn a_late_backorder_says_honestly_it_is_later_than_asked() {
        // Asked for Friday 18 December; now expected Tuesday 22 December.
        let late = with(Some((2026, 12, 22)), LateRisk::Late);
        let at_risk_but_later = with(Some((2026, 12, 22)), LateRisk::AtRisk);
        for rendered in [&late, &at_risk_but_later] {
            for body in [&rendered.html, &rendered.text] {
                assert!(body.contains("Tuesday 22 December 2026"), "{body}");
                assert!(
                    body.contains(
                        "That is later than Friday 18 December 2026, the date you asked for."
                    ),
                    "{body}"
                );
                assert!(body.contains("cancel it and refund you in full"));
            }
        }
        let no_estimate = with(None, LateRisk::Late);
        assert!(no_estimate.text.contains(
            "Your order will reach you later than Friday 18 December 2026, the date you asked for."
        ));
        // At risk with an estimate still on time: it may be later, not it is.
        let may = with(Some((2026, 12, 18)), LateRisk::AtRisk);
        for body in [&may.html, &may.text] {
            assert!(
                body.contains(
                    "Your order may reach you later than Friday 18 December 2026, the date you asked for."
                ),
                "{body}"
            );
            assert!(!body.contains("That is later"));
        }
    }
}
