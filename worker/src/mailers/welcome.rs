//! The welcome email a new customer with an address gets.

use super::{Rendered, render_pair};
use apalis::prelude::BoxDynError;
use entity::{business_settings, notification};
use sea_orm::DatabaseConnection;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = [
    ("welcome.html", include_str!("../../templates/welcome.html")),
    ("welcome.txt", include_str!("../../templates/welcome.txt")),
];

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

pub(super) async fn render(
    db: &DatabaseConnection,
    settings: &business_settings::Model,
    n: &notification::Model,
) -> Result<Rendered, BoxDynError> {
    let customer = domain::customers::find(db, n.subject_id)
        .await?
        .ok_or("customer of a welcome email not found")?;
    let abn = settings
        .abn
        .as_deref()
        .and_then(|a| domain::rules::abn::Abn::parse(a).ok())
        .map(|a| a.to_string());
    Ok(welcome(&WelcomeContext {
        customer_name: &customer.name,
        business_name: &settings.legal_name,
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
