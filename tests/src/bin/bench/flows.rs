//! What the benchmarks drive through the API: the seed data, the contention
//! run (P4) and its plain-SQL baseline, the notification run (P5).

use crate::Api;
use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A throw-away database on the PostgreSQL server, dropped afterwards.
pub struct Scratch {
    admin: DatabaseConnection,
    name: String,
}

impl Scratch {
    pub async fn drop_database(self) {
        let _ = self
            .admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await;
    }
}

/// A new database on `server_url` (after checking Redis answers too).
pub async fn postgres_database(
    server_url: &str,
    redis_url: &str,
) -> anyhow::Result<(String, Scratch)> {
    let redis = redis::Client::open(redis_url)?;
    let mut conn = redis
        .get_multiplexed_async_connection()
        .await
        .context("Redis")?;
    let _: String = redis::cmd("PING")
        .query_async(&mut conn)
        .await
        .context("Redis PING")?;
    let admin = sea_orm::Database::connect(server_url)
        .await
        .context("PostgreSQL")?;
    let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = server_url.rsplit_once('/').map_or(server_url, |(b, _)| b);
    Ok((format!("{base}/{name}"), Scratch { admin, name }))
}

/// The harness's own pool on the server's database (same settings as the API's).
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    Ok(domain::kernel::db::connect(url).await?)
}

/// POST a GraphQL document as the harness's ADMIN; its `data`, or an error.
pub async fn gql(
    client: &reqwest::Client,
    server: &Api,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let body: Value = client
        .post(server.graphql_url())
        .bearer_auth(&server.token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    if let Some(errors) = body.get("errors") {
        bail!("{query}: {errors}");
    }
    Ok(body["data"].clone())
}

/// The first field's payload, refusing userErrors.
fn payload(data: &Value) -> anyhow::Result<Value> {
    let (_, p) = data
        .as_object()
        .and_then(|o| o.iter().next())
        .context("empty data")?;
    if p["userErrors"].as_array().is_some_and(|e| !e.is_empty()) {
        bail!("refused: {}", p["userErrors"]);
    }
    Ok(p.clone())
}

pub struct Seeded {
    pub customer_id: String,
    /// Twenty products with plenty of stock.
    pub products: Vec<String>,
    /// Ten products with little stock, for P4.
    pub hot: Vec<String>,
    /// An order of 20 lines, reserved.
    pub order_id: String,
}

/// Units of each hot SKU: fewer than the contention run asks for, so it
/// runs out of stock while 64 clients are reserving.
pub const HOT_STOCK: i64 = 60;

pub async fn seed(server: &Api) -> anyhow::Result<Seeded> {
    let client = reqwest::Client::new();
    let location = payload(&gql(&client, server,
        "mutation($input: CreateStockLocationInput!) { createStockLocation(input: $input) { stockLocation { id } userErrors { code message } } }",
        json!({ "input": { "code": "SYD", "name": "Sydney", "region": "AUSTRALIA" } })).await?)?["stockLocation"]["id"].clone();
    let product = async |sku: String, units: i64| -> anyhow::Result<String> {
        let created = payload(&gql(&client, server,
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { code message } } }",
            json!({ "input": { "sku": sku, "name": format!("Product {sku}"), "taxCode": "TAXABLE", "price": "10.00", "weightGrams": 200 } })).await?)?;
        let id = created["product"]["id"].clone();
        payload(&gql(&client, server,
            "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { onHand } userErrors { code message } } }",
            json!({ "input": { "productId": id, "locationId": location, "quantity": units, "reason": "count" } })).await?)?;
        Ok(id.as_str().context("product id")?.to_owned())
    };
    let mut products = Vec::new();
    for i in 0..20 {
        products.push(product(format!("BENCH-{i:02}"), 1_000_000).await?);
    }
    let mut hot = Vec::new();
    for i in 0..10 {
        hot.push(product(format!("HOT-{i:02}"), HOT_STOCK).await?);
    }
    let customer_id = payload(&gql(&client, server,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code message } } }",
        json!({ "input": { "name": "Bench Customer", "email": "bench@bench.example" } })).await?)?["customer"]["id"]
        .as_str().context("customer id")?.to_owned();
    let lines: Vec<Value> = products
        .iter()
        .map(|p| json!({ "productId": p, "quantity": 1 }))
        .collect();
    let order_id = place(&client, server, &customer_id, lines).await?;
    reserve(&client, server, &order_id).await?;
    Ok(Seeded {
        customer_id,
        products,
        hot,
        order_id,
    })
}

const PLACE_ORDER: &str = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code message } } }";

fn order_input(customer: &str, lines: Vec<Value>) -> Value {
    json!({ "input": { "customerId": customer, "lines": lines,
        "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
        "requiredDeliveryDate": "2030-12-24", "shippingSpeed": "STANDARD" } })
}

async fn place(
    client: &reqwest::Client,
    server: &Api,
    customer: &str,
    lines: Vec<Value>,
) -> anyhow::Result<String> {
    let placed = payload(&gql(client, server, PLACE_ORDER, order_input(customer, lines)).await?)?;
    Ok(placed["order"]["id"]
        .as_str()
        .context("order id")?
        .to_owned())
}

/// Request the reservation, which the policy approves at once under its
/// amount band (the approval reserves what stock there is, backordering the rest).
async fn reserve(client: &reqwest::Client, server: &Api, order: &str) -> anyhow::Result<()> {
    let requested = payload(&gql(client, server,
        "mutation($id: ID!) { requestReservation(input: { orderId: $id }) { approval { status } userErrors { code message } } }",
        json!({ "id": order })).await?)?;
    if requested["approval"]["status"] != "APPROVED" {
        bail!("reservation not approved at once: {requested}");
    }
    Ok(())
}

pub const ORDER_READ: &str = "query($id: ID!) { order(id: $id) { id number status total { amount currency } customer { id name email } lines { lineNo sku name quantity unitPrice { amount currency } reservedQuantity } allocations { lineNo locationCode batchCode quantity } } }";

pub fn order_read_body(order: &str) -> String {
    json!({ "query": ORDER_READ, "variables": { "id": order } }).to_string()
}

pub fn place_order_body(seeded: &Seeded) -> String {
    let mut body = order_input(
        &seeded.customer_id,
        vec![json!({ "productId": seeded.products[0], "quantity": 1 })],
    );
    body["query"] = json!(PLACE_ORDER);
    body["variables"] = json!({ "input": body["input"].take() });
    body.as_object_mut().unwrap().remove("input");
    body.to_string()
}

/// The baseline must answer what GraphQL answers, or the ratio compares
/// different work.
pub async fn check_same_answer(server: &Api, order: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let graphql = gql(&client, server, ORDER_READ, json!({ "id": order })).await?;
    let bare: Value = client
        .get(format!("{}/bench/order/{order}", server.base))
        .send()
        .await?
        .json()
        .await?;
    if bare["data"] != graphql {
        bail!(
            "the hand-written order read differs from GraphQL:\n{}\n{}",
            bare["data"],
            graphql
        );
    }
    let lines = graphql["order"]["lines"].as_array().map_or(0, Vec::len);
    let allocations = graphql["order"]["allocations"]
        .as_array()
        .map_or(0, Vec::len);
    if lines != 20 || allocations != 20 {
        bail!("the seeded order has {lines} lines and {allocations} allocations, not 20 and 20");
    }
    Ok(())
}

/// SQL statements the server process has run since it started.
async fn statements_so_far(client: &reqwest::Client, server: &Api) -> anyhow::Result<u64> {
    let text = client
        .get(format!("{}/bench/statements", server.base))
        .send()
        .await?
        .text()
        .await?;
    Ok(text.trim().parse()?)
}

/// SQL statements one `order(id)` costs: the median over 31 reads of the
/// process-wide count (the worker's polling may land in a few of them).
pub async fn statements_per_order_read(server: &Api, order: &str) -> anyhow::Result<u64> {
    let client = reqwest::Client::new();
    let count = async || statements_so_far(&client, server).await;
    let mut deltas = Vec::new();
    for _ in 0..31 {
        let before = count().await?;
        gql(&client, server, ORDER_READ, json!({ "id": order })).await?;
        deltas.push(count().await? - before);
    }
    deltas.sort_unstable();
    Ok(deltas[deltas.len() / 2])
}

/// SQL statements one placeOrder + requestReservation of one line costs:
/// the fewest over 9 (the worker shares the count, and polls every relay
/// interval, so most samples see none of its statements).
pub async fn statements_per_place_and_reserve(
    server: &Api,
    seeded: &Seeded,
) -> anyhow::Result<u64> {
    let client = reqwest::Client::new();
    let count = async || statements_so_far(&client, server).await;
    let mut fewest = u64::MAX;
    for _ in 0..9 {
        let before = count().await?;
        let line = json!({ "productId": seeded.products[1], "quantity": 1 });
        let order = place(&client, server, &seeded.customer_id, vec![line]).await?;
        reserve(&client, server, &order).await?;
        fewest = fewest.min(count().await? - before);
    }
    Ok(fewest)
}

/// Sample the server's resident memory every 100 ms into `peak`.
pub fn sample_rss(pid: u32, peak: Arc<Mutex<f64>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            if let Some(mib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
                .map(|kib| kib / 1024.0)
            {
                let mut p = peak.lock().unwrap();
                *p = p.max(mib);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

pub async fn order_count(db: &DatabaseConnection) -> anyhow::Result<u64> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    Ok(entity::sales_order::Entity::find().count(db).await?)
}

pub struct Contention {
    pub orders: u64,
    pub reserved: u64,
    pub orders_per_sec: f64,
    pub oversold: i64,
}

/// P4: 64 clients, each placing an order of one hot SKU and reserving it,
/// again and again; then every hot SKU's stock checked against what its
/// live allocations hold.
pub async fn contention(
    server: &Api,
    db: &DatabaseConnection,
    seeded: &Seeded,
    run_for: Duration,
) -> anyhow::Result<Contention> {
    let client = reqwest::Client::new();
    let orders = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..64usize {
        let (client, orders) = (client.clone(), orders.clone());
        let hot = seeded.hot.clone();
        let customer = seeded.customer_id.clone();
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = worker;
            while started.elapsed() < run_for {
                n += 7;
                let line = json!({ "productId": hot[n % hot.len()], "quantity": 1 });
                let order = place(&client, &server, &customer, vec![line]).await?;
                reserve(&client, &server, &order).await?;
                orders.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let orders = orders.load(Ordering::Relaxed);
    Ok(Contention {
        orders,
        reserved: reserved_in_full(db, &seeded.hot).await?,
        orders_per_sec: orders as f64 / elapsed,
        oversold: oversold(db, &seeded.hot).await?,
    })
}

/// Order lines of the hot SKUs whose units are all reserved.
async fn reserved_in_full(db: &DatabaseConnection, hot: &[String]) -> anyhow::Result<u64> {
    use entity::order_line;
    use sea_orm::{
        ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
        sea_query::{Expr, ExprTrait},
    };
    let ids: Vec<uuid::Uuid> = hot.iter().map(|h| h.parse()).collect::<Result<_, _>>()?;
    Ok(order_line::Entity::find()
        .filter(order_line::Column::ProductId.is_in(ids))
        .filter(
            Expr::col(order_line::Column::ReservedQuantity).equals(order_line::Column::Quantity),
        )
        .count(db)
        .await?)
}

/// Units reserved beyond what is on the shelf, plus any difference between
/// a stock level's reserved count and its live allocations, over the hot SKUs.
async fn oversold(db: &DatabaseConnection, hot: &[String]) -> anyhow::Result<i64> {
    use entity::{order_allocation, stock_level};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ids: Vec<uuid::Uuid> = hot.iter().map(|h| h.parse()).collect::<Result<_, _>>()?;
    let levels = stock_level::Entity::find()
        .filter(stock_level::Column::ProductId.is_in(ids))
        .all(db)
        .await?;
    let mut oversold = 0;
    for level in &levels {
        let allocated: i64 = order_allocation::Entity::find()
            .filter(order_allocation::Column::StockLevelId.eq(level.id))
            .filter(order_allocation::Column::ReleasedAt.is_null())
            .all(db)
            .await?
            .iter()
            .map(|a| i64::from(a.quantity))
            .sum();
        let on_hand = i64::from(level.on_hand);
        let reserved = i64::from(level.reserved);
        oversold += (reserved - on_hand).max(0)
            + (allocated - reserved).abs()
            + (allocated - HOT_STOCK).max(0);
    }
    Ok(oversold)
}

/// The baseline of P4: 64 tasks doing the same conditional update a
/// reservation does (take one unit only while enough is free) and recording
/// the allocation, each in its own write transaction, straight on the pool.
pub async fn sql_loop(db: &DatabaseConnection, run_for: Duration) -> anyhow::Result<f64> {
    let backend = db.get_database_backend();
    let p = |n: usize| {
        if backend == DbBackend::Postgres {
            format!("${n}")
        } else {
            "?".to_owned()
        }
    };
    db.execute_unprepared("CREATE TABLE bench_stock (id BIGINT PRIMARY KEY, on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL)").await?;
    db.execute_unprepared("CREATE TABLE bench_allocation (id VARCHAR(36) PRIMARY KEY, stock_id BIGINT NOT NULL, quantity BIGINT NOT NULL)").await?;
    for id in 0..10 {
        // Never runs out: every iteration does the full update and insert.
        db.execute_unprepared(&format!(
            "INSERT INTO bench_stock VALUES ({id}, 1000000000, 0)"
        ))
        .await?;
    }
    let take = format!(
        "UPDATE bench_stock SET reserved = reserved + 1 WHERE id = {} AND on_hand - reserved >= 1",
        p(1)
    );
    let record = format!(
        "INSERT INTO bench_allocation VALUES ({}, {}, 1)",
        p(1),
        p(2)
    );
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..64i64 {
        let (db, done, take, record) = (db.clone(), done.clone(), take.clone(), record.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = worker;
            while started.elapsed() < run_for {
                n += 7;
                let txn = domain::kernel::db::begin_write(&db).await?;
                let taken = txn
                    .execute_raw(Statement::from_sql_and_values(
                        backend,
                        &take,
                        [(n % 10).into()],
                    ))
                    .await?;
                if taken.rows_affected() == 1 {
                    txn.execute_raw(Statement::from_sql_and_values(
                        backend,
                        &record,
                        [uuid::Uuid::now_v7().to_string().into(), (n % 10).into()],
                    ))
                    .await?;
                }
                txn.commit().await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    db.execute_unprepared("DROP TABLE bench_allocation").await?;
    db.execute_unprepared("DROP TABLE bench_stock").await?;
    let _ = db.begin().await?.commit().await;
    Ok(rate)
}

/// Where P5's time goes, from the rows' own timestamps: committed →
/// relayed to the queue → handled (its email row made) → sent. Printed for
/// BENCHMARKS.md's causes.
async fn phases(db: &DatabaseConnection, since: SystemTime) -> anyhow::Result<()> {
    use entity::{notification, outbox};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let since: chrono::DateTime<chrono::Utc> = since.into();
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Topic.eq(domain::platform::outbox::topic::CUSTOMER_CREATED))
        .filter(outbox::Column::CreatedAt.gte(since))
        .all(db)
        .await?;
    let mails = notification::Entity::find()
        .filter(notification::Column::CreatedAt.gte(since))
        .all(db)
        .await?;
    let span = |from: Option<chrono::DateTime<chrono::Utc>>,
                to: Option<chrono::DateTime<chrono::Utc>>| {
        from.zip(to)
            .map_or(0.0, |(a, b)| (b - a).num_milliseconds() as f64 / 1000.0)
    };
    let first = rows.iter().map(|r| r.created_at).min();
    let relayed = rows.iter().filter_map(|r| r.relayed_at).max();
    let processed = rows.iter().filter_map(|r| r.processed_at).max();
    let made = mails.iter().map(|m| m.created_at).max();
    let sent = mails.iter().filter_map(|m| m.sent_at).max();
    eprintln!(
        "bench: P5 phases over {} outbox rows and {} emails, seconds from the first commit: last committed {:.1}, last relayed {:.1}, last handled {:.1}, last email row {:.1}, last sent {:.1}",
        rows.len(),
        mails.len(),
        span(first, rows.iter().map(|r| r.created_at).max()),
        span(first, relayed),
        span(first, processed),
        span(first, made),
        span(first, sent),
    );
    Ok(())
}

pub struct Mail {
    pub count: usize,
    pub created_per_sec: f64,
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// P5: `count` customers created by 32 clients, each welcomed by email
/// through the outbox, the queue and the worker to the SMTP sink. A
/// message's enqueue time is when its createCustomer answered (its outbox
/// row committed); its accept time is the sink's 250.
pub async fn notifications(
    server: &Api,
    db: &DatabaseConnection,
    sink: &tests::smtp::SmtpSink,
    count: usize,
) -> anyhow::Result<Mail> {
    let client = reqwest::Client::new();
    let enqueued = Arc::new(Mutex::new(std::collections::HashMap::new()));
    let next = Arc::new(AtomicU64::new(0));
    let started = SystemTime::now();
    let already = sink.count();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (client, enqueued, next) = (client.clone(), enqueued.clone(), next.clone());
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= count {
                    break;
                }
                let email = format!("p5-{i}@bench.example");
                payload(&gql(&client, &server,
                    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code message } } }",
                    json!({ "input": { "name": format!("P5 {i}"), "email": email } })).await?)?;
                enqueued.lock().unwrap().insert(email, SystemTime::now());
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let created_at = SystemTime::now();
    let enqueued = enqueued.lock().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(300);
    let accepted = loop {
        // Copying every message is costly (and holds the sink's lock): only
        // once enough have arrived.
        if sink.count() < count + already && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let got: Vec<(String, SystemTime)> = sink
            .received()
            .into_iter()
            .filter_map(|r| {
                r.to.iter()
                    .find(|t| enqueued.contains_key(t.as_str()))
                    .map(|t| (t.clone(), r.accepted_at))
            })
            .collect();
        if got.len() >= count || Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    if accepted.len() != count {
        bail!(
            "P5: {} of {count} welcome emails arrived in 300 s",
            accepted.len()
        );
    }
    let mut latencies: Vec<f64> = accepted
        .iter()
        .map(|(to, at)| {
            at.duration_since(enqueued[to])
                .unwrap_or_default()
                .as_secs_f64()
                * 1000.0
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let first = enqueued.values().min().copied().unwrap_or(started);
    let last = accepted.iter().map(|(_, at)| *at).max().unwrap_or(first);
    let window = last.duration_since(first).unwrap_or_default().as_secs_f64();
    let pct = |q: f64| {
        latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    phases(db, started).await?;
    Ok(Mail {
        count,
        created_per_sec: count as f64
            / created_at
                .duration_since(started)
                .unwrap_or_default()
                .as_secs_f64(),
        per_sec: count as f64 / window,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    })
}
