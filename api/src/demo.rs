//! `api seed-demo`: one login per role, two customers with logins, a small
//! catalogue with stock in two regions and a few orders, so a frontend team
//! can sign in and walk the order flow at once. Safe to run again.

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
    let mut first_customer = None;
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
        first_customer.get_or_insert(customer.id);
        logins.push(DemoLogin {
            email: email.into(),
            role: Role::Customer,
            customer: Some(format!("{} ({})", customer.name, customer.id)),
        });
    }
    if let Some(customer) = first_customer {
        seed_catalogue_and_orders(db, &ctx, customer).await?;
    }
    Ok(logins)
}

/// Two warehouses in two regions, four products (one a service), stock, and
/// three orders: placed, reserved, and one awaiting its reservation approval.
/// Only when the catalogue is empty, so running again adds nothing.
async fn seed_catalogue_and_orders(
    db: &DatabaseConnection,
    ctx: &Ctx,
    customer: uuid::Uuid,
) -> anyhow::Result<()> {
    use domain::catalogue::{locations, products, stock};
    use domain::orders;
    use entity::{Channel, LocationKind, ProductKind, Region, ShippingSpeed};
    let page = domain::kernel::PageRequest {
        first: 1,
        after: None,
    };
    if !locations::list(db, ctx, page).await?.items.is_empty() {
        return Ok(());
    }
    let demo = |e: domain::DomainError| anyhow::anyhow!("seeding the demo catalogue: {e}");
    let mut warehouses = Vec::new();
    for (code, name, region, suburb, state, postcode, country) in [
        (
            "SYD",
            "Sydney warehouse",
            Region::Australia,
            "Alexandria",
            "NSW",
            "2015",
            "AU",
        ),
        (
            "LAX",
            "Los Angeles warehouse",
            Region::NorthAmerica,
            "Carson",
            "CA",
            "90745",
            "US",
        ),
    ] {
        let input = locations::LocationInput {
            code: code.into(),
            name: name.into(),
            region,
            kind: LocationKind::Warehouse,
            line1: Some("1 Demo Way".into()),
            line2: None,
            suburb: Some(suburb.into()),
            state: Some(state.into()),
            postcode: Some(postcode.into()),
            country: Some(country.into()),
        };
        warehouses.push(
            locations::create(db, ctx, &input)
                .await
                .map_err(demo)?
                .value
                .id,
        );
    }
    let mut catalogue = Vec::new();
    for (sku, name, kind, price, grams, syd, lax) in [
        (
            "DESK-1",
            "Standing desk",
            ProductKind::Goods,
            "600.00",
            30_000,
            6,
            20,
        ),
        (
            "CHAIR-1",
            "Ergonomic chair",
            ProductKind::Goods,
            "129.95",
            12_000,
            25,
            0,
        ),
        (
            "LAMP-1",
            "Desk lamp",
            ProductKind::Goods,
            "49.00",
            800,
            40,
            10,
        ),
        (
            "INSTALL",
            "Desk installation",
            ProductKind::Service,
            "150.00",
            0,
            0,
            0,
        ),
    ] {
        let input = products::ProductInput {
            sku: sku.into(),
            name: name.into(),
            kind,
            tax_code: "TAXABLE".into(),
            price: price.into(),
            prices_include_gst: true,
            weight_grams: grams,
            dimensions_mm: None,
            reorder_point: 5,
            reorder_quantity: 20,
            batch_tracked: false,
            serial_tracked: false,
            warranty_months: if kind == ProductKind::Goods { 12 } else { 0 },
            active: true,
        };
        let product = products::create(db, ctx, &input).await.map_err(demo)?.value;
        for (location, units) in warehouses.iter().zip([syd, lax]) {
            if units > 0 {
                let receipt = stock::Adjustment {
                    product_id: product.id,
                    location_id: *location,
                    quantity: units,
                    reason: "Opening stock".into(),
                    kind: Some(entity::MovementKind::Receipt),
                    batch_code: None,
                    expires_on: None,
                };
                stock::adjust(db, ctx, &receipt).await.map_err(demo)?;
            }
        }
        catalogue.push(product.id);
    }
    let calendar = domain::business_time::SharedCalendar::load(db)
        .await?
        .current();
    let in_a_fortnight = calendar.local_date(ctx.now()) + chrono::Days::new(14);
    for (lines, reserve) in [
        (vec![(catalogue[1], 2), (catalogue[2], 2)], false),
        (vec![(catalogue[2], 1)], true),
        (vec![(catalogue[0], 1), (catalogue[3], 1)], true),
    ] {
        let input = orders::PlaceOrder {
            customer_id: Some(customer),
            guest: None,
            abn: None,
            lines: lines
                .into_iter()
                .map(|(product_id, quantity)| orders::LineRequest {
                    product_id,
                    quantity,
                    discount_percent: None,
                })
                .collect(),
            discount: None,
            shipping_address: orders::AddressInput {
                line1: "1 George St".into(),
                line2: None,
                suburb: "Sydney".into(),
                state: "NSW".into(),
                postcode: "2000".into(),
                country: None,
            },
            required_delivery_date: in_a_fortnight,
            authority_to_leave: true,
            delivery_instructions: None,
            shipping_speed: ShippingSpeed::Standard,
            channel: Channel::Phone,
        };
        let order = orders::place(db, ctx, &calendar, &input, None)
            .await
            .map_err(demo)?
            .value;
        if reserve {
            orders::request_reservation(db, ctx, &calendar, order.order.id)
                .await
                .map_err(demo)?;
        }
    }
    Ok(())
}
