//! Email templates (HTML and text parts) rendered with minijinja. HTML
//! templates escape what they insert.

use minijinja::{Environment, context};
use std::sync::OnceLock;

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template("welcome.html", include_str!("../templates/welcome.html"))
            .expect("welcome.html parses");
        env.add_template("welcome.txt", include_str!("../templates/welcome.txt"))
            .expect("welcome.txt parses");
        env
    })
}

/// A rendered email body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

pub struct WelcomeContext<'a> {
    pub customer_name: &'a str,
    pub business_name: &'a str,
    pub business_abn: Option<&'a str>,
    pub link: &'a str,
}

pub fn welcome(data: &WelcomeContext<'_>) -> Result<Rendered, minijinja::Error> {
    let env = environment();
    let ctx = context! {
        customer_name => data.customer_name,
        business_name => data.business_name,
        business_abn => data.business_abn,
        link => data.link,
    };
    Ok(Rendered {
        subject: format!("Welcome to {}", data.business_name),
        html: env.get_template("welcome.html")?.render(&ctx)?,
        text: env.get_template("welcome.txt")?.render(&ctx)?,
    })
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
