//! The welcome email a new customer with an address gets.

use super::{Rendered, Source, formatted_abn, render_pair};
use apalis::prelude::BoxDynError;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("welcome");

#[derive(Serialize)]
pub struct WelcomeContext<'a> {
    pub customer_name: &'a str,
    pub business_name: &'a str,
    pub business_abn: Option<&'a str>,
}

pub fn welcome(data: &WelcomeContext<'_>) -> Result<Rendered, minijinja::Error> {
    render_pair(
        "welcome",
        format!("Welcome to {}", data.business_name),
        data,
    )
}

pub(super) async fn render(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let customer = domain::customers::find(source.db, source.n.subject_id)
        .await?
        .ok_or("customer of a welcome email not found")?;
    let abn = formatted_abn(source.settings.abn.as_deref());
    Ok(welcome(&WelcomeContext {
        customer_name: &customer.name,
        business_name: &source.settings.legal_name,
        business_abn: abn.as_deref(),
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welcome_has_both_parts_escapes_html_and_links_nowhere() {
        let rendered = welcome(&WelcomeContext {
            customer_name: "Tom & <Jerry>",
            business_name: "Harbour Homewares",
            business_abn: Some("51 824 753 556"),
        })
        .unwrap();
        assert_eq!(rendered.subject, "Welcome to Harbour Homewares");
        assert!(rendered.html.contains("Tom &amp; &lt;Jerry&gt;"));
        assert!(rendered.text.contains("Tom & <Jerry>"));
        // Until a customer page exists there is nowhere to send them.
        assert!(!rendered.html.contains("href"));
        assert!(!rendered.text.contains("http"));
        assert!(rendered.text.contains("ABN 51 824 753 556"));
    }
}
