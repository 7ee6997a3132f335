//! The one follow-up a delivered order gets (subject: the order), in the
//! kind the business chose:
//!
//! - DELIVERY_FEEDBACK (transactional): "How did we do?", with one link, the
//!   signed survey page;
//! - NEXT_PURCHASE_OFFER (commercial, consent to OFFERS): a discount on the
//!   next order with its code;
//! - REVIEW_REQUEST (commercial, consent to REVIEW_REQUESTS): please review
//!   what the order brought.
//!
//! Commercial ones (Spam Act) identify the business (legal name, ABN, how to
//! reach it) and carry the signed unsubscribe link of the customer's consent,
//! visibly in both bodies and as `Rendered::unsubscribe_url` for the
//! `List-Unsubscribe` headers. Without a standing consent they are never
//! rendered, so never sent.

use super::{Rendered, Source, purpose_words, render_pair, standing};
use apalis::prelude::BoxDynError;
use domain::orders::{self, Order};
use domain::platform::links::LinkPurpose;
use domain::rules::abn::Abn;
use entity::{ConsentPurpose, NotificationKind, business_settings, consent};
use serde::Serialize;
use uuid::Uuid;

pub(super) const TEMPLATES: [(&str, &str); 6] =
    email_templates!("follow_up_feedback", "follow_up_offer", "follow_up_review");

/// What the next-purchase offer gives.
pub const OFFER: &str = "10% off your next order";

/// The next-purchase offer's code for an order: `THANKS-SO-000123`.
pub fn offer_code(order_number: &str) -> String {
    format!("THANKS-{order_number}")
}

/// Which follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    Feedback,
    Offer,
    Review,
}

impl FollowUp {
    /// The follow-up a notification kind stands for, if it is one.
    pub fn of(kind: NotificationKind) -> Option<FollowUp> {
        match kind {
            NotificationKind::DeliveryFeedback => Some(FollowUp::Feedback),
            NotificationKind::NextPurchaseOffer => Some(FollowUp::Offer),
            NotificationKind::ReviewRequest => Some(FollowUp::Review),
            _ => None,
        }
    }

    /// The consent a commercial follow-up needs; `None` for the
    /// transactional feedback request.
    pub fn purpose(self) -> Option<ConsentPurpose> {
        match self {
            FollowUp::Feedback => None,
            FollowUp::Offer => Some(ConsentPurpose::Offers),
            FollowUp::Review => Some(ConsentPurpose::ReviewRequests),
        }
    }

    fn template(self) -> &'static str {
        match self {
            FollowUp::Feedback => "follow_up_feedback",
            FollowUp::Offer => "follow_up_offer",
            FollowUp::Review => "follow_up_review",
        }
    }
}

/// The consent a commercial follow-up goes out under, if it may (see
/// `super::standing`). `Ok(None)` for the transactional feedback request.
pub fn standing_consent(
    follow_up: FollowUp,
    consent: Option<&consent::Model>,
) -> Result<Option<&consent::Model>, &'static str> {
    match follow_up.purpose() {
        None => Ok(None),
        Some(purpose) => standing(purpose, consent).map(Some),
    }
}

/// One product of the order (the review request).
#[derive(Debug, Clone, Serialize)]
pub struct ProductContext {
    pub name: String,
    pub sku: String,
}

/// Everything the three templates show.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpContext {
    pub subject: String,
    pub name: String,
    pub order_number: String,
    /// The signed survey page (feedback only).
    pub survey_link: Option<String>,
    /// How many days the survey link works.
    pub survey_days: i64,
    /// The offer and its code (offer only).
    pub offer: Option<&'static str>,
    pub offer_code: Option<String>,
    /// What the order brought (review only).
    pub products: Vec<ProductContext>,
    /// The signed unsubscribe page (commercial only).
    pub unsubscribe_link: Option<String>,
    /// What the customer agreed to receive, in words (commercial only).
    pub consented_to: Option<&'static str>,
    pub business_name: String,
    pub business_abn: Option<String>,
    /// The address replies reach (the sender's).
    pub contact_email: Option<String>,
}

/// The order's products, once each, in line order.
fn products(order: &Order) -> Vec<ProductContext> {
    let mut lines: Vec<_> = order.lines.iter().collect();
    lines.sort_by_key(|l| l.line_no);
    let mut seen: Vec<Uuid> = Vec::new();
    lines
        .into_iter()
        .filter(|l| {
            let first = !seen.contains(&l.product_id);
            seen.push(l.product_id);
            first
        })
        .map(|l| ProductContext {
            name: l.name.clone(),
            sku: l.sku.clone(),
        })
        .collect()
}

/// The email for `follow_up` of `order`. `survey_link` is the signed
/// survey page (feedback), `unsubscribe_link` the signed unsubscribe page of
/// the customer's consent (commercial).
pub fn context(
    follow_up: FollowUp,
    order: &Order,
    settings: &business_settings::Model,
    survey_link: Option<String>,
    unsubscribe_link: Option<String>,
) -> FollowUpContext {
    let o = &order.order;
    let number = o.number.clone();
    let business_name = settings.legal_name.clone();
    let subject = match follow_up {
        FollowUp::Feedback => format!("How did we do with order {number}?"),
        FollowUp::Offer => format!("Thank you: {OFFER} with {business_name}"),
        FollowUp::Review => format!("Would you review your order {number}?"),
    };
    FollowUpContext {
        subject,
        name: o.contact_name.clone(),
        survey_link: survey_link.filter(|_| follow_up == FollowUp::Feedback),
        survey_days: LinkPurpose::Survey.validity().num_days(),
        offer: (follow_up == FollowUp::Offer).then_some(OFFER),
        offer_code: (follow_up == FollowUp::Offer).then(|| offer_code(&number)),
        products: if follow_up == FollowUp::Review {
            products(order)
        } else {
            Vec::new()
        },
        unsubscribe_link: unsubscribe_link.filter(|_| follow_up.purpose().is_some()),
        consented_to: follow_up.purpose().map(purpose_words),
        order_number: number,
        business_name,
        business_abn: settings
            .abn
            .as_deref()
            .and_then(|a| Abn::parse(a).ok())
            .map(|a| a.to_string()),
        contact_email: settings
            .mail_from
            .parse::<lettre::message::Mailbox>()
            .ok()
            .map(|m| m.email.to_string()),
    }
}

/// Render the email; a commercial one carries its unsubscribe link for the
/// `List-Unsubscribe` headers too.
pub fn compose(follow_up: FollowUp, ctx: &FollowUpContext) -> Result<Rendered, minijinja::Error> {
    let mut rendered = render_pair(follow_up.template(), ctx.subject.clone(), ctx)?;
    rendered.unsubscribe_url = ctx.unsubscribe_link.clone();
    Ok(rendered)
}

pub(super) async fn render(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let follow_up = FollowUp::of(source.n.kind).ok_or("not a follow-up email")?;
    let order = orders::find(source.db, source.n.subject_id)
        .await?
        .ok_or("order of a follow-up email not found")?;
    let unsubscribe_link = match follow_up.purpose() {
        None => None,
        Some(purpose) => {
            let customer_id = order.order.customer_id.ok_or(
                "a commercial email needs a customer who consented; a guest order has none",
            )?;
            let consent = domain::consent::of(source.db, customer_id, purpose).await?;
            standing_consent(follow_up, consent.as_ref())?
                .map(|c| source.links.url(LinkPurpose::Unsubscribe, c.id))
        }
    };
    let survey_link = (follow_up == FollowUp::Feedback)
        .then(|| source.links.url(LinkPurpose::Survey, order.order.id));
    let ctx = context(
        follow_up,
        &order,
        source.settings,
        survey_link,
        unsubscribe_link,
    );
    Ok(compose(follow_up, &ctx)?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::utc;
    use super::*;
    use entity::{
        ConsentStatus, GstRounding, OrderStatus, ProductKind, ShippingSpeed, order_line,
        sales_order,
    };

    const SURVEY: &str = "https://shop.example.com.au/links/survey/s-token";
    const UNSUBSCRIBE: &str = "https://shop.example.com.au/links/unsubscribe/u-token";

    fn settings(abn: Option<&str>) -> business_settings::Model {
        business_settings::Model {
            legal_name: "Harbour <Homewares> Pty Ltd".into(),
            abn: abn.map(Into::into),
            gst_rounding: GstRounding::PerInvoice,
            mail_from: "Harbour Homewares <orders@harbour.example.com.au>".into(),
            public_base_url: "https://shop.example.com.au".into(),
            shipping_overnight_cents: 2995,
            updated_at: utc("2026-11-01T00:00:00Z"),
            ..super::super::fixtures::business_settings()
        }
    }

    fn line(n: u128, line_no: i32, product: u128, sku: &str, name: &str) -> order_line::Model {
        order_line::Model {
            id: Uuid::from_u128(100 + n),
            order_id: Uuid::from_u128(1),
            line_no,
            product_id: Uuid::from_u128(product),
            sku: sku.into(),
            name: name.into(),
            kind: ProductKind::Goods,
            tax_code: "TAXABLE".into(),
            unit_price_cents: 12995,
            quantity: 1,
            discount_basis_points: 0,
            reserved_quantity: 1,
            drop_ship_po_id: None,
        }
    }

    fn order() -> Order {
        Order {
            order: sales_order::Model {
                status: OrderStatus::Delivered,
                customer_id: Some(Uuid::from_u128(9)),
                authority_to_leave: true,
                shipping_speed: ShippingSpeed::Standard,
                shipping_cents: 995,
                delivered_at: Some(utc("2026-11-25T03:15:00Z")),
                ..super::super::fixtures::sales_order()
            },
            lines: vec![
                line(2, 2, 31, "LAMP-02", "Brass <desk> lamp"),
                line(1, 1, 30, "CHAIR-01", "Oak dining chair"),
                line(3, 3, 30, "CHAIR-01", "Oak dining chair"),
            ],
        }
    }

    fn email(follow_up: FollowUp, abn: Option<&str>) -> Rendered {
        let ctx = context(
            follow_up,
            &order(),
            &settings(abn),
            Some(SURVEY.into()),
            Some(UNSUBSCRIBE.into()),
        );
        compose(follow_up, &ctx).unwrap()
    }

    /// How minijinja writes a URL into an HTML attribute.
    fn href(url: &str) -> String {
        format!("href=\"{}\"", url.replace('/', "&#x2f;"))
    }

    fn consent(status: ConsentStatus) -> consent::Model {
        super::super::fixtures::consent(ConsentPurpose::Offers, status)
    }

    #[test]
    fn the_feedback_request_links_to_the_survey_only_and_has_no_unsubscribe() {
        let rendered = email(FollowUp::Feedback, Some("51 824 753 556"));
        assert_eq!(rendered.subject, "How did we do with order SO-000012?");
        assert_eq!(rendered.unsubscribe_url, None);
        assert!(rendered.html.contains(&href(SURVEY)));
        assert_eq!(rendered.html.matches("href=").count(), 1);
        assert!(rendered.text.contains(SURVEY));
        assert_eq!(rendered.text.matches("https://").count(), 1);
        for body in [&rendered.html, &rendered.text] {
            assert!(!body.contains("nsubscribe"), "{body}");
            assert!(body.contains("SO-000012"));
            assert!(body.contains("14 days"));
        }
        assert!(rendered.html.contains("Tom &amp; &lt;Jerry&gt;"));
        assert!(rendered.text.contains("Tom & <Jerry>"));
    }

    #[test]
    fn the_offer_identifies_the_business_gives_the_code_and_can_be_unsubscribed() {
        let rendered = email(FollowUp::Offer, Some("51824753556"));
        assert_eq!(rendered.unsubscribe_url.as_deref(), Some(UNSUBSCRIBE));
        assert!(rendered.html.contains(&href(UNSUBSCRIBE)));
        assert_eq!(rendered.html.matches("href=").count(), 1);
        assert!(rendered.text.contains(UNSUBSCRIBE));
        assert_eq!(rendered.text.matches("https://").count(), 1);
        assert!(!rendered.html.contains(&href(SURVEY)));
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("10% off your next order"));
            assert!(body.contains("THANKS-SO-000012"));
            assert!(body.contains("ABN 51 824 753 556"));
            assert!(body.contains("orders@harbour.example.com.au"));
            assert!(body.contains("Unsubscribe"));
            assert!(body.contains("offers and discounts"));
        }
        assert!(rendered.html.contains("Harbour &lt;Homewares&gt; Pty Ltd"));
        assert!(rendered.text.contains("Harbour <Homewares> Pty Ltd"));
    }

    #[test]
    fn without_an_abn_the_business_is_still_named() {
        let rendered = email(FollowUp::Offer, None);
        assert!(!rendered.text.contains("ABN"));
        assert!(rendered.text.contains("Harbour <Homewares> Pty Ltd"));
    }

    #[test]
    fn the_review_request_names_each_product_once_and_can_be_unsubscribed() {
        let rendered = email(FollowUp::Review, Some("51 824 753 556"));
        assert_eq!(rendered.subject, "Would you review your order SO-000012?");
        assert_eq!(rendered.unsubscribe_url.as_deref(), Some(UNSUBSCRIBE));
        assert!(rendered.html.contains(&href(UNSUBSCRIBE)));
        assert_eq!(rendered.html.matches("href=").count(), 1);
        assert!(rendered.text.contains(UNSUBSCRIBE));
        assert_eq!(rendered.text.matches("Oak dining chair").count(), 1);
        let chair = rendered.text.find("Oak dining chair").unwrap();
        let lamp = rendered.text.find("Brass <desk> lamp").unwrap();
        assert!(chair < lamp, "line order");
        assert!(rendered.html.contains("Brass &lt;desk&gt; lamp"));
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("requests to review your purchases"));
            assert!(body.contains("ABN 51 824 753 556"));
            assert!(!body.contains("THANKS-"));
        }
    }

    #[test]
    fn a_commercial_email_needs_a_standing_consent_and_feedback_none() {
        assert_eq!(standing_consent(FollowUp::Feedback, None), Ok(None));
        assert!(standing_consent(FollowUp::Offer, None).is_err());
        assert!(standing_consent(FollowUp::Review, None).is_err());
        let withdrawn = consent(ConsentStatus::Withdrawn);
        assert!(standing_consent(FollowUp::Offer, Some(&withdrawn)).is_err());
        let given = consent(ConsentStatus::Given);
        assert!(
            standing_consent(FollowUp::Review, Some(&given)).is_err(),
            "a consent to offers is not one to review requests"
        );
        assert_eq!(
            standing_consent(FollowUp::Offer, Some(&given))
                .unwrap()
                .map(|c| c.id),
            Some(given.id)
        );
    }

    #[test]
    fn every_follow_up_kind_is_routed_here() {
        assert_eq!(
            FollowUp::of(NotificationKind::DeliveryFeedback),
            Some(FollowUp::Feedback)
        );
        assert_eq!(
            FollowUp::of(NotificationKind::NextPurchaseOffer),
            Some(FollowUp::Offer)
        );
        assert_eq!(
            FollowUp::of(NotificationKind::ReviewRequest),
            Some(FollowUp::Review)
        );
        assert_eq!(FollowUp::of(NotificationKind::ShipmentDelivered), None);
    }
}
