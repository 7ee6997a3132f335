//! ENGAGEMENT_NPS_SURVEY (transactional, to the customer; subject: the
//! engagement): the engagement is formally closed; how likely are they to
//! recommend the business, from 0 to 10, with a comment if they like. One
//! link, the signed NPS page (valid for `LinkPurpose::Nps`'s validity, one
//! answer per engagement). Like the delivery feedback email it is a service
//! message about their engagement, not marketing (AU-RULES, Spam Act): no
//! consent or unsubscribe link, and it says who the business is.

use super::engagements::customer_name;
use super::purchasing::Business;
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::platform::links::LinkPurpose;
use entity::engagement;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("engagement_nps_survey");

/// What the NPS survey email shows.
#[derive(Debug, Clone, Serialize)]
pub struct NpsContext {
    pub subject: String,
    /// The customer, as greeted.
    pub name: String,
    pub number: String,
    pub engagement_name: String,
    pub scope_reference: String,
    /// The signed NPS page.
    pub nps_link: String,
    /// How many days the link works.
    pub nps_days: i64,
    pub business: Business,
}

/// The customer's NPS survey email about the closed `engagement`.
pub fn context(
    engagement: &engagement::Model,
    customer_name: &str,
    nps_link: String,
    business: Business,
) -> NpsContext {
    NpsContext {
        subject: format!(
            "{} {} is complete: would you recommend us?",
            engagement.number, engagement.name
        ),
        name: customer_name.to_owned(),
        number: engagement.number.clone(),
        engagement_name: engagement.name.clone(),
        scope_reference: engagement.scope_reference.clone(),
        nps_link,
        nps_days: LinkPurpose::Nps.validity().num_days(),
        business,
    }
}

pub fn nps_survey(ctx: &NpsContext) -> Result<Rendered, minijinja::Error> {
    render_pair("engagement_nps_survey", ctx.subject.clone(), ctx)
}

pub(super) async fn render_nps_survey(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let found = domain::engagements::find(source.db, source.n.subject_id)
        .await?
        .ok_or("engagement of an NPS survey email not found")?;
    let customer = customer_name(source.db, &found.engagement).await?;
    let link = source.links.url(LinkPurpose::Nps, found.engagement.id);
    let ctx = context(
        &found.engagement,
        &customer,
        link,
        Business::of(source.settings),
    );
    Ok(nps_survey(&ctx)?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use domain::platform::links::LinkSigner;

    fn email() -> (NpsContext, Rendered) {
        let links = fixtures::links();
        let e = fixtures::engagement(5, 0).engagement;
        let link = links.url(LinkPurpose::Nps, e.id);
        let ctx = context(&e, "Tom & <Jerry>", link, fixtures::business());
        let rendered = nps_survey(&ctx).unwrap();
        (ctx, rendered)
    }

    #[test]
    fn the_customer_is_asked_once_with_the_signed_nps_link() {
        let (ctx, rendered) = email();
        assert_eq!(
            ctx.subject,
            "ENG-000003 Website <rebuild> & care is complete: would you recommend us?"
        );
        assert_eq!(rendered.subject, ctx.subject);
        assert_eq!(rendered.unsubscribe_url, None, "transactional");
        let prefix = format!("{}/links/nps/", fixtures::PUBLIC_BASE_URL);
        assert!(ctx.nps_link.starts_with(&prefix), "{}", ctx.nps_link);
        // The link opens this engagement's NPS page, and nothing else.
        let token = ctx.nps_link.trim_start_matches(&prefix);
        let signer = LinkSigner::new("a test signing key");
        let now = fixtures::links().now;
        let opened = signer.verify(token, LinkPurpose::Nps, now).unwrap();
        assert_eq!(opened.subject, fixtures::engagement(5, 0).engagement.id);
        assert!(signer.verify(token, LinkPurpose::Survey, now).is_err());
        // minijinja escapes `/` in HTML; a mail client reads it back.
        let html = &rendered.html.replace("&#x2f;", "/");
        assert_eq!(html.matches("href=").count(), 1, "one link: {html}");
        assert!(
            html.contains(&format!(r#"href="{}""#, ctx.nps_link)),
            "{html}"
        );
        assert!(rendered.text.contains(&ctx.nps_link));
    }

    #[test]
    fn it_names_the_engagement_and_the_business_escaped() {
        let (_, rendered) = email();
        let html = &rendered.html;
        assert!(html.contains("Hello Tom &amp; &lt;Jerry&gt;,"), "{html}");
        assert!(html.contains("Harbour &amp; Co Homewares"));
        fixtures::assert_escapes_engagement_names(html);
        for body in [html, &rendered.text] {
            assert!(body.contains("ENG-000003"), "{body}");
            assert!(body.contains("0 to 10"), "{body}");
            assert!(body.contains("30 days"), "{body}");
            fixtures::assert_transactional_sign_off(body);
        }
        assert!(rendered.text.contains("Hello Tom & <Jerry>,"));
    }
}
