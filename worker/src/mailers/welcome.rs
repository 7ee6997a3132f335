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
    pub link: &'a str,
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
    let link = format!("{}/customers/{}", settings.public_base_url, customer.id);
    let abn = settings
        .abn
        .as_deref()
        .and_then(|a| domain::rules::abn::Abn::parse(a).ok())
        .map(|a| a.to_string());
    Ok(welcome(&WelcomeContext {
        customer_name: &customer.name,
        business_name: &settings.legal_name,
        business_abn: abn.as_deref(),
        link: &link,
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welcome_has_both_parts_with_the_link_and_escapes_html() {
        let rendered = welcome(&WelcomeContext {
            customer_name: "Tom & <Jerry>",
            business_name: "Harbour Homewares",
            business_abn: Some("51 824 753 556"),
            link: "https://shop.example/customers/1",
        })
        .unwrap();
        assert_eq!(rendered.subject, "Welcome to Harbour Homewares");
        assert!(rendered.html.contains("Tom &amp; &lt;Jerry&gt;"));
        assert!(rendered.text.contains("Tom & <Jerry>"));
        // minijinja escapes `/` in HTML; browsers decode it in attributes.
        assert!(
            rendered
                .html
                .replace("&#x2f;", "/")
                .contains("href=\"https://shop.example/customers/1\"")
        );
        assert!(rendered.text.contains("ABN 51 824 753 556"));
    }
}
