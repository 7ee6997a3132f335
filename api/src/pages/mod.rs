//! Pages a customer opens from an email's signed link, rendered on the
//! server from what the domain stored (no login, nothing to run in the
//! browser). Each purpose plugs its page in here.

pub mod invoice;
pub mod payer;

use minijinja::Environment;
use std::sync::OnceLock;

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in invoice::TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} parses: {e}"));
        }
        env
    })
}

/// Render one page template (HTML-escaped) with `ctx`.
fn render(name: &str, ctx: impl serde::Serialize) -> Result<String, minijinja::Error> {
    environment()
        .get_template(name)?
        .render(minijinja::Value::from_serialize(&ctx))
}
