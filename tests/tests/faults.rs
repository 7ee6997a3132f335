//! Fault tests (issue #35): real `api` and `worker` processes while what
//! they run on fails. PostgreSQL is restarted under a load of writes, Redis
//! is down while orders are taken, and the api is killed with requests in
//! flight. Each test brings its own PostgreSQL cluster (`pg_createcluster`
//! on a free port) or `redis-server`, stops and starts it, and leaves the
//! shared services alone; their own test binary, since they start servers.
//!
//! PostgreSQL + Redis only (skipped, with the reason printed, otherwise):
//!
//! ```text
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//! TEST_REDIS_URL=redis://127.0.0.1:6379 \
//!   cargo test -p tests --test faults -- --nocapture
//! ```
//!
//! Each test prints one line, `fault <name>: …`, with the counts it checked.
//! The other faults (a worker killed with SIGKILL, SMTP down, a courier
//! answering 500s and timing out) are in the `it` binary: `worker_process`,
//! `email` and `fulfilment`.

use entity::{
    OrderStatus, audit_entry, order_allocation, order_line, outbox, party, sales_order,
    stock_level, tax_invoice,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tests::faults::{
    Outcome, PgCluster, RedisServer, WorkerProcess, document_numbers, gaps, leaks_internals,
    request,
};
use tests::smtp::SmtpSink;
use tests::{ApiProcess, Op, Role, TestDatabase, services, wait_for};
use uuid::Uuid;

/// Not a published development default, so tokens are checked as in use.
const JWT_SECRET: &str = "fault-tests-jwt-secret-0123456789abcdefghij";
/// Longer than the api's own 30 s request timeout: a client that gives up
/// first saw a hang.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(45);
/// The longest a request may take while PostgreSQL is down: the pool's
/// 10 s acquire timeout, and some slack for a loaded machine.
const ANSWER_BOUND: Duration = Duration::from_secs(20);
/// How long PostgreSQL stays down: past the pool's acquire timeout.
const OUTAGE: Duration = Duration::from_secs(12);
/// A load client's pause after an error, as a real client backs off.
const CLIENT_BACKOFF: Duration = Duration::from_millis(200);

tests::op_const!(CREATE_CUSTOMER = "createCustomer": "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }");
tests::op_const!(PLACE_ORDER = "placeOrder": "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id number } userErrors { code } } }");
tests::op_const!(REQUEST_RESERVATION = "requestReservation": "mutation($id: ID!) { requestReservation(input: { orderId: $id }) { approval { id status } userErrors { code } } }");
tests::op_const!(CREATE_PRODUCT = "createProduct": "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { code } } }");
tests::op_const!(CREATE_LOCATION = "createStockLocation": "mutation($input: CreateStockLocationInput!) { createStockLocation(input: $input) { stockLocation { id } userErrors { code } } }");
tests::op_const!(ADJUST_STOCK = "adjustStock": "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { onHand } userErrors { code } } }");

/// Block this runtime thread on a slow synchronous step (starting a server,
/// a process) while the load keeps running on the others.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// The `api` binary on `database_url` and `redis_url`, under `prefix`.
fn start_api(
    database_url: &str,
    redis_url: &str,
    prefix: &str,
    dir: &Path,
    extra: &[(&str, &str)],
) -> ApiProcess {
    let mut vars = vec![
        ("DATABASE_URL", database_url),
        ("REDIS_URL", redis_url),
        ("QUEUE_PREFIX", prefix),
        ("JWT_SECRET", JWT_SECRET),
        // A GST-registered seller with an ABN, so reserved orders are invoiced.
        ("SELLER_ABN", "51 824 753 556"),
    ];
    vars.extend_from_slice(extra);
    blocking(|| ApiProcess::start(&vars, dir))
}

/// One caller of an api process: the same subject across restarts, so a
/// retried `Idempotency-Key` finds the first attempt's answer.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

impl Client {
    fn new(base_url: &str) -> Client {
        // A subject that looks like a login id, so every request checks it in
        // the database as a real user's token is checked.
        let subject = Uuid::now_v7().to_string();
        let token = api::auth::issue_token(
            JWT_SECRET,
            &subject,
            Role::Admin,
            None,
            chrono::Utc::now(),
            chrono::Duration::hours(4),
        );
        Client {
            http: reqwest::Client::builder()
                .timeout(CLIENT_TIMEOUT)
                .build()
                .expect("HTTP client"),
            base_url: base_url.to_owned(),
            token,
        }
    }

    /// The same caller at another address (a restarted api).
    fn at(&self, base_url: &str) -> Client {
        Client {
            base_url: base_url.to_owned(),
            ..self.clone()
        }
    }

    async fn send(&self, op: Op, variables: Value, key: Option<&str>) -> Outcome {
        let headers: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
        request(
            &self.http,
            &self.base_url,
            &self.token,
            &headers,
            op.document,
            op.field,
            variables,
        )
        .await
    }

    /// Run `op`, which must be answered; its payload.
    async fn must(&self, op: Op, variables: Value) -> Value {
        match self.send(op, variables, None).await {
            Outcome::Answered(payload) => payload,
            other => panic!("{} was not answered: {other:?}", op.field),
        }
    }
}

fn customer_input(name: &str, email: &str) -> Value {
    json!({ "input": { "name": name, "email": email } })
}

fn order_input(customer: &str, products: &[String]) -> Value {
    let lines: Vec<Value> = products
        .iter()
        .map(|p| json!({ "productId": p, "quantity": 1 }))
        .collect();
    json!({ "input": { "customerId": customer, "lines": lines,
        "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
        "requiredDeliveryDate": "2027-06-30", "shippingSpeed": "STANDARD" } })
}

/// A warehouse and two products with 1,000 units each there.
async fn stocked_products(client: &Client) -> (String, Vec<String>) {
    let location = client
        .must(
            CREATE_LOCATION,
            json!({ "input": { "code": "SYD-F", "name": "Sydney", "region": "AUSTRALIA" } }),
        )
        .await["stockLocation"]["id"]
        .as_str()
        .expect("a location")
        .to_owned();
    let mut products = Vec::new();
    for sku in ["FAULT-A", "FAULT-B"] {
        let id = client
            .must(
                CREATE_PRODUCT,
                json!({ "input": { "sku": sku, "name": format!("Product {sku}"), "taxCode": "TAXABLE",
                    "price": "20.00", "pricesIncludeGst": true, "weightGrams": 500 } }),
            )
            .await["product"]["id"]
            .as_str()
            .expect("a product")
            .to_owned();
        client
            .must(
                ADJUST_STOCK,
                json!({ "input": { "productId": id, "locationId": location, "quantity": 1000, "reason": "count" } }),
            )
            .await;
        products.push(id);
    }
    (location, products)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Customer,
    Order,
    Reservation,
}

impl Kind {
    fn op(self) -> Op {
        match self {
            Kind::Customer => CREATE_CUSTOMER,
            Kind::Order => PLACE_ORDER,
            Kind::Reservation => REQUEST_RESERVATION,
        }
    }
}

/// One request a load client made, and what it saw.
#[derive(Debug, Clone)]
struct Attempt {
    kind: Kind,
    key: Option<String>,
    variables: Value,
    started: Instant,
    took: Duration,
    outcome: Outcome,
}

impl Attempt {
    /// The id of the record the answer names (customer, order or approval).
    fn record_id(&self) -> Option<Uuid> {
        let payload = self.outcome.answered()?;
        let record = match self.kind {
            Kind::Customer => &payload["customer"],
            Kind::Order => &payload["order"],
            Kind::Reservation => &payload["approval"],
        };
        record["id"].as_str().and_then(|id| id.parse().ok())
    }
}

/// The next request a load client makes: kind, variables and key; `None`
/// when it has nothing left to send.
type Plan = dyn Fn(usize, usize) -> Option<(Kind, Value, Option<String>)> + Send + Sync;

/// Concurrent clients sending writes until stopped, each pausing after an
/// error and stopping at its first request that got no answer at all (the
/// api is gone).
struct Load {
    stop: Arc<AtomicBool>,
    attempts: Arc<Mutex<Vec<Attempt>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(client: &Client, clients: usize, plan: Arc<Plan>) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let attempts = Arc::new(Mutex::new(Vec::new()));
        let tasks = (0..clients)
            .map(|c| {
                let (client, plan, stop, attempts) =
                    (client.clone(), plan.clone(), stop.clone(), attempts.clone());
                tokio::spawn(async move {
                    for i in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let Some((kind, variables, key)) = plan(c, i) else {
                            break;
                        };
                        let started = Instant::now();
                        let outcome = client
                            .send(kind.op(), variables.clone(), key.as_deref())
                            .await;
                        let cut = matches!(outcome, Outcome::Cut(_));
                        let failed = outcome.answered().is_none();
                        attempts.lock().unwrap().push(Attempt {
                            kind,
                            key,
                            variables,
                            started,
                            took: started.elapsed(),
                            outcome,
                        });
                        if cut {
                            break;
                        }
                        if failed {
                            tokio::time::sleep(CLIENT_BACKOFF).await;
                        }
                    }
                })
            })
            .collect();
        Load {
            stop,
            attempts,
            tasks,
        }
    }

    fn seen(&self) -> Vec<Attempt> {
        self.attempts.lock().unwrap().clone()
    }

    /// Answered requests that started after `since`.
    fn answered_since(&self, since: Instant) -> usize {
        self.attempts
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.started >= since && a.outcome.answered().is_some())
            .count()
    }

    async fn finish(self) -> Vec<Attempt> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("a load client panicked");
        }
        Arc::try_unwrap(self.attempts)
            .map(|m| m.into_inner().unwrap())
            .unwrap_or_else(|a| a.lock().unwrap().clone())
    }
}

/// Resend every keyed write that got no answer (an error or a cut
/// connection) with its own key until it is answered: the api then either
/// replays the first attempt's answer (it committed) or does the write now
/// (it rolled back). Returns the attempts with their final outcome.
async fn settle(client: &Client, attempts: Vec<Attempt>) -> (Vec<Attempt>, usize) {
    let mut retried = 0;
    let mut settled = Vec::with_capacity(attempts.len());
    for mut attempt in attempts {
        if attempt.key.is_some() && attempt.outcome.answered().is_none() {
            retried += 1;
            let mut tries = 0;
            loop {
                attempt.outcome = client
                    .send(
                        attempt.kind.op(),
                        attempt.variables.clone(),
                        attempt.key.as_deref(),
                    )
                    .await;
                tries += 1;
                if attempt.outcome.answered().is_some() {
                    break;
                }
                assert!(
                    tries < 20,
                    "a retry of {:?} is still not answered: {:?}",
                    attempt.key,
                    attempt.outcome
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        settled.push(attempt);
    }
    (settled, retried)
}

/// What the database holds after a fault, checked against what clients
/// were told.
#[derive(Debug, Default)]
struct Integrity {
    orders: usize,
    customers: usize,
    /// Answered as written but absent.
    lost: usize,
    /// Present but answered to nobody: a write done twice.
    duplicated: usize,
    /// Records missing a line, their audit entry or their outbox row.
    partial: Vec<String>,
    so_gaps: u64,
}

/// Every order and customer in the database against the ids clients hold:
/// none lost, none extra, each whole (its `lines` lines, one creation audit
/// entry, one outbox row), and sales order numbers without gaps.
async fn check_integrity(
    db: &DatabaseConnection,
    answered_orders: &HashSet<Uuid>,
    answered_customers: &HashSet<Uuid>,
    lines: usize,
) -> Integrity {
    let orders = sales_order::Entity::find().all(db).await.expect("orders");
    let customers = party::Entity::find()
        .filter(party::Column::Kind.eq(entity::PartyKind::Customer))
        .all(db)
        .await
        .expect("customers");
    let mut lines_of: HashMap<Uuid, Vec<i32>> = HashMap::new();
    for line in order_line::Entity::find().all(db).await.expect("lines") {
        lines_of
            .entry(line.order_id)
            .or_default()
            .push(line.line_no);
    }
    let mut audit: HashMap<(Uuid, String), usize> = HashMap::new();
    for entry in audit_entry::Entity::find().all(db).await.expect("audit") {
        *audit.entry((entry.subject_id, entry.action)).or_default() += 1;
    }
    let mut jobs: HashMap<(Uuid, String), usize> = HashMap::new();
    for row in outbox::Entity::find().all(db).await.expect("outbox") {
        *jobs.entry((row.subject_id, row.topic)).or_default() += 1;
    }
    let once = |map: &HashMap<(Uuid, String), usize>, id: Uuid, what: &str| {
        map.get(&(id, what.to_owned())).copied().unwrap_or(0) == 1
    };
    let mut integrity = Integrity {
        orders: orders.len(),
        customers: customers.len(),
        ..Default::default()
    };
    let in_db: HashSet<Uuid> = orders.iter().map(|o| o.id).collect();
    let customers_in_db: HashSet<Uuid> = customers.iter().map(|c| c.id).collect();
    integrity.lost = answered_orders.difference(&in_db).count()
        + answered_customers.difference(&customers_in_db).count();
    integrity.duplicated = in_db.difference(answered_orders).count()
        + customers_in_db.difference(answered_customers).count();
    for order in &orders {
        let mut numbers = lines_of.get(&order.id).cloned().unwrap_or_default();
        numbers.sort_unstable();
        let whole_lines = numbers == (1..=lines as i32).collect::<Vec<_>>();
        if !(whole_lines
            && once(&audit, order.id, "order.placed")
            && once(&jobs, order.id, "order.placed"))
        {
            integrity.partial.push(format!(
                "{} ({}): lines {numbers:?}, audit {}, outbox {}",
                order.number,
                order.id,
                once(&audit, order.id, "order.placed"),
                once(&jobs, order.id, "order.placed")
            ));
        }
    }
    for customer in &customers {
        if !(once(&audit, customer.id, "customer.created")
            && once(&jobs, customer.id, "customer.created"))
        {
            integrity.partial.push(format!(
                "customer {} without its audit or outbox row",
                customer.id
            ));
        }
    }
    integrity.so_gaps = gaps(&document_numbers(
        "SO",
        orders.iter().map(|o| o.number.as_str()),
    ));
    integrity
}

/// Every answer that was not a success must be a coded INTERNAL error that
/// shows no internals, within the bound; nothing may be cut off or hang.
fn assert_answers_coded(attempts: &[Attempt], what: &str) -> BTreeMap<String, usize> {
    let mut codes = BTreeMap::new();
    for a in attempts {
        match &a.outcome {
            Outcome::Answered(_) => {}
            Outcome::Coded {
                code,
                message,
                status,
            } => {
                assert_eq!(code, "INTERNAL", "{what}: {a:?}");
                assert!(
                    message.starts_with("internal error (request id ") && !leaks_internals(message),
                    "{what}: the message shows internals: {message}"
                );
                *codes.entry(format!("{code}/HTTP {status}")).or_default() += 1;
            }
            other => panic!("{what}: {:?} {:?} answered {other:?}", a.kind, a.key),
        }
        assert!(
            a.took <= ANSWER_BOUND,
            "{what}: {:?} took {:?}",
            a.key,
            a.took
        );
    }
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_mid_load_answers_with_codes_recovers_and_writes_nothing_partial() {
    let Some((_, redis_url)) = services::require_production_services("fault postgres-restart")
    else {
        return;
    };
    let pg = blocking(PgCluster::create);
    let dir = tempfile::tempdir().unwrap();
    let prefix = format!("fault:{}", Uuid::now_v7().simple());
    let api = start_api(&pg.url(), &redis_url, &prefix, dir.path(), &[]);
    let client = Client::new(&api.base_url);
    let (_, products) = stocked_products(&client).await;
    let mut customers = Vec::new();
    for i in 0..3 {
        customers.push(
            client
                .must(
                    CREATE_CUSTOMER,
                    customer_input(&format!("Steady {i}"), &format!("s{i}@pg.example")),
                )
                .await["customer"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    let setup: HashSet<Uuid> = customers.iter().map(|c| c.parse().unwrap()).collect();
    let lines = products.len();
    // Six clients: two orders, then a customer, each write with its own key.
    let plan: Arc<Plan> = Arc::new(move |c, i| {
        let key = format!("pg-{c}-{i}");
        Some(if i % 3 == 2 {
            let input = customer_input(&format!("Load {c}-{i}"), &format!("l{c}-{i}@pg.example"));
            (Kind::Customer, input, Some(key))
        } else {
            let input = order_input(&customers[(c + i) % customers.len()], &products);
            (Kind::Order, input, Some(key))
        })
    });
    let load = Load::start(&client, 6, plan);
    let load_began = Instant::now();
    wait_for("writes under load", Duration::from_secs(60), async || {
        load.answered_since(load_began) >= 30
    })
    .await;

    // Down longer than the pool's acquire timeout, so requests that wait
    // for a connection are answered while it is still down, not only those
    // refused at once while it shuts down.
    let down_at = Instant::now();
    blocking(|| pg.stop());
    wait_for(
        "requests sent while PostgreSQL is down to be answered",
        Duration::from_secs(60),
        async || {
            let refused = load
                .seen()
                .iter()
                .filter(|a| a.started >= down_at && a.outcome.answered().is_none())
                .count();
            refused >= 6 && down_at.elapsed() >= OUTAGE
        },
    )
    .await;
    blocking(|| pg.start());
    let up_at = Instant::now();
    let mut recovered_after = Duration::ZERO;
    wait_for(
        "the api to write again without a restart",
        Duration::from_secs(60),
        async || {
            let n = load.answered_since(up_at);
            if n > 0 && recovered_after.is_zero() {
                recovered_after = up_at.elapsed();
            }
            n >= 30
        },
    )
    .await;
    let attempts = load.finish().await;

    let codes = assert_answers_coded(&attempts, "PostgreSQL restart");
    let refused_while_down = attempts
        .iter()
        .filter(|a| a.started >= down_at && a.started < up_at)
        .filter(|a| a.outcome.answered().is_none())
        .count();
    assert!(
        refused_while_down >= 6,
        "requests while PostgreSQL was down were answered with errors"
    );
    let answered_first = attempts
        .iter()
        .filter(|a| a.outcome.answered().is_some())
        .count();
    let slowest = attempts.iter().map(|a| a.took).max().unwrap_or_default();

    let (settled, retried) = settle(&client, attempts).await;
    let ids = |kind: Kind| -> HashSet<Uuid> {
        settled
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| a.record_id().expect("every write answered in the end"))
            .collect()
    };
    let (orders, mut customers) = (ids(Kind::Order), ids(Kind::Customer));
    let accepted = orders.len() + customers.len();
    customers.extend(&setup);
    let db = sea_orm::Database::connect(pg.url()).await.expect("connect");
    let integrity = check_integrity(&db, &orders, &customers, lines).await;
    println!(
        "fault postgres-restart: writes={} accepted={} (first time {answered_first}, after retry {retried}) errors_while_down={refused_while_down} codes={codes:?} slowest={}ms first_write_after_start={}ms lost={} duplicated={} partial={} so_gaps={}",
        settled.len(),
        accepted,
        slowest.as_millis(),
        recovered_after.as_millis(),
        integrity.lost,
        integrity.duplicated,
        integrity.partial.len(),
        integrity.so_gaps,
    );
    assert_eq!(accepted, settled.len(), "each write its own record");
    assert_eq!(integrity.orders, orders.len());
    assert_eq!(integrity.customers, customers.len());
    assert_eq!(integrity.lost, 0, "{integrity:?}");
    assert_eq!(integrity.duplicated, 0, "{integrity:?}");
    assert!(integrity.partial.is_empty(), "{:#?}", integrity.partial);
    assert_eq!(integrity.so_gaps, 0, "{integrity:?}");
    db.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_redis_down_orders_are_still_taken_and_every_job_is_delivered_once_it_is_back() {
    let Some((pg_url, _)) = services::require_production_services("fault redis-down") else {
        return;
    };
    let mut redis = blocking(RedisServer::start);
    let (database_url, _database) = TestDatabase::create_postgres(&pg_url).await;
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let prefix = format!("fault:{}", Uuid::now_v7().simple());
    let quick = [
        ("SMTP_URL", sink.url()),
        ("RELAY_INTERVAL_MS", "50".into()),
        ("SWEEP_INTERVAL_MS", "200".into()),
        ("EMAIL_RETRY_BASE_MS", "200".into()),
        // A send's lease. Shorter, a send starved of CPU for that long is
        // taken over and sent twice (the at-least-once window of a crash,
        // which this test does not cause).
        ("RECOVERY_AFTER_MS", "10000".into()),
    ];
    let extra: Vec<(&str, &str)> = quick.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let api = start_api(&database_url, &redis.url(), &prefix, dir.path(), &extra);
    let mut worker_vars: Vec<(&str, String)> = vec![
        ("DATABASE_URL", database_url.clone()),
        ("REDIS_URL", redis.url()),
        ("QUEUE_PREFIX", prefix.clone()),
        ("JWT_SECRET", JWT_SECRET.into()),
        ("WORKER_METRICS_ADDR", "127.0.0.1:0".into()),
    ];
    worker_vars.extend(quick.iter().cloned());
    let mut worker = WorkerProcess::start(&worker_vars);
    let client = Client::new(&api.base_url);
    let (_, products) = stocked_products(&client).await;

    // Before: customers whose welcome arrives, the queue working.
    const N: usize = 8;
    let mut before = Vec::new();
    for i in 0..N {
        let payload = client
            .must(
                CREATE_CUSTOMER,
                customer_input(&format!("Before {i}"), &format!("a{i}@redis.example")),
            )
            .await;
        before.push(payload["customer"]["id"].as_str().unwrap().to_owned());
    }
    let arrived = sink.wait_for(N, Duration::from_secs(60)).await.len();
    assert_eq!(arrived, N, "worker logs:\n{}", worker.logs.text());

    // Down: every write is still taken, its jobs kept in the outbox.
    blocking(|| redis.stop());
    let down_at = Instant::now();
    let mut accepted = Vec::new();
    let mut slowest = Duration::ZERO;
    for (i, customer) in before.iter().enumerate() {
        let started = Instant::now();
        let created = client
            .must(
                CREATE_CUSTOMER,
                customer_input(&format!("During {i}"), &format!("b{i}@redis.example")),
            )
            .await;
        accepted.push(created["customer"]["id"].as_str().unwrap().to_owned());
        slowest = slowest.max(started.elapsed());
        let started = Instant::now();
        let placed = client
            .must(PLACE_ORDER, order_input(customer, &products))
            .await;
        accepted.push(placed["order"]["id"].as_str().unwrap().to_owned());
        slowest = slowest.max(started.elapsed());
    }
    let db = sea_orm::Database::connect(&database_url)
        .await
        .expect("connect");
    let kept = outbox::Entity::find()
        .filter(
            outbox::Column::SubjectId.is_in(accepted.iter().map(|id| id.parse::<Uuid>().unwrap())),
        )
        .all(&db)
        .await
        .unwrap();
    assert_eq!(kept.len(), accepted.len(), "one outbox row per write");
    // An outage of a few seconds at least: several relay passes and sweeps
    // fail against it before it ends.
    if let Some(rest) = Duration::from_secs(3).checked_sub(down_at.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    let during_outage = sink.received().len() - N;
    assert!(
        worker.exited().is_none(),
        "the worker survives a Redis outage:\n{}",
        worker.logs.text()
    );

    // Back (empty: no persistence): every job delivered, each once.
    blocking(|| redis.start_again());
    let expected = 3 * N;
    let received = sink.wait_for(expected, Duration::from_secs(90)).await;
    assert!(
        received.len() >= expected,
        "{} of {expected} emails arrived after Redis came back; worker logs:\n{}",
        received.len(),
        worker.logs.text()
    );
    // Every job finished: nothing left that could send again.
    wait_for(
        "every outbox row processed",
        Duration::from_secs(60),
        async || {
            outbox::Entity::find()
                .filter(outbox::Column::ProcessedAt.is_null())
                .all(&db)
                .await
                .unwrap()
                .is_empty()
        },
    )
    .await;
    let received = sink.received();
    let mut per_recipient: BTreeMap<String, usize> = BTreeMap::new();
    for m in &received {
        for to in &m.to {
            *per_recipient.entry(to.clone()).or_default() += 1;
        }
    }
    let message_ids: HashSet<String> = received.iter().map(|m| m.message_id()).collect();
    let delivered_after = received.len() - N;
    let duplicated = received.len() - message_ids.len();
    // Each earlier customer: a welcome, then the confirmation of its order;
    // each new customer: a welcome.
    let lost = (0..N)
        .map(|i| {
            2usize.saturating_sub(
                per_recipient
                    .get(&format!("a{i}@redis.example"))
                    .copied()
                    .unwrap_or(0),
            ) + 1usize.saturating_sub(
                per_recipient
                    .get(&format!("b{i}@redis.example"))
                    .copied()
                    .unwrap_or(0),
            )
        })
        .sum::<usize>();
    let restarts = worker.logs.text().matches("restarting it").count();
    println!(
        "fault redis-down: accepted={} delivered={delivered_after} lost={lost} duplicated={duplicated} (sent before the outage {N}, during it {during_outage}; slowest write while down {}ms; job worker restarts {restarts})",
        accepted.len(),
        slowest.as_millis()
    );
    assert_eq!(during_outage, 0, "nothing is sent without the queue");
    // Live updates are best effort: a write does not wait out Redis.
    assert!(
        slowest <= Duration::from_secs(5),
        "a write took {slowest:?}"
    );
    assert_eq!(lost, 0, "{per_recipient:?}");
    let notifications = entity::notification::Entity::find().all(&db).await.unwrap();
    let detail = || {
        format!(
            "{per_recipient:?}\nnotifications: {:#?}\nworker logs:\n{}",
            notifications
                .iter()
                .map(|n| (&n.recipient, n.kind, n.status, n.attempts, n.sent_at))
                .collect::<Vec<_>>(),
            worker.logs.text()
        )
    };
    assert_eq!(duplicated, 0, "{}", detail());
    assert_eq!(delivered_after, accepted.len(), "{}", detail());
    assert!(worker.terminate().success(), "{}", worker.logs.text());
    db.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_api_killed_mid_request_leaves_no_half_written_order() {
    let Some((pg_url, redis_url)) = services::require_production_services("fault api-kill") else {
        return;
    };
    let (database_url, _database) = TestDatabase::create_postgres(&pg_url).await;
    let dir = tempfile::tempdir().unwrap();
    let prefix = format!("fault:{}", Uuid::now_v7().simple());
    let mut api = start_api(&database_url, &redis_url, &prefix, dir.path(), &[]);
    let client = Client::new(&api.base_url);
    let (_, products) = stocked_products(&client).await;
    let mut customers = Vec::new();
    for i in 0..4 {
        customers.push(
            client
                .must(
                    CREATE_CUSTOMER,
                    customer_input(&format!("Kill {i}"), &format!("k{i}@kill.example")),
                )
                .await["customer"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Orders to reserve while the kill lands; reserving one is approved at
    // once (under the policy's threshold), takes stock and invoices it.
    let mut to_reserve = Vec::new();
    for i in 0..60 {
        let placed = client
            .must(PLACE_ORDER, order_input(&customers[i % 4], &products))
            .await;
        to_reserve.push(placed["order"]["id"].as_str().unwrap().to_owned());
    }
    let setup_orders: HashSet<Uuid> = to_reserve.iter().map(|o| o.parse().unwrap()).collect();
    let first = client
        .must(REQUEST_RESERVATION, json!({ "id": to_reserve.pop() }))
        .await;
    assert_eq!(first["approval"]["status"], "APPROVED", "{first}");
    let queue = Arc::new(Mutex::new(to_reserve));

    // Six clients placing orders (with keys), two reserving.
    let plan: Arc<Plan> = {
        let (customers, products, queue) = (customers.clone(), products.clone(), queue.clone());
        Arc::new(move |c, i| {
            if c < 2 {
                let id = queue.lock().unwrap().pop()?;
                Some((Kind::Reservation, json!({ "id": id }), None))
            } else {
                let input = order_input(&customers[(c + i) % customers.len()], &products);
                Some((Kind::Order, input, Some(format!("kill-{c}-{i}"))))
            }
        })
    };
    let load = Load::start(&client, 8, plan);
    let began = Instant::now();
    wait_for("orders under load", Duration::from_secs(60), async || {
        load.answered_since(began) >= 40
    })
    .await;
    api.child.kill().expect("SIGKILL the api");
    let _ = api.child.wait();
    let attempts = load.finish().await;
    let cut = |kind: Kind| -> HashSet<String> {
        attempts
            .iter()
            .filter(|a| a.kind == kind && matches!(a.outcome, Outcome::Cut(_)))
            .map(|a| {
                a.key
                    .clone()
                    .unwrap_or_else(|| a.variables["id"].to_string())
            })
            .collect()
    };
    let (orders_cut, reservations_cut) = (cut(Kind::Order), cut(Kind::Reservation).len());
    // Every client was waiting on the api when it died.
    assert!(
        orders_cut.len() + reservations_cut >= 4,
        "requests in flight at the kill: {:?}",
        attempts
            .iter()
            .filter(|a| matches!(a.outcome, Outcome::Cut(_)))
            .count()
    );
    let db = sea_orm::Database::connect(&database_url)
        .await
        .expect("connect");
    let before_retry: HashSet<Uuid> = sales_order::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();

    let restarted = start_api(&database_url, &redis_url, &prefix, dir.path(), &[]);
    let client = client.at(&restarted.base_url);
    let (settled, retried) = settle(&client, attempts).await;
    let placed: Vec<&Attempt> = settled.iter().filter(|a| a.kind == Kind::Order).collect();
    let orders: HashSet<Uuid> = placed
        .iter()
        .map(|a| a.record_id().expect("every order answered in the end"))
        .collect();
    // A retry that names an order already there: committed before the kill,
    // its answer lost with the process.
    let committed_unanswered = placed
        .iter()
        .filter(|a| a.key.as_ref().is_some_and(|k| orders_cut.contains(k)))
        .filter(|a| before_retry.contains(&a.record_id().unwrap()))
        .count();
    let mut all_orders = orders.clone();
    all_orders.extend(&setup_orders);
    let customers_ids: HashSet<Uuid> = customers.iter().map(|c| c.parse().unwrap()).collect();
    let integrity = check_integrity(&db, &all_orders, &customers_ids, products.len()).await;
    let stock = check_stock(&db).await;
    println!(
        "fault api-kill: in_flight_at_kill={} (orders {}, reservations {reservations_cut}) accepted={} (retried {retried}: committed before the kill {committed_unanswered}, written on retry {}) lost={} duplicated={} partial={} so_gaps={} reserved_orders={} inv_gaps={} stock_mismatches={}",
        orders_cut.len() + reservations_cut,
        orders_cut.len(),
        orders.len(),
        retried - committed_unanswered,
        integrity.lost,
        integrity.duplicated,
        integrity.partial.len() + stock.partial.len(),
        integrity.so_gaps,
        stock.reserved_orders,
        stock.inv_gaps,
        stock.mismatches.len(),
    );
    assert_eq!(integrity.lost, 0, "{integrity:?}");
    assert_eq!(integrity.duplicated, 0, "{integrity:?}");
    assert!(integrity.partial.is_empty(), "{:#?}", integrity.partial);
    assert_eq!(integrity.so_gaps, 0);
    assert!(stock.partial.is_empty(), "{:#?}", stock.partial);
    assert!(stock.mismatches.is_empty(), "{:#?}", stock.mismatches);
    assert_eq!(stock.inv_gaps, 0);
    assert!(
        stock.reserved_orders >= 2,
        "reservations ran under the kill"
    );
    db.close().await.ok();
}

#[derive(Debug, Default)]
struct Stock {
    reserved_orders: usize,
    /// Orders whose reservation is not all-or-nothing with its invoice.
    partial: Vec<String>,
    /// Stock levels whose `reserved` differs from their open allocations.
    mismatches: Vec<String>,
    inv_gaps: u64,
}

/// Reservation effects agree: an order is either untouched (PLACED, nothing
/// reserved, no invoice) or reserved whole (INVOICED, each line reserved
/// in full by its allocations, one invoice); each stock level's reserved
/// count is the sum of its open allocations; invoice numbers have no gaps.
async fn check_stock(db: &DatabaseConnection) -> Stock {
    let orders = sales_order::Entity::find().all(db).await.unwrap();
    let lines = order_line::Entity::find().all(db).await.unwrap();
    let allocations = order_allocation::Entity::find().all(db).await.unwrap();
    let invoices = tax_invoice::Entity::find().all(db).await.unwrap();
    let levels = stock_level::Entity::find().all(db).await.unwrap();
    let mut stock = Stock::default();
    let mut allocated: HashMap<Uuid, i32> = HashMap::new();
    let mut per_level: HashMap<Uuid, i32> = HashMap::new();
    for a in allocations.iter().filter(|a| a.released_at.is_none()) {
        *allocated.entry(a.order_line_id).or_default() += a.quantity;
        *per_level.entry(a.stock_level_id).or_default() += a.quantity;
    }
    for order in &orders {
        let its_lines: Vec<&order_line::Model> =
            lines.iter().filter(|l| l.order_id == order.id).collect();
        let invoiced = invoices.iter().filter(|i| i.subject_id == order.id).count();
        let whole = match order.status {
            OrderStatus::Placed => {
                invoiced == 0
                    && its_lines
                        .iter()
                        .all(|l| l.reserved_quantity == 0 && !allocated.contains_key(&l.id))
            }
            OrderStatus::Invoiced => {
                stock.reserved_orders += 1;
                invoiced == 1
                    && its_lines.iter().all(|l| {
                        l.reserved_quantity == l.quantity
                            && allocated.get(&l.id).copied() == Some(l.quantity)
                    })
            }
            _ => false,
        };
        if !whole {
            stock.partial.push(format!(
                "{} {:?}: {invoiced} invoice(s), lines {:?}",
                order.number,
                order.status,
                its_lines
                    .iter()
                    .map(|l| (l.quantity, l.reserved_quantity, allocated.get(&l.id)))
                    .collect::<Vec<_>>()
            ));
        }
    }
    for level in &levels {
        let open = per_level.get(&level.id).copied().unwrap_or(0);
        if level.reserved != open || level.on_hand != 1000 {
            stock.mismatches.push(format!(
                "stock level {}: on hand {}, reserved {} but allocations hold {open}",
                level.id, level.on_hand, level.reserved
            ));
        }
    }
    stock.inv_gaps = gaps(&document_numbers(
        "INV",
        invoices.iter().map(|i| i.number.as_str()),
    ));
    stock
}
