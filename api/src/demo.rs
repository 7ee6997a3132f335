//! `api seed-demo`: one login per role and two customers with logins, so a
//! frontend team can sign in at once. Safe to run again.

use domain::customers::{self, CustomerInput};
use domain::users::{self, NewUserInput};
use domain::{Actor, Ctx, Role};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

pub const DEMO_PASSWORD: &str = "demo-password-2026";

pub struct DemoLogin {
    pub email: String,
    pub role: Role,
    pub customer: Option<String>,
}

pub async fn seed(
    db: &DatabaseConnection,
    clock: Arc<dyn domain::Clock>,
) -> anyhow::Result<Vec<DemoLogin>> {
    let ctx = Ctx {
        actor: Actor::system(),
        clock,
    };
    let mut logins = Vec::new();
    for role in Role::ALL.into_iter().filter(|r| r.is_staff()) {
        let email = format!(
            "{}@demo.hub.test",
            role.as_str().to_lowercase().replace('_', ".")
        );
        users::ensure(
            db,
            &ctx,
            &NewUserInput {
                email: email.clone(),
                password: DEMO_PASSWORD.into(),
                role,
                party_id: None,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("seeding {email}: {e}"))?;
        logins.push(DemoLogin {
            email,
            role,
            customer: None,
        });
    }
    for (name, email, phone) in [
        (
            "Harbour Homewares Pty Ltd",
            "orders@harbour-homewares.test",
            "0412 345 678",
        ),
        (
            "Outback Outfitters",
            "hello@outback-outfitters.test",
            "(02) 9876 5432",
        ),
    ] {
        let existing = customers::list(
            db,
            &ctx,
            Some(email),
            domain::kernel::PageRequest {
                first: 1,
                after: None,
            },
        )
        .await?
        .items
        .into_iter()
        .next()
        .map(|(_, m)| m);
        let customer = match existing {
            Some(c) => c,
            None => {
                customers::create(
                    db,
                    &ctx,
                    &CustomerInput {
                        name: name.into(),
                        email: Some(email.into()),
                        phone: Some(phone.into()),
                        abn: None,
                    },
                    None,
                )
                .await
                .map_err(|e| anyhow::anyhow!("seeding {name}: {e}"))?
                .value
            }
        };
        users::ensure(
            db,
            &ctx,
            &NewUserInput {
                email: email.into(),
                password: DEMO_PASSWORD.into(),
                role: Role::Customer,
                party_id: Some(customer.id),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("seeding login {email}: {e}"))?;
        logins.push(DemoLogin {
            email: email.into(),
            role: Role::Customer,
            customer: Some(format!("{} ({})", customer.name, customer.id)),
        });
    }
    Ok(logins)
}
