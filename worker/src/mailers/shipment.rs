//! The emails a customer gets about a package on its way: shipped, out for
//! delivery, a failed delivery attempt, a problem (exception), a delay and
//! delivery (with the warranty against defects the ACL requires). One
//! template pair serves all six; each carries one link, the signed public
//! tracking page.

use super::purchasing::day;
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::fulfilment::{self, Shipment, couriers};
use domain::orders::{self, Order};
use domain::platform::links::LinkPurpose;
use domain::rules::calendar::local_moment;
use domain::rules::remedies::WARRANTY_AGAINST_DEFECTS;
use entity::{
    CourierCode, NotificationKind, TrackingStatus, TrackingSubStatus, tracking_checkpoint,
};
use serde::Serialize;
use uuid::Uuid;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("shipment");

/// Which shipment email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum News {
    Shipped,
    OutForDelivery,
    AttemptFailed,
    Exception,
    Delayed,
    Delivered,
}

impl News {
    /// The shipment email a notification kind stands for, if it is one.
    pub fn of(kind: NotificationKind) -> Option<News> {
        Some(match kind {
            NotificationKind::ShipmentShipped => News::Shipped,
            NotificationKind::ShipmentOutForDelivery => News::OutForDelivery,
            NotificationKind::ShipmentAttemptFailed => News::AttemptFailed,
            NotificationKind::ShipmentException => News::Exception,
            NotificationKind::ShipmentDelayed => News::Delayed,
            NotificationKind::ShipmentDelivered => News::Delivered,
            _ => return None,
        })
    }
}

/// One line of what a package holds.
#[derive(Debug, Clone, Serialize)]
pub struct ItemContext {
    pub name: String,
    pub sku: String,
    pub quantity: i32,
}

/// What the courier last reported (problems and failed attempts).
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointContext {
    pub at: String,
    pub location: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShipmentContext {
    pub subject: String,
    pub heading: String,
    pub name: String,
    /// What happened.
    pub situation: String,
    /// What happens next.
    pub next: String,
    pub order_number: String,
    pub package_number: String,
    pub courier: String,
    pub tracking_number: Option<String>,
    pub estimated_delivery: Option<String>,
    pub delivered_at: Option<String>,
    pub checkpoint: Option<CheckpointContext>,
    /// What the package holds (the shipped email only).
    pub items: Vec<ItemContext>,
    /// The signed public tracking page.
    pub link: String,
    /// The warranty against defects (the delivered email only).
    pub warranty: Option<&'static str>,
    pub business_name: String,
}

/// The configured name of a courier (as shipped).
fn courier_name(code: Option<CourierCode>) -> Option<String> {
    let code = code?;
    couriers::defaults()
        .into_iter()
        .find(|c| c.code == code)
        .map(|c| c.name)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The latest checkpoint of `status`.
fn latest_of(shipment: &Shipment, status: TrackingStatus) -> Option<&tracking_checkpoint::Model> {
    shipment
        .checkpoints
        .iter()
        .filter(|c| c.status == status)
        .max_by(|a, b| (a.occurred_at, &a.raw_code).cmp(&(b.occurred_at, &b.raw_code)))
}

fn checkpoint_context(c: &tracking_checkpoint::Model) -> CheckpointContext {
    CheckpointContext {
        at: local_moment(c.occurred_at),
        location: c.location.clone().filter(|l| !l.trim().is_empty()),
        message: c.message.clone(),
    }
}

/// What a package holds, one entry per order line (in line order).
fn items(order: &Order, shipment: &Shipment) -> Vec<ItemContext> {
    let mut by_line: Vec<(Uuid, i32)> = Vec::new();
    for item in &shipment.items {
        match by_line.iter_mut().find(|(id, _)| *id == item.order_line_id) {
            Some((_, quantity)) => *quantity += item.quantity,
            None => by_line.push((item.order_line_id, item.quantity)),
        }
    }
    let mut out: Vec<(i32, ItemContext)> = by_line
        .into_iter()
        .map(|(id, quantity)| {
            let line = order.lines.iter().find(|l| l.id == id);
            (
                line.map_or(i32::MAX, |l| l.line_no),
                ItemContext {
                    name: line.map_or_else(|| "Item".to_owned(), |l| l.name.clone()),
                    sku: line.map(|l| l.sku.clone()).unwrap_or_default(),
                    quantity,
                },
            )
        })
        .collect();
    out.sort_by_key(|(line_no, _)| *line_no);
    out.into_iter().map(|(_, i)| i).collect()
}

/// The email about `news` of `shipment` (a package of `order`); `link` is
/// its signed tracking page.
pub fn context(
    news: News,
    order: &Order,
    shipment: &Shipment,
    business_name: &str,
    link: String,
) -> ShipmentContext {
    let o = &order.order;
    let s = &shipment.shipment;
    let number = &o.number;
    let package = &s.number;
    let named = courier_name(s.courier);
    let courier = named.clone().unwrap_or_else(|| "the courier".to_owned());
    let estimate = s.estimated_delivery.map(day);
    let mut checkpoint = None;
    let mut estimated_delivery = None;
    let mut delivered_at = None;
    let mut shipped_items = Vec::new();
    let mut warranty = None;

    let (subject, heading, situation, next) = match news {
        News::Shipped => {
            shipped_items = items(order, shipment);
            estimated_delivery.clone_from(&estimate);
            let next = match &estimate {
                Some(date) => format!(
                    "{} expects to deliver it on {date}. We will email you when it is out for delivery.",
                    capitalised(&courier)
                ),
                None => format!(
                    "{} will give a delivery date once it has scanned the package; the tracking page shows it as soon as it does. We will email you when it is out for delivery.",
                    capitalised(&courier)
                ),
            };
            (
                format!("Your order {number} is on its way"),
                "Your order is on its way".to_owned(),
                format!(
                    "Package {package} of order {number} is with {courier} and on its way to you."
                ),
                next,
            )
        }
        News::OutForDelivery => {
            let next = if o.authority_to_leave {
                "you gave authority to leave, so if nobody is home the driver may leave the package in a safe place at the delivery address.".to_owned()
            } else {
                "someone needs to be there to receive it. If nobody is home, the courier will leave a card saying how to collect it or rearrange delivery.".to_owned()
            };
            (
                format!("Your order {number} arrives today"),
                "Your package arrives today".to_owned(),
                format!(
                    "Package {package} of order {number} is out for delivery with {courier} and should arrive today."
                ),
                next,
            )
        }
        News::AttemptFailed => {
            let attempt = latest_of(shipment, TrackingStatus::AttemptFail);
            checkpoint = attempt.map(checkpoint_context);
            (
                format!("We missed you: order {number} could not be delivered"),
                "The courier could not deliver your package".to_owned(),
                format!("{} tried to deliver package {package} of order {number} but could not.", capitalised(&courier)),
                "the courier will try again on the next business day, or leave a card saying where to collect the package. To rearrange delivery, reply to this email and we will arrange it with the courier.".to_owned(),
            )
        }
        News::Exception => {
            let problem = latest_of(shipment, TrackingStatus::Exception)
                .or_else(|| shipment.checkpoints.last());
            checkpoint = problem.map(checkpoint_context);
            let sub_status = problem
                .filter(|c| c.status == TrackingStatus::Exception)
                .and_then(|c| c.sub_status)
                .or(s.sub_status);
            let (situation, next) = match sub_status {
                Some(TrackingSubStatus::BadAddress) => (
                    format!("{} could not deliver package {package} of order {number}: it could not find the delivery address, or the address is incomplete.", capitalised(&courier)),
                    "please reply to this email with the correct address (with any unit number and the postcode) and we will pass it to the courier.".to_owned(),
                ),
                Some(TrackingSubStatus::Damaged) => (
                    format!("Package {package} of order {number} was damaged in transit."),
                    "we will check with the courier what was damaged. If anything in it is damaged or does not work, we will replace it at no cost to you. You do not need to do anything now.".to_owned(),
                ),
                Some(TrackingSubStatus::Lost) => (
                    format!("{} cannot find package {package} of order {number}.", capitalised(&courier)),
                    "we are investigating with the courier. If the package is not found, we will send you a replacement or refund you in full, and we will email you either way. You do not need to do anything.".to_owned(),
                ),
                Some(TrackingSubStatus::Returning) => (
                    format!("Package {package} of order {number} is being returned to us by {courier}."),
                    "once it is back with us, we will contact you to arrange delivery again or a refund.".to_owned(),
                ),
                _ => (
                    format!("{} reported a problem with package {package} of order {number}.", capitalised(&courier)),
                    "we are looking into it with the courier and will email you when we know more. If you have a question, reply to this email.".to_owned(),
                ),
            };
            (
                format!("A problem with the delivery of order {number}"),
                "There is a problem with your delivery".to_owned(),
                situation,
                next,
            )
        }
        News::Delayed => {
            estimated_delivery.clone_from(&estimate);
            let new_date = match &estimate {
                Some(date) => format!(
                    "{} now expects to deliver it on {date}.",
                    capitalised(&courier)
                ),
                None => format!(
                    "{} has not given a new delivery date yet.",
                    capitalised(&courier)
                ),
            };
            (
                format!("Order {number} is delayed"),
                "Your package is running late".to_owned(),
                format!("We are sorry: package {package} of order {number} is running later than expected. {new_date}"),
                "you do not need to do anything. We will email you when it is out for delivery, and the tracking page shows the latest.".to_owned(),
            )
        }
        News::Delivered => {
            warranty = Some(WARRANTY_AGAINST_DEFECTS);
            let delivered = latest_of(shipment, TrackingStatus::Delivered);
            let at = s.delivered_at.or(delivered.map(|c| c.occurred_at));
            delivered_at = at.map(local_moment);
            let when = at
                .map(|t| format!(" on {}", local_moment(t)))
                .unwrap_or_default();
            let how = match delivered.and_then(|c| c.sub_status).or(s.sub_status) {
                Some(TrackingSubStatus::LeftSafe) => {
                    ", leaving it in a safe place at the delivery address"
                }
                Some(TrackingSubStatus::SignedFor) => "; it was signed for",
                Some(TrackingSubStatus::Collected) => "; it was collected",
                _ => "",
            };
            (
                format!("Your order {number} has been delivered"),
                "Your package has been delivered".to_owned(),
                format!("{} delivered package {package} of order {number}{when}{how}.", capitalised(&courier)),
                "you do not need to do anything. If anything is missing, damaged or not as you expected, reply to this email and we will put it right.".to_owned(),
            )
        }
    };
    ShipmentContext {
        subject,
        heading,
        name: o.contact_name.clone(),
        situation,
        next,
        order_number: number.clone(),
        package_number: package.clone(),
        courier: named.unwrap_or_else(|| "Not yet assigned".to_owned()),
        tracking_number: s.tracking_number.clone(),
        estimated_delivery,
        delivered_at,
        checkpoint,
        items: shipped_items,
        link,
        warranty,
        business_name: business_name.to_owned(),
    }
}

pub fn notice(ctx: &ShipmentContext) -> Result<Rendered, minijinja::Error> {
    render_pair("shipment", ctx.subject.clone(), ctx)
}

pub(super) async fn render(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let news = News::of(source.n.kind).ok_or("not a shipment email")?;
    let shipment = fulfilment::find(source.db, source.n.subject_id)
        .await?
        .ok_or("package of a shipment email not found")?;
    let order = orders::find(source.db, shipment.shipment.order_id)
        .await?
        .ok_or("order of a shipment email not found")?;
    let link = source
        .links
        .url(LinkPurpose::Tracking, shipment.shipment.id);
    Ok(notice(&context(
        news,
        &order,
        &shipment,
        &source.settings.legal_name,
        link,
    ))?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::utc;
    use super::*;
    use chrono::NaiveDate;
    use entity::{
        ProductKind, ShipmentStage, ShippingSpeed, order_line, sales_order, shipment, shipment_item,
    };

    const LINK: &str = "https://shop.example.com.au/links/tracking/abc";

    fn order(authority_to_leave: bool) -> Order {
        let id = Uuid::from_u128(1);
        Order {
            order: sales_order::Model {
                id,
                authority_to_leave,
                ..super::super::fixtures::sales_order()
            },
            lines: vec![order_line::Model {
                id: Uuid::from_u128(2),
                order_id: id,
                line_no: 1,
                product_id: Uuid::from_u128(3),
                sku: "CHAIR-01".into(),
                name: "Oak <dining> chair".into(),
                kind: ProductKind::Goods,
                tax_code: "TAXABLE".into(),
                unit_price_cents: 12995,
                quantity: 2,
                discount_basis_points: 0,
                reserved_quantity: 2,
                drop_ship_po_id: None,
            }],
        }
    }

    fn checkpoint(
        at: &str,
        status: TrackingStatus,
        sub_status: Option<TrackingSubStatus>,
        location: &str,
        message: &str,
    ) -> tracking_checkpoint::Model {
        tracking_checkpoint::Model {
            id: Uuid::now_v7(),
            shipment_id: Uuid::from_u128(10),
            occurred_at: utc(at),
            status,
            sub_status,
            location: Some(location.into()),
            message: message.into(),
            raw_code: message.into(),
            recorded_at: utc(at),
        }
    }

    /// A package whose courier reported one checkpoint, its status now.
    fn reported(
        at: &str,
        status: TrackingStatus,
        sub_status: Option<TrackingSubStatus>,
        location: &str,
        message: &str,
    ) -> Shipment {
        let only = checkpoint(at, status, sub_status, location, message);
        package(status, sub_status, vec![only])
    }

    fn package(
        status: TrackingStatus,
        sub_status: Option<TrackingSubStatus>,
        checkpoints: Vec<tracking_checkpoint::Model>,
    ) -> Shipment {
        let at = utc("2026-11-23T00:00:00Z");
        Shipment {
            shipment: shipment::Model {
                id: Uuid::from_u128(10),
                number: "SO-000012-1".into(),
                order_id: Uuid::from_u128(1),
                location_id: Some(Uuid::from_u128(20)),
                purchase_order_id: None,
                stage: ShipmentStage::PickedUp,
                weight_grams: 5200,
                length_mm: None,
                width_mm: None,
                height_mm: None,
                courier: Some(CourierCode::B),
                service_level: Some(ShippingSpeed::Express),
                tracking_number: Some("SIMB1A2B3C".into()),
                label_reference: None,
                label_data: None,
                tracking_status: status,
                sub_status,
                estimated_delivery: NaiveDate::from_ymd_opt(2026, 11, 25),
                picked_up_at: Some(at),
                delivered_at: (status == TrackingStatus::Delivered)
                    .then(|| utc("2026-11-25T03:15:00Z")),
                last_news_at: Some(at),
                poll_failures: 0,
                next_poll_at: None,
                packed_by: "staff".into(),
                version: 1,
                created_at: at,
                updated_at: at,
            },
            items: vec![shipment_item::Model {
                id: Uuid::from_u128(11),
                shipment_id: Uuid::from_u128(10),
                order_line_id: Uuid::from_u128(2),
                allocation_id: Some(Uuid::from_u128(12)),
                stock_level_id: Some(Uuid::from_u128(13)),
                batch_code: String::new(),
                quantity: 2,
                serials: "[]".into(),
            }],
            checkpoints,
        }
    }

    fn email(news: News, shipment: &Shipment, authority_to_leave: bool) -> Rendered {
        let ctx = context(
            news,
            &order(authority_to_leave),
            shipment,
            "Harbour Homewares",
            LINK.into(),
        );
        notice(&ctx).unwrap()
    }

    /// Every email carries exactly one link: the tracking page.
    fn assert_tracking_link_only(rendered: &Rendered) {
        let escaped = LINK.replace('/', "&#x2f;");
        assert!(rendered.html.contains(&format!("href=\"{escaped}\"")));
        assert_eq!(rendered.html.matches("href=").count(), 1);
        assert!(rendered.html.contains("Track your package"));
        assert!(rendered.text.contains(LINK));
        assert_eq!(rendered.text.matches("https://").count(), 1);
    }

    #[test]
    fn the_shipped_email_names_the_courier_tracking_number_date_and_contents() {
        let rendered = email(
            News::Shipped,
            &package(TrackingStatus::InTransit, None, vec![]),
            false,
        );
        assert_eq!(rendered.subject, "Your order SO-000012 is on its way");
        assert_tracking_link_only(&rendered);
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("Harbour Couriers"));
            assert!(body.contains("SIMB1A2B3C"));
            assert!(body.contains("Wednesday 25 November 2026"));
            assert!(body.contains("CHAIR-01"));
            assert!(!body.contains("Australian Consumer Law"));
        }
        assert!(rendered.text.contains("2 x Oak <dining> chair (CHAIR-01)"));
        assert!(rendered.html.contains("Oak &lt;dining&gt; chair"));
    }

    #[test]
    fn the_html_escapes_what_it_inserts() {
        let rendered = email(
            News::Shipped,
            &package(TrackingStatus::InTransit, None, vec![]),
            false,
        );
        assert!(rendered.html.contains("Tom &amp; &lt;Jerry&gt;"));
        assert!(!rendered.html.contains("<Jerry>"));
        assert!(rendered.text.contains("Tom & <Jerry>"));
    }

    #[test]
    fn out_for_delivery_mentions_authority_to_leave_only_when_given() {
        let s = package(TrackingStatus::OutForDelivery, None, vec![]);
        let left = email(News::OutForDelivery, &s, true);
        assert_tracking_link_only(&left);
        assert!(left.subject.contains("arrives today"));
        assert!(left.text.contains("authority to leave"));
        let kept = email(News::OutForDelivery, &s, false);
        assert!(!kept.text.contains("authority to leave"));
        assert!(kept.text.contains("leave a card"));
    }

    #[test]
    fn a_failed_attempt_says_what_happens_next() {
        let s = reported(
            "2026-11-25T03:00:00Z",
            TrackingStatus::AttemptFail,
            Some(TrackingSubStatus::NoOneHome),
            "Local depot",
            "Delivery attempted; nobody home",
        );
        let rendered = email(News::AttemptFailed, &s, false);
        assert_tracking_link_only(&rendered);
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("next business day"));
            assert!(body.contains("reply to this email"));
            assert!(body.contains("Delivery attempted; nobody home"));
            // 03:00 UTC is 2 pm in Sydney daylight time.
            assert!(body.contains("Wednesday 25 November 2026 at 2:00 pm AEDT"));
        }
    }

    #[test]
    fn an_exception_says_what_we_do_about_its_kind() {
        let cases = [
            (
                Some(TrackingSubStatus::BadAddress),
                "with the correct address",
            ),
            (Some(TrackingSubStatus::Damaged), "replace it at no cost"),
            (
                Some(TrackingSubStatus::Lost),
                "investigating with the courier",
            ),
            (Some(TrackingSubStatus::Returning), "we will contact you"),
            (None, "looking into it with the courier"),
        ];
        for (sub_status, expected) in cases {
            let s = package(
                TrackingStatus::Exception,
                sub_status,
                vec![
                    checkpoint(
                        "2026-11-23T01:00:00Z",
                        TrackingStatus::InTransit,
                        None,
                        "Sender depot",
                        "Picked up",
                    ),
                    checkpoint(
                        "2026-11-24T01:00:00Z",
                        TrackingStatus::Exception,
                        sub_status,
                        "Sorting <facility>",
                        "Parcel needs attention",
                    ),
                ],
            );
            let rendered = email(News::Exception, &s, false);
            assert_tracking_link_only(&rendered);
            for body in [&rendered.html, &rendered.text] {
                assert!(body.contains(expected), "{sub_status:?}: {body}");
                assert!(body.contains("Parcel needs attention"));
            }
            assert!(rendered.text.contains("Sorting <facility>"));
            assert!(rendered.html.contains("Sorting &lt;facility&gt;"));
        }
    }

    #[test]
    fn a_delay_gives_the_new_date_and_apologises() {
        let rendered = email(
            News::Delayed,
            &package(TrackingStatus::InTransit, None, vec![]),
            false,
        );
        assert_tracking_link_only(&rendered);
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("We are sorry"));
            assert!(body.contains("Wednesday 25 November 2026"));
        }
    }

    #[test]
    fn delivery_gives_the_sydney_time_and_the_warranty() {
        let s = reported(
            "2026-11-25T03:15:00Z",
            TrackingStatus::Delivered,
            Some(TrackingSubStatus::LeftSafe),
            "Delivery address",
            "Delivered",
        );
        let rendered = email(News::Delivered, &s, true);
        assert_eq!(rendered.subject, "Your order SO-000012 has been delivered");
        assert_tracking_link_only(&rendered);
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("Wednesday 25 November 2026 at 2:15 pm AEDT"));
            assert!(body.contains("safe place"));
        }
        assert!(rendered.text.contains(WARRANTY_AGAINST_DEFECTS));
        assert!(rendered.html.contains(WARRANTY_AGAINST_DEFECTS));
    }

    #[test]
    fn every_shipment_kind_is_routed_here() {
        for kind in [
            NotificationKind::ShipmentShipped,
            NotificationKind::ShipmentOutForDelivery,
            NotificationKind::ShipmentAttemptFailed,
            NotificationKind::ShipmentException,
            NotificationKind::ShipmentDelayed,
            NotificationKind::ShipmentDelivered,
        ] {
            assert!(News::of(kind).is_some(), "{kind:?}");
        }
        assert_eq!(News::of(NotificationKind::InvoiceIssued), None);
    }
}
