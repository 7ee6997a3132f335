//! Closeout's emails:
//!
//! - WARRANTY_RENEWAL (commercial, consent to RENEWALS; subject: the
//!   customer asset): to the customer, its warranty ends soon and how to
//!   renew or extend it. Like the commercial follow-ups it identifies the
//!   business, says what the customer agreed to receive and carries the
//!   signed unsubscribe link of their consent (both bodies and
//!   `Rendered::unsubscribe_url`); without a customer or a standing consent
//!   it is never rendered, so never sent.
//! - WARRANTY_ENDING (internal; subject: the customer asset): to the service
//!   team, the same warranty ends soon, with the customer's contact details
//!   and site so they can call about renewal. No link.
//! - SERVICE_ON_SITE (internal; subject: the order): to the service team, an
//!   order's goods are on the customer's site and its on-site services can
//!   be booked. No link.

use super::purchasing::{Business, day};
use super::{Links, Rendered, Source, purpose_words, render_pair, standing};
use apalis::prelude::BoxDynError;
use chrono::NaiveDate;
use domain::orders::{self, Order};
use domain::platform::links::LinkPurpose;
use domain::rules::calendar::local_moment;
use domain::rules::remedies::WARRANTY_AGAINST_DEFECTS;
use entity::{ConsentPurpose, ProductKind, consent, customer_asset, notification, sales_order};
use sea_orm::DatabaseConnection;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 8] = email_templates!(
    "warranty_renewal",
    "warranty_ending",
    "warranty_rows",
    "service_on_site"
);

/// The consent the customer's renewal reminder needs.
pub const RENEWAL_PURPOSE: ConsentPurpose = ConsentPurpose::Renewals;

/// A date as a subject line says it: "6 December 2027".
fn short_day(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// What both warranty emails say about the asset (the rows of
/// `warranty_rows`, and the product they are about).
#[derive(Debug, Clone, Serialize)]
pub struct WarrantyRows {
    pub product: String,
    /// `None` for untracked units.
    pub serial: Option<String>,
    pub quantity: i32,
    pub order_number: String,
    pub delivered_on: String,
    pub ends_on: String,
}

impl WarrantyRows {
    /// `asset` (of `order`), whose product is called `product` and whose
    /// warranty `ends`.
    fn of(
        asset: &customer_asset::Model,
        order: &sales_order::Model,
        product: &str,
        ends: NaiveDate,
    ) -> WarrantyRows {
        WarrantyRows {
            product: product.to_owned(),
            serial: serial_of(asset),
            quantity: asset.quantity,
            order_number: order.number.clone(),
            delivered_on: day(asset.delivered_on),
            ends_on: day(ends),
        }
    }

    /// `product (serial X)`, or the product alone for untracked units.
    fn described(&self) -> String {
        match &self.serial {
            Some(serial) => format!("{} (serial {serial})", self.product),
            None => self.product.clone(),
        }
    }
}

/// The customer's renewal reminder.
#[derive(Debug, Clone, Serialize)]
pub struct WarrantyContext {
    pub subject: String,
    pub name: String,
    #[serde(flatten)]
    pub asset: WarrantyRows,
    /// The consumer guarantees, which outlast the warranty.
    pub guarantees: &'static str,
    pub business: Business,
    /// The signed unsubscribe page of the customer's RENEWALS consent.
    pub unsubscribe_link: String,
    /// What the customer agreed to receive, in words.
    pub consented_to: &'static str,
}

/// An asset's serial; `None` for untracked units.
fn serial_of(asset: &customer_asset::Model) -> Option<String> {
    Some(asset.serial.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The customer's renewal reminder about `asset` (of `order`), whose
/// product is called `product`; `unsubscribe_link` is the signed
/// unsubscribe page of their consent. `None` for an asset without a
/// warranty (nothing to remind).
pub fn warranty_context(
    asset: &customer_asset::Model,
    order: &sales_order::Model,
    product: &str,
    business: Business,
    unsubscribe_link: String,
) -> Option<WarrantyContext> {
    let ends = asset.warranty_ends_on?;
    let rows = WarrantyRows::of(asset, order, product, ends);
    Some(WarrantyContext {
        subject: format!(
            "Your warranty for {} ends on {}",
            rows.described(),
            short_day(ends)
        ),
        name: order.contact_name.clone(),
        asset: rows,
        guarantees: WARRANTY_AGAINST_DEFECTS,
        business,
        unsubscribe_link,
        consented_to: purpose_words(RENEWAL_PURPOSE),
    })
}

/// Render the customer's reminder; its unsubscribe link goes into the
/// `List-Unsubscribe` headers too.
pub fn warranty_renewal(ctx: &WarrantyContext) -> Result<Rendered, minijinja::Error> {
    let mut rendered = render_pair("warranty_renewal", ctx.subject.clone(), ctx)?;
    rendered.unsubscribe_url = Some(ctx.unsubscribe_link.clone());
    Ok(rendered)
}

/// The customer's renewal reminder about `asset`, from what was read for it:
/// only for an asset with a customer whose RENEWALS consent (`consent`,
/// read just now) stands, with that consent's signed unsubscribe link. An
/// error means it must not be sent.
pub fn renewal_reminder(
    asset: &customer_asset::Model,
    order: &sales_order::Model,
    product: &str,
    business: Business,
    consent: Option<&consent::Model>,
    links: &Links<'_>,
) -> Result<Rendered, BoxDynError> {
    let customer = asset.customer_id.ok_or(
        "a renewal reminder is commercial and needs a customer who consented; this asset has none",
    )?;
    let consent = standing(RENEWAL_PURPOSE, consent)?;
    if consent.customer_id != customer {
        return Err(
            "the consent is another customer's; this renewal reminder must not be sent".into(),
        );
    }
    let unsubscribe = links.url(LinkPurpose::Unsubscribe, consent.id);
    let ctx = warranty_context(asset, order, product, business, unsubscribe)
        .ok_or("a renewal reminder about an asset without a warranty")?;
    Ok(warranty_renewal(&ctx)?)
}

/// The service team's email that a customer's warranty ends soon.
#[derive(Debug, Clone, Serialize)]
pub struct EndingContext {
    pub subject: String,
    #[serde(flatten)]
    pub asset: WarrantyRows,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// The order's delivery address (the site), a line each.
    pub address: Vec<String>,
    pub business_name: String,
}

/// The service team's email about `asset` (of `order`), whose product is
/// called `product`. `None` for an asset without a warranty.
pub fn ending_context(
    asset: &customer_asset::Model,
    order: &sales_order::Model,
    product: &str,
    business_name: &str,
) -> Option<EndingContext> {
    let ends = asset.warranty_ends_on?;
    let rows = WarrantyRows::of(asset, order, product, ends);
    Some(EndingContext {
        subject: format!(
            "{} of {}, {}: warranty ends {}",
            rows.described(),
            order.contact_name,
            order.number,
            short_day(ends)
        ),
        asset: rows,
        contact_name: order.contact_name.clone(),
        contact_phone: given(&order.contact_phone),
        contact_email: given(&order.contact_email),
        address: address_lines(order),
        business_name: business_name.to_owned(),
    })
}

pub fn warranty_ending(ctx: &EndingContext) -> Result<Rendered, minijinja::Error> {
    render_pair("warranty_ending", ctx.subject.clone(), ctx)
}

/// One service to book.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceContext {
    pub name: String,
    pub sku: String,
    pub quantity: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct OnSiteContext {
    pub subject: String,
    pub number: String,
    /// In the business's timezone; `None` when the order does not say.
    pub delivered_at: Option<String>,
    pub services: Vec<ServiceContext>,
    /// The delivery address, a line each.
    pub address: Vec<String>,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub delivery_instructions: Option<String>,
    pub business_name: String,
}

/// An order's delivery address, a line each (the country only outside
/// Australia).
fn address_lines(o: &sales_order::Model) -> Vec<String> {
    let mut lines = vec![o.ship_line1.clone()];
    lines.extend(o.ship_line2.clone());
    lines.push(format!(
        "{} {} {}",
        o.ship_suburb, o.ship_state, o.ship_postcode
    ));
    if o.ship_country != "AU" {
        lines.push(o.ship_country.clone());
    }
    lines
        .into_iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn given(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The service team's email about `order`, whose goods are on site.
pub fn on_site_context(order: &Order, business_name: &str) -> OnSiteContext {
    let o = &order.order;
    OnSiteContext {
        subject: format!("{}: goods delivered on site — book its services", o.number),
        number: o.number.clone(),
        delivered_at: o.delivered_at.map(local_moment),
        services: order
            .lines
            .iter()
            .filter(|l| l.kind == ProductKind::Service)
            .map(|l| ServiceContext {
                name: l.name.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
            })
            .collect(),
        address: address_lines(o),
        contact_name: o.contact_name.clone(),
        contact_phone: given(&o.contact_phone),
        contact_email: given(&o.contact_email),
        delivery_instructions: given(&o.delivery_instructions),
        business_name: business_name.to_owned(),
    }
}

pub fn service_on_site(ctx: &OnSiteContext) -> Result<Rendered, minijinja::Error> {
    render_pair("service_on_site", ctx.subject.clone(), ctx)
}

/// The asset `n` is about, its order and its product's name (`unnamed` if
/// neither the catalogue nor the order has one any more).
async fn asset_of(
    db: &DatabaseConnection,
    n: &notification::Model,
    unnamed: &str,
) -> Result<(customer_asset::Model, Order, String), BoxDynError> {
    let asset = domain::closeout::assets::find(db, n.subject_id)
        .await?
        .ok_or("asset of a warranty email not found")?;
    let order = orders::find(db, asset.order_id)
        .await?
        .ok_or("order of a warranty email not found")?;
    // The catalogue's name; the name it was sold under if the product is gone.
    let product = match domain::catalogue::products::find(db, asset.product_id).await? {
        Some(p) => p.name,
        None => order
            .lines
            .iter()
            .find(|l| l.id == asset.order_line_id)
            .map_or_else(|| unnamed.to_owned(), |l| l.name.clone()),
    };
    Ok((asset, order, product))
}

/// WARRANTY_RENEWAL: the notification's subject is the customer asset; its
/// customer's consent is read now, so a withdrawal since it was planned
/// stops it.
pub(super) async fn render_warranty_renewal(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let (asset, order, product) = asset_of(source.db, source.n, "product").await?;
    let consent = match asset.customer_id {
        Some(customer) => domain::consent::of(source.db, customer, RENEWAL_PURPOSE).await?,
        None => None,
    };
    renewal_reminder(
        &asset,
        &order.order,
        &product,
        Business::of(source.settings),
        consent.as_ref(),
        source.links,
    )
}

/// WARRANTY_ENDING: the notification's subject is the customer asset.
pub(super) async fn render_warranty_ending(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let (asset, order, product) = asset_of(source.db, source.n, "an unnamed product").await?;
    let ctx = ending_context(&asset, &order.order, &product, &source.settings.legal_name)
        .ok_or("a warranty email about an asset without a warranty")?;
    Ok(warranty_ending(&ctx)?)
}

/// SERVICE_ON_SITE: the notification's subject is the customer order.
pub(super) async fn render_service_on_site(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let order = orders::find(source.db, source.n.subject_id)
        .await?
        .ok_or("order of an on-site services email not found")?;
    Ok(service_on_site(&on_site_context(
        &order,
        &source.settings.legal_name,
    ))?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    use entity::ConsentStatus;

    /// An asset of customer 9 (whose consents the fixtures hold).
    fn asset(serial: &str, quantity: i32) -> customer_asset::Model {
        customer_asset::Model {
            customer_id: Some(uuid::Uuid::from_u128(9)),
            ..fixtures::customer_asset(serial, quantity)
        }
    }

    fn renewals(status: ConsentStatus) -> consent::Model {
        fixtures::consent(ConsentPurpose::Renewals, status)
    }

    /// The customer's reminder about `asset`, under `consent`.
    fn reminder(
        asset: &customer_asset::Model,
        product: &str,
        consent: Option<&consent::Model>,
    ) -> Result<Rendered, BoxDynError> {
        renewal_reminder(
            asset,
            &fixtures::sales_order(),
            product,
            fixtures::business(),
            consent,
            &fixtures::links(),
        )
    }

    /// How minijinja writes a URL into an HTML attribute.
    fn href(url: &str) -> String {
        format!("href=\"{}\"", url.replace('/', "&#x2f;"))
    }

    #[test]
    fn the_renewal_reminder_names_the_product_serial_and_end_date() {
        let given = renewals(ConsentStatus::Given);
        let rendered =
            reminder(&asset("SN-<42>", 1), "Oak \"dining\" chair", Some(&given)).unwrap();
        assert_eq!(
            rendered.subject,
            "Your warranty for Oak \"dining\" chair (serial SN-<42>) ends on 6 December 2027"
        );
        let html = &rendered.html;
        assert!(html.contains("Tom &amp; &lt;Jerry&gt;"), "{html}");
        assert!(html.contains("Oak &quot;dining&quot; chair"));
        assert!(html.contains("SN-&lt;42&gt;"));
        assert!(html.contains("Harbour &amp; Co Homewares"));
        assert!(!html.contains("<Jerry>") && !html.contains("<42>"));
        for body in [html, &rendered.text] {
            assert!(body.contains("Monday 6 December 2027"), "{body}");
            assert!(body.contains("Monday 7 December 2026"), "delivered on");
            assert!(body.contains("SO-000012"));
            assert!(body.contains("renew or extend"));
            assert!(body.contains("reply to this email"));
            // Honest about what does not end with it.
            assert!(body.contains("Australian Consumer Law"));
            assert!(body.contains("do not need to renew or extend"));
            assert!(!body.contains("not marketing"), "it is commercial");
        }
        let text = &rendered.text;
        assert!(text.contains("Tom & <Jerry>"));
        assert!(text.contains("Serial number: SN-<42>"), "{text}");
        assert!(!text.contains("Quantity"), "one unit");
    }

    #[test]
    fn the_renewal_reminder_is_commercial_identifies_the_business_and_can_be_unsubscribed() {
        let given = renewals(ConsentStatus::Given);
        let rendered = reminder(&asset("SN-1", 1), "Desk lamp", Some(&given)).unwrap();
        // The consent's own signed unsubscribe page, for the headers too.
        let link = rendered
            .unsubscribe_url
            .clone()
            .expect("an unsubscribe link");
        let token = link
            .strip_prefix(&format!("{}/links/unsubscribe/", fixtures::PUBLIC_BASE_URL))
            .expect("the unsubscribe page");
        let signed = domain::platform::links::LinkSigner::new("a test signing key")
            .verify(token, LinkPurpose::Unsubscribe, fixtures::links().now)
            .unwrap();
        assert_eq!(signed.subject, given.id);
        assert!(rendered.html.contains(&href(&link)), "{}", rendered.html);
        assert_eq!(rendered.html.matches("href=").count(), 1, "one link");
        assert!(rendered.text.contains(&link));
        assert_eq!(rendered.text.matches("https://").count(), 1);
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("Unsubscribe"), "{body}");
            assert!(body.contains("renewal and extension offers for what you bought"));
            assert!(body.contains("ABN 51 824 753 556"));
            assert!(body.contains("orders@harbour.example.com.au"));
        }
        assert!(rendered.html.contains("From Harbour &amp; Co Homewares"));
        assert!(rendered.text.contains("From Harbour & Co Homewares"));
    }

    #[test]
    fn untracked_units_have_no_serial_but_their_quantity() {
        let given = renewals(ConsentStatus::Given);
        let rendered = reminder(&asset("", 3), "Desk lamp", Some(&given)).unwrap();
        assert_eq!(
            rendered.subject,
            "Your warranty for Desk lamp ends on 6 December 2027"
        );
        for body in [&rendered.html, &rendered.text] {
            assert!(
                !body.contains("serial") && !body.contains("Serial"),
                "{body}"
            );
            assert!(body.contains("Quantity"), "{body}");
        }
        assert!(rendered.text.contains("Quantity: 3"));
    }

    #[test]
    fn a_renewal_reminder_needs_a_customer_and_their_standing_consent_to_renewals() {
        let ok = asset("SN-1", 1);
        assert!(reminder(&ok, "Lamp", None).is_err(), "no consent");
        let withdrawn = renewals(ConsentStatus::Withdrawn);
        assert!(
            reminder(&ok, "Lamp", Some(&withdrawn)).is_err(),
            "withdrawn"
        );
        let offers = fixtures::consent(ConsentPurpose::Offers, ConsentStatus::Given);
        assert!(
            reminder(&ok, "Lamp", Some(&offers)).is_err(),
            "another purpose"
        );
        let given = renewals(ConsentStatus::Given);
        let someone_else = consent::Model {
            customer_id: uuid::Uuid::from_u128(10),
            ..given.clone()
        };
        assert!(
            reminder(&ok, "Lamp", Some(&someone_else)).is_err(),
            "another customer's"
        );
        let guest = customer_asset::Model {
            customer_id: None,
            ..ok.clone()
        };
        assert!(
            reminder(&guest, "Lamp", Some(&given)).is_err(),
            "no customer"
        );
        assert!(reminder(&ok, "Lamp", Some(&given)).is_ok());
    }

    #[test]
    fn an_asset_without_a_warranty_has_no_email() {
        let mut none = asset("SN-1", 1);
        none.warranty_ends_on = None;
        let given = renewals(ConsentStatus::Given);
        assert!(reminder(&none, "Lamp", Some(&given)).is_err());
        assert!(ending_context(&none, &fixtures::sales_order(), "Lamp", "Harbour").is_none());
    }

    /// SO-000012 with a phone and a second address line.
    fn site_order() -> sales_order::Model {
        sales_order::Model {
            ship_line2: Some("Level 3 <rear>".into()),
            contact_phone: Some("0400 000 000".into()),
            ..fixtures::sales_order()
        }
    }

    #[test]
    fn the_staff_email_names_the_customer_their_site_and_has_no_unsubscribe() {
        let ctx = ending_context(
            &asset("SN-<42>", 1),
            &site_order(),
            "Oak \"dining\" chair",
            "Harbour & Co Homewares",
        )
        .unwrap();
        assert_eq!(
            ctx.subject,
            "Oak \"dining\" chair (serial SN-<42>) of Tom & <Jerry>, SO-000012: warranty ends 6 December 2027"
        );
        let rendered = warranty_ending(&ctx).unwrap();
        assert_eq!(rendered.unsubscribe_url, None, "internal, not commercial");
        let html = &rendered.html;
        assert!(html.contains("Tom &amp; &lt;Jerry&gt;"), "{html}");
        assert!(html.contains("Oak &quot;dining&quot; chair"));
        assert!(html.contains("SN-&lt;42&gt;"));
        assert!(html.contains("Level 3 &lt;rear&gt;"));
        assert!(html.contains("Harbour &amp; Co Homewares"));
        assert!(!html.contains("<Jerry>") && !html.contains("<42>") && !html.contains("<rear>"));
        assert!(!html.contains("href"));
        for body in [html, &rendered.text] {
            assert!(!body.contains("nsubscribe"), "{body}");
            assert!(!body.contains("http"));
            assert!(body.contains("SO-000012"));
            assert!(body.contains("Monday 6 December 2027"));
            assert!(body.contains("Monday 7 December 2026"), "delivered on");
            assert!(body.contains("tom@example.com.au"));
            assert!(body.contains("0400 000 000"));
            assert!(body.contains("1 George St"));
            assert!(body.contains("Sydney NSW 2000"));
            assert!(body.contains("about renewal"));
            assert!(body.contains("Australian Consumer Law"));
            assert!(body.contains("DELIVERY_TEAM"));
        }
        let text = &rendered.text;
        assert!(text.contains("Contact: Tom & <Jerry>"), "{text}");
        assert!(text.contains("Serial number: SN-<42>"));
        assert!(text.contains("Level 3 <rear>\n"));
        assert!(!text.contains("Quantity"), "one unit");
    }

    #[test]
    fn the_staff_email_about_untracked_units_gives_their_quantity_and_leaves_out_a_missing_phone() {
        let ctx = ending_context(
            &asset("", 3),
            &fixtures::sales_order(),
            "Desk lamp",
            "Harbour & Co Homewares",
        )
        .unwrap();
        assert_eq!(
            ctx.subject,
            "Desk lamp of Tom & <Jerry>, SO-000012: warranty ends 6 December 2027"
        );
        let rendered = warranty_ending(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(!body.contains("Phone"), "{body}");
            assert!(!body.contains("serial") && !body.contains("Serial"));
            assert!(body.contains("3 units"));
        }
        assert!(rendered.text.contains("Quantity: 3"));
    }

    fn on_site_order() -> Order {
        let order = fixtures::sales_order();
        Order {
            order: sales_order::Model {
                ship_line2: Some("Level 3 <rear>".into()),
                contact_phone: Some("0400 000 000".into()),
                delivery_instructions: Some("Ring \"Reception\" & wait".into()),
                // 2:15 pm in Sydney (daylight saving).
                delivered_at: Some(fixtures::utc("2026-12-07T03:15:00Z")),
                ..order
            },
            lines: vec![
                fixtures::order_line(1, "CHAIR-01", "Oak <dining> chair", ProductKind::Goods, 2),
                fixtures::order_line(2, "INSTALL", "Assembly & install", ProductKind::Service, 2),
                fixtures::order_line(3, "TRAIN", "On-site training", ProductKind::Service, 1),
            ],
        }
    }

    #[test]
    fn the_on_site_email_lists_the_services_the_site_and_when_it_was_delivered() {
        let ctx = on_site_context(&on_site_order(), "Harbour & Co Homewares");
        assert_eq!(
            ctx.subject,
            "SO-000012: goods delivered on site — book its services"
        );
        assert_eq!(ctx.services.len(), 2, "goods are not services");
        assert_eq!(
            ctx.address,
            ["1 George St", "Level 3 <rear>", "Sydney NSW 2000"]
        );
        assert_eq!(
            ctx.delivered_at.as_deref(),
            Some("Monday 7 December 2026 at 2:15 pm AEDT")
        );
        let rendered = service_on_site(&ctx).unwrap();
        let html = &rendered.html;
        assert!(html.contains("Assembly &amp; install"), "{html}");
        assert!(html.contains("Level 3 &lt;rear&gt;"));
        assert!(html.contains("Tom &amp; &lt;Jerry&gt;"));
        assert!(html.contains("Ring &quot;Reception&quot; &amp; wait"));
        assert!(!html.contains("<rear>") && !html.contains("<Jerry>"));
        assert!(!html.contains("href"));
        for body in [html, &rendered.text] {
            assert!(body.contains("SO-000012"));
            assert!(body.contains("On-site training"));
            assert!(!body.contains("dining chair"));
            assert!(body.contains("1 George St"));
            assert!(body.contains("Sydney NSW 2000"));
            assert!(body.contains("Monday 7 December 2026 at 2:15 pm AEDT"));
            assert!(body.contains("0400 000 000"));
            assert!(body.contains("tom@example.com.au"));
            assert!(body.contains("can now be booked"), "{body}");
        }
        let text = &rendered.text;
        assert!(text.contains("2 x Assembly & install (INSTALL)"), "{text}");
        assert!(text.contains("1 x On-site training (TRAIN)"));
        assert!(text.contains("Level 3 <rear>\n"));
        assert!(!text.contains("http"));
    }

    #[test]
    fn an_on_site_email_without_a_delivery_time_or_phone_leaves_them_out() {
        let mut order = on_site_order();
        order.order.delivered_at = None;
        order.order.contact_phone = Some("  ".into());
        order.order.ship_country = "NZ".into();
        let ctx = on_site_context(&order, "Harbour & Co Homewares");
        assert_eq!(ctx.address.last().map(String::as_str), Some("NZ"));
        let rendered = service_on_site(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(!body.contains("Phone"), "{body}");
            assert!(!body.contains("December 2026"), "no date: {body}");
            assert!(body.contains("have been delivered"), "{body}");
        }
    }
}
