//! `bench serve`: the API exactly as `api serve` builds it, plus the
//! baselines it is measured against, on the same runtime and the same
//! connection pool: a bare axum route returning what `{ __typename }`
//! returns, a hand-written handler doing `order(id)`'s reads, and the
//! process's running count of SQL statements.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::{Router, http::StatusCode};
use domain::SystemClock;
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn run() -> anyhow::Result<()> {
    let config = config::Config::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    let bind = config.bind_addr;
    let state = api::prepare(config, Arc::new(SystemClock)).await?;
    // The embedded default runs its worker in the API process, as `api
    // serve` does; with PostgreSQL + Redis the worker a fleet would run
    // separately runs here too, so the notification path has one.
    let worker = match api::app::start_embedded_worker(&state).await? {
        Some(w) => w,
        None => {
            worker::start(
                state.config.clone(),
                state.db.clone(),
                state.clock.clone(),
                state.broker.clone(),
            )
            .await?
        }
    };
    let baselines = Router::new()
        .route("/bench/typename", get(typename).post(typename))
        .route("/bench/order/{id}", get(order))
        .route("/bench/statements", get(statements))
        .with_state(state.db.clone());
    let app = api::http::router(state)
        .merge(baselines)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind(bind).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(worker::process::shutdown_signal())
        .await?;
    worker.stop().await;
    Ok(())
}

/// What the GraphQL endpoint answers to `{ __typename }`.
async fn typename() -> Json<Value> {
    Json(json!({ "data": { "__typename": "QueryRoot" } }))
}

async fn statements() -> String {
    domain::kernel::db::statements::total().to_string()
}

/// `order(id)`'s reads through the same domain functions and pool, with the
/// JSON written by hand: the order with its lines, its live allocations with
/// their locations, and the customer.
async fn order(
    State(db): State<sea_orm::DatabaseConnection>,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    use sea_orm::{ActiveEnum, EntityTrait};
    let read = async {
        let Some(order) = domain::orders::find(&db, id).await? else {
            return Ok::<_, sea_orm::DbErr>(None);
        };
        let allocations = domain::orders::allocations(&db, id).await?;
        let customer = match order.order.customer_id {
            Some(c) => entity::party::Entity::find_by_id(c).one(&db).await?,
            None => None,
        };
        Ok(Some((order, allocations, customer)))
    };
    match read.await {
        Ok(Some((o, allocations, customer))) => {
            let lines: Vec<Value> = o
                .lines
                .iter()
                .map(|l| {
                    json!({ "lineNo": l.line_no, "sku": l.sku, "name": l.name, "quantity": l.quantity,
                        "unitPrice": money(l.unit_price_cents),
                        "reservedQuantity": l.reserved_quantity })
                })
                .collect();
            let allocations: Vec<Value> = allocations
                .iter()
                .map(|(a, location, batch)| {
                    let line_no = o.lines.iter().find(|l| l.id == a.order_line_id).map_or(0, |l| l.line_no);
                    json!({ "lineNo": line_no, "locationCode": location.code,
                        "batchCode": Some(batch).filter(|b| !b.is_empty()), "quantity": a.quantity })
                })
                .collect();
            let customer = customer
                .map(|c| json!({ "id": c.id.to_string(), "name": c.name, "email": c.email }));
            Json(json!({ "data": { "order": {
                "id": o.order.id.to_string(), "number": o.order.number,
                "status": o.order.status.to_value(),
                "total": money(o.order.total_cents),
                "customer": customer, "lines": lines, "allocations": allocations } } }))
            .into_response()
        }
        Ok(None) => Json(json!({ "data": { "order": null } })).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn money(cents: i64) -> Value {
    json!({ "amount": domain::rules::money::Money::from_cents(cents).to_string(), "currency": "AUD" })
}
