//! Security sweeps generated from the schema, so a field added tomorrow is
//! covered without being listed: hostile documents built from the schema's
//! own shapes are refused before anything runs; a second customer calling
//! every query and mutation that takes an `ID` with the first customer's
//! ids sees and changes nothing of theirs; no error message shows SQL,
//! source paths or panics.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tests::engagements::{engagement_op, start, team};
use tests::fulfil::{PATIENCE, stocked};
use tests::kit::Caller;
use tests::returns::{REQUEST, delivered_order, request_input};
use tests::shop::{op, place, warehouse};
use tests::support::{open_ticket_with, staff_reply};
use tests::sweeps::{
    Call, Mode, Root, Schema, Slot, internals, messages, objects, outcome, run_all,
};
use tests::{Role, TestApp, post_json, wait_for_value};

/// Calls in flight at once: enough to finish quickly, few enough for two cores.
const PARALLEL: usize = 4;

/// A word no record carries yet, to search for afterwards.
fn unique(label: &str) -> String {
    format!(
        "{label}{}",
        &uuid::Uuid::now_v7().simple().to_string()[20..]
    )
}

/// Customers whose name or email contains `text`, as ADMIN sees them.
async fn customers_matching(app: &TestApp, text: &str) -> usize {
    let page = app.admin().customers(Some(100), None, Some(text)).await;
    tests::nodes(&page).len()
}

async fn still_answers(app: &TestApp) {
    let body = app.admin().post("{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "QueryRoot", "{body}");
}

/// A hostile request must be refused by a limit, with no data at all.
fn assert_refused(what: &str, body: &Value) {
    let shown: String = body.to_string().chars().take(400).collect();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{what}: {shown}"
    );
    assert!(body["data"].is_null(), "{what}: ran: {shown}");
    // A resolver's error has a path; one refused before execution has none.
    assert!(
        body["errors"][0]["path"].is_null(),
        "{what}: refused by a resolver: {shown}"
    );
}

/// A fresh uuid for `ID` slots of documents that must never run.
fn any_id(_: &Slot) -> Value {
    json!(uuid::Uuid::now_v7().to_string())
}

#[tokio::test]
async fn hostile_documents_built_from_the_schema_are_refused_before_any_resolver_runs() {
    let app = TestApp::spawn().await;
    let schema = Schema::introspect(&app.admin()).await;
    let mutation_root = &schema.mutation;
    let query_root = &schema.query;
    let mut seen = vec![];
    // Each hostile document carries createCustomer with a name of its own:
    // had any resolver run, a customer would carry it.
    let create = |name: &str| {
        format!(r#"createCustomer(input: {{ name: "{name}" }}) {{ customer {{ id }} }}"#)
    };
    // `name`: the customer the document would have created.
    let mut refuse = async |what: String, name: Option<&str>, body: Value| {
        assert_refused(&what, &body);
        if let Some(name) = name {
            assert_eq!(customers_matching(&app, name).await, 0, "{what} wrote");
        }
        seen.extend(messages(&body));
        still_answers(&app).await;
    };

    // A huge page of every connection: alone, and beside a mutation in the
    // same document (limits are checked on the whole document).
    let connections = schema.connections();
    assert!(connections.len() >= 30, "{} connections", connections.len());
    for field in &connections {
        let mut args = schema.required_literals(field, &mut any_id);
        if !args.is_empty() {
            args.insert_str(0, ", ");
        }
        let page = format!("{}(first: 1000000{args}) {{ __typename }}", field.name);
        let alone = app.admin().post(&format!("{{ {page} }}"), json!({})).await;
        refuse(format!("{} alone", field.name), None, alone).await;
        let name = unique("Page");
        let document = format!("mutation M {{ {} }} query Q {{ {page} }}", create(&name));
        let body = run_mutation_m(&app, &document).await;
        refuse(
            format!("{} beside a mutation", field.name),
            Some(&name),
            body,
        )
        .await;
    }

    // Deeper than MAX_DEPTH along the schema's own nesting, in a mutation's
    // payload next to createCustomer.
    let depth = api::graphql::MAX_DEPTH + 1;
    let (deep_field, path) = schema
        .root(Root::Mutation)
        .iter()
        .find_map(|f| Some((f, schema.deep_path(f.ty.named(), depth)?)))
        .expect("some payload nests deeper than MAX_DEPTH");
    let nested = path
        .iter()
        .rev()
        .fold("__typename".to_owned(), |inner, field| {
            format!("{field} {{ {inner} }}")
        });
    let args = schema.required_literals(deep_field, &mut any_id);
    let args = if args.is_empty() {
        args
    } else {
        format!("({args})")
    };
    let name = unique("Deep");
    let document = format!(
        "mutation {{ {} deep: {}{args} {{ {nested} }} }}",
        create(&name),
        deep_field.name
    );
    let body = app.admin().post(&document, json!({})).await;
    refuse(format!("{} levels deep", depth + 1), Some(&name), body).await;

    // Wider than MAX_FIELDS: createCustomer itself under as many aliases.
    let name = unique("Wide");
    let aliases: String = (0..api::graphql::MAX_FIELDS)
        .map(|i| format!("c{i}: {} ", create(&format!("{name} {i}"))))
        .collect();
    let body = app
        .admin()
        .post(&format!("mutation {{ {aliases} }}"), json!({}))
        .await;
    refuse("alias-wide".into(), Some(&name), body).await;

    // Fifty directives on the mutation field itself.
    let name = unique("Directives");
    let flood = "@include(if: true) ".repeat(50);
    let document = format!(
        r#"mutation {{ createCustomer(input: {{ name: "{name}" }}) {flood}{{ customer {{ id }} }} }}"#
    );
    let body = app.admin().post(&document, json!({})).await;
    refuse("directive flood".into(), Some(&name), body).await;

    // Fragments spreading each other, beside the mutation.
    let name = unique("Cycle");
    let document = format!(
        "mutation {{ {} ...A }} fragment A on {mutation_root} {{ ...B }} fragment B on {mutation_root} {{ ...A }}",
        create(&name)
    );
    let body = app.admin().post(&document, json!({})).await;
    refuse("fragment cycle".into(), Some(&name), body).await;
    // And in a query document beside a mutation operation.
    let name = unique("QueryCycle");
    let document = format!(
        "mutation M {{ {} }} query Q {{ ...A }} fragment A on {query_root} {{ ...B }} fragment B on {query_root} {{ ...A }}",
        create(&name)
    );
    let body = run_mutation_m(&app, &document).await;
    refuse("fragment cycle beside a mutation".into(), Some(&name), body).await;

    // One operation more than a batch may hold, each a createCustomer.
    let name = unique("Batch");
    let batch: Vec<Value> = (0..=api::http::MAX_BATCH)
        .map(|i| json!({ "query": format!("mutation {{ {} }}", create(&format!("{name} {i}"))) }))
        .collect();
    let body = post_json(
        &app.client,
        &app.base_url,
        Some(&app.token_for(Role::Admin, None)),
        &[],
        &json!(batch),
    )
    .await;
    refuse(format!("{} operations", batch.len()), Some(&name), body).await;

    // The check above would see a write: the same mutation alone writes.
    let name = unique("Control");
    let body = app
        .admin()
        .post(&format!("mutation {{ {} }}", create(&name)), json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(customers_matching(&app, &name).await, 1);

    assert_eq!(internals(&seen), vec![], "refusals give internals away");
    still_answers(&app).await;
}

/// What the first customer owns: its id, the ids the setup knows, and
/// strings only its records carry.
struct Owner {
    customer: String,
    known: Vec<String>,
    markers: Vec<String>,
    /// Numbers its records got (orders, invoices, tickets, …): matched as
    /// whole words, as another's number may start with one of them.
    numbers: Vec<String>,
}

/// A customer with a delivered, invoiced and paid order (and a return and a
/// claim on it), an order still waiting, a support ticket with a reply, an
/// engagement under way and a consent.
async fn owner_records(app: &TestApp) -> Owner {
    let location = warehouse(app).await;
    let mug = stocked(app, &location, "SWEEP-MUG", json!({})).await;
    let email = "owner-secret@example.com.au";
    let (order, customer, lines) = delivered_order(app, &location, &[(&mug, 3)], email).await;
    let me = app.as_customer(&customer);

    let returned = me
        .accepted(
            REQUEST,
            request_input(&order, &[(&lines[0], 1)], "FAULTY", "REFUND"),
        )
        .await;
    let claimed = app
        .admin()
        .accepted(
            op("lodgeClaim", "mutation($input: LodgeClaimInput!) { lodgeClaim(input: $input) { claim { id number } userErrors { field code message } } }"),
            json!({ "input": { "orderLineId": lines[0], "guarantee": "ACCEPTABLE_QUALITY", "facts": "Cracked glaze owner-secret" } }),
        )
        .await;
    let waiting = place(app, &customer, &[(&mug, 1)], None).await;

    let subject = "Owner-secret till offline";
    let ticket = open_ticket_with(
        app,
        json!({ "customerId": customer, "priority": "HIGH", "orderId": order, "subject": subject }),
    )
    .await;
    let ticket_id = ticket["id"].as_str().unwrap().to_owned();
    staff_reply(app, &ticket_id).await;

    let team = team(app).await;
    let created = app
        .person("pm-1", Role::ProjectManager)
        .accepted(
            engagement_op("createEngagement", "CreateEngagementInput"),
            json!({ "input": { "customerId": customer, "templateKey": "service_delivery",
                "name": "Owner-secret rollout", "scopeReference": "SOW-OWNER-SECRET",
                "plannedStart": "2026-11-23", "fees": [{ "description": "Agreed fee", "amount": "1000.00" }],
                "team": [{ "userId": team.pm }, { "userId": team.delivery }, { "userId": team.qa }] } }),
        )
        .await;
    let engagement = created["engagement"]["id"].as_str().unwrap().to_owned();
    start(app, &engagement).await;

    let consent = me
        .give_consent(&customer, "OFFERS", "owner-secret form")
        .await;

    let mut known = vec![
        customer.clone(),
        order.clone(),
        waiting,
        ticket_id,
        engagement,
        id(&returned["returnRequest"]),
        id(&claimed["claim"]),
        consent,
    ];
    known.extend(lines);
    Owner {
        customer,
        known,
        // The setup's own words; the numbers the records got are added
        // once they are read.
        markers: vec![
            "Alice Nguyen".into(),
            "owner-secret".into(),
            "Owner-secret".into(),
        ],
        numbers: vec![],
    }
}

fn id(record: &Value) -> String {
    tests::id_of(record)
}

/// Ids seen so far, with their type, and whose they are.
#[derive(Default)]
struct Pool {
    owned: BTreeMap<String, String>,
    others: BTreeMap<String, String>,
}

impl Pool {
    /// Candidates for a slot: the owner's ids of the types it names first,
    /// then anyone else's of those types (to get past checks on the other
    /// arguments); when the schema does not say, every id the owner has
    /// but audit entries.
    fn candidates(&self, slot: &Slot) -> Vec<String> {
        let typed = |pool: &BTreeMap<String, String>| -> Vec<String> {
            pool.iter()
                .filter(|(_, ty)| slot.targets.contains(ty))
                .map(|(id, _)| id.clone())
                .collect()
        };
        let mut found = typed(&self.owned);
        found.extend(typed(&self.others));
        if found.is_empty() {
            found = self
                .owned
                .iter()
                .filter(|(_, ty)| ty.as_str() != "AuditEntry")
                .map(|(id, _)| id.clone())
                .collect();
        }
        found
    }
}

/// Most calls made for one mode of one field.
const MOST_VARIANTS: usize = 100;

/// The calls that reach `field` with the pool's ids: every optional `ID`
/// slot together, each alone, and every optional input given; each with
/// the `i`th candidate of each slot for as many `i` as the longest
/// candidate list (deduplicated).
fn calls_for(schema: &Schema, root: Root, field: &tests::sweeps::Field, pool: &Pool) -> Vec<Call> {
    let (_, optional) = schema.call(root, field, &mut |_| json!(""), Mode::AllIds);
    let mut modes = vec![Mode::AllIds];
    if optional >= 2 {
        modes.extend((0..optional).map(Mode::OneId));
    }
    modes.push(Mode::Everything);
    let mut calls = vec![];
    let mut seen = BTreeSet::new();
    for mode in modes {
        let mut longest = 1;
        schema.call(
            root,
            field,
            &mut |slot| {
                longest = longest.max(pool.candidates(slot).len());
                json!("")
            },
            mode,
        );
        for i in 0..longest.min(MOST_VARIANTS) {
            let (call, _) = schema.call(
                root,
                field,
                &mut |slot| {
                    let candidates = pool.candidates(slot);
                    if candidates.is_empty() {
                        json!(uuid::Uuid::now_v7().to_string())
                    } else {
                        json!(candidates[i % candidates.len()])
                    }
                },
                mode,
            );
            if seen.insert((call.document.clone(), call.variables.to_string())) {
                calls.push(call);
            }
        }
    }
    calls
}

/// Every query field taking an `ID`, called with the pool's ids.
fn query_calls(schema: &Schema, pool: &Pool) -> Vec<Call> {
    schema
        .root(Root::Query)
        .iter()
        .filter(|f| schema.takes_id(f))
        .flat_map(|f| calls_for(schema, Root::Query, f, pool))
        .collect()
}

/// Every query field once, without the optional `ID`s (made-up required
/// ones): what anyone may list.
fn plain_calls(schema: &Schema) -> Vec<Call> {
    schema
        .root(Root::Query)
        .iter()
        .map(|f| schema.call(Root::Query, f, &mut any_id, Mode::NoIds).0)
        .collect()
}

/// Run `calls` as `caller`: the objects seen and every response.
async fn harvest(
    caller: &Caller<'_>,
    calls: Vec<Call>,
) -> (Vec<(String, String)>, Vec<(Call, Value)>) {
    let answered = run_all(caller, calls, PARALLEL).await;
    let found = answered
        .iter()
        .flat_map(|(_, body)| objects(&body["data"]))
        .collect();
    (found, answered)
}

/// The owner's records as ADMIN reads them, one query per record, plus
/// how many audit entries and outbox rows each has.
async fn snapshot(app: &TestApp, schema: &Schema, pool: &Pool) -> BTreeMap<String, Value> {
    let readers: BTreeMap<&str, &tests::sweeps::Field> = schema
        .root(Root::Query)
        .iter()
        .filter(|f| {
            schema.ty(f.ty.named()).kind == "OBJECT"
                && f.args.len() == 1
                && f.args[0].name == "id"
                && f.args[0].required()
        })
        .map(|f| (f.ty.named(), f))
        .collect();
    let mut calls = vec![];
    for (record, ty) in &pool.owned {
        if let Some(field) = readers.get(ty.as_str()) {
            let (call, _) = schema.call(Root::Query, field, &mut |_| json!(record), Mode::AllIds);
            calls.push(call);
        }
    }
    let admin = app.admin();
    let mut seen: BTreeMap<String, Value> = run_all(&admin, calls, PARALLEL)
        .await
        .into_iter()
        .map(|(call, body)| (format!("{} {}", call.field, call.variables), body))
        .collect();
    for (record, ty) in &pool.owned {
        if ty == "AuditEntry" {
            continue;
        }
        let audit = app.audit_entries(record).await.len();
        let outbox = app.outbox_rows(record).await.len();
        seen.insert(format!("rows about {record}"), json!([audit, outbox]));
    }
    seen
}

/// Whatever in a response belongs to the owner: its objects, its ids in
/// the data, its marker strings anywhere.
fn leaks(body: &Value, owner: &Owner, pool: &Pool) -> Vec<String> {
    let mut found: Vec<String> = objects(&body["data"])
        .into_iter()
        .filter(|(_, id)| pool.owned.contains_key(id))
        .map(|(ty, id)| format!("the owner's {ty} {id}"))
        .collect();
    let strings = tests::sweeps::data_strings(&body["data"]);
    for text in strings.iter().chain(&messages(body)) {
        if pool.owned.contains_key(text) {
            found.push(format!("the owner's id {text}"));
        }
        for marker in &owner.markers {
            if text.contains(marker.as_str()) {
                found.push(format!("{marker:?} in {text:?}"));
            }
        }
        let words: BTreeSet<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .collect();
        for number in &owner.numbers {
            if words.contains(number.as_str()) {
                found.push(format!("{number:?} in {text:?}"));
            }
        }
    }
    found
}

/// Numbers of the owner's records (orders, invoices, tickets, …) as markers.
fn numbers(snapshot: &BTreeMap<String, Value>) -> Vec<String> {
    let mut found = BTreeSet::new();
    for body in snapshot.values() {
        collect_numbers(body, &mut found);
    }
    found.into_iter().collect()
}

fn collect_numbers(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "number" || k == "trackingNumber" {
                    found.extend(v.as_str().map(str::to_owned));
                }
                collect_numbers(v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_numbers(v, found)),
        _ => {}
    }
}

/// Today's schema has 134 root fields taking an `ID` (43 queries, 91
/// mutations); far fewer swept means the sweep lost track of them.
const FEWEST_FIELDS: usize = 130;

#[tokio::test]
async fn a_second_customer_reaches_nothing_of_the_first_through_any_field_taking_an_id() {
    // Polled once a day at each step, the package is delivered in a few polls.
    let app = TestApp::spawn_with(&[(
        "TRACKING_POLL_MINUTES",
        "PENDING=1440,INFO_RECEIVED=1440,IN_TRANSIT=1440,OUT_FOR_DELIVERY=1440",
    )])
    .await;
    let _worker = app.ensure_worker().await;
    let mut owner = owner_records(&app).await;
    let outsider = app
        .customer_named("Bruno Outsider", "outsider@example.com.au")
        .await;
    let schema = Schema::introspect(&app.admin()).await;
    let mut said = vec![];

    // What the outsider sees with no ids of the owner's at all: lists,
    // the catalogue, itself. None of it may be the owner's.
    let mut pool = Pool::default();
    let b = app.as_customer(&outsider);
    let (public, answered) = harvest(&b, plain_calls(&schema)).await;
    for (call, body) in &answered {
        said.extend(messages(body));
        let known: Vec<&String> = owner
            .known
            .iter()
            .filter(|id| body["data"].to_string().contains(id.as_str()))
            .collect();
        assert!(
            known.is_empty(),
            "{} shows the owner's {known:?}",
            call.field
        );
    }
    pool.others = public.into_iter().map(|(ty, id)| (id, ty)).collect();

    // The owner's ids, typed: what ADMIN reads about the owner's records
    // and what the owner sees, two rounds deep, less what the outsider
    // sees anyway.
    for id in &owner.known {
        pool.owned.insert(id.clone(), String::new());
    }
    let me = app.as_customer(&owner.customer);
    for _ in 0..2 {
        let mut own_view = query_calls(&schema, &pool);
        own_view.extend(
            plain_calls(&schema)
                .into_iter()
                .filter(|c| !schema.takes_id(schema.root_field(Root::Query, &c.field))),
        );
        for (caller, calls) in [
            (app.admin(), query_calls(&schema, &pool)),
            (me.clone(), own_view),
        ] {
            let (found, answered) = harvest(&caller, calls).await;
            said.extend(answered.iter().flat_map(|(_, body)| messages(body)));
            for (ty, id) in found {
                if !pool.others.contains_key(&id) {
                    pool.owned.insert(id, ty);
                }
            }
        }
    }
    let untyped: Vec<&String> = pool
        .owned
        .iter()
        .filter(|(_, ty)| ty.is_empty())
        .map(|(id, _)| id)
        .collect();
    assert!(untyped.is_empty(), "never read back: {untyped:?}");
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for ty in pool.owned.values() {
        *by_type.entry(ty).or_default() += 1;
    }
    println!("the owner's ids by type: {by_type:?}");
    for ty in [
        "Customer",
        "Order",
        "OrderLine",
        "Invoice",
        "Payment",
        "Shipment",
        "Ticket",
        "ReturnRequest",
        "Claim",
        "Engagement",
        "Approval",
        "Consent",
    ] {
        assert!(
            by_type.contains_key(ty),
            "no {ty} of the owner's: {by_type:?}"
        );
    }

    // The owner's records before, once the worker has settled them.
    let mut last = BTreeMap::new();
    let before = wait_for_value("the owner's records to settle", PATIENCE, async || {
        let now = snapshot(&app, &schema, &pool).await;
        let settled = now == last;
        last = now;
        settled.then(|| last.clone())
    })
    .await;
    owner.numbers = numbers(&before);
    assert!(owner.numbers.len() >= 5, "{:?}", owner.numbers);

    // The sweep: every query and mutation taking an ID, as the outsider.
    let mut fields = 0;
    let mut calls = vec![];
    for root in [Root::Query, Root::Mutation] {
        for field in schema.root(root).iter().filter(|f| schema.takes_id(f)) {
            fields += 1;
            calls.extend(calls_for(&schema, root, field, &pool));
        }
    }
    let made = calls.len();
    let answered = run_all(&b, calls, PARALLEL).await;
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    let mut leaked = vec![];
    for (call, body) in &answered {
        *by_code.entry(outcome(body, &call.field)).or_default() += 1;
        said.extend(messages(body));
        for leak in leaks(body, &owner, &pool) {
            leaked.push(format!(
                "{}: {leak}\n  {}\n  {}",
                call.field, call.document, call.variables
            ));
        }
    }
    println!(
        "ownership sweep: {fields} fields swept, {made} calls as a second customer, outcomes {by_code:?}"
    );
    assert!(fields >= FEWEST_FIELDS, "only {fields} fields take an ID");
    assert!(made >= fields, "{made} calls for {fields} fields");
    assert!(
        leaked.is_empty(),
        "{} leaks:\n{}",
        leaked.len(),
        leaked.join("\n")
    );
    assert_eq!(by_code.get("UNCODED"), None, "errors without a code");
    assert_eq!(by_code.get("INTERNAL"), None, "internal errors");

    // Nothing of the owner's changed.
    let after = snapshot(&app, &schema, &pool).await;
    let changed: Vec<&String> = before
        .iter()
        .filter(|(k, v)| after.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(changed.is_empty(), "the sweep changed {changed:?}");

    assert_eq!(internals(&said), vec![], "messages give internals away");
}

#[tokio::test]
async fn broken_requests_get_messages_without_sql_paths_or_panics() {
    let app = TestApp::spawn().await;
    let schema = Schema::introspect(&app.admin()).await;
    let admin = app.admin();
    let mut said = vec![];

    // Every field taking an ID, as ADMIN, with ids that are not ids.
    for bad in [
        "not-a-uuid",
        "1' OR '1'='1",
        "00000000-0000-0000-0000-00000000000g",
    ] {
        let calls: Vec<Call> = [Root::Query, Root::Mutation]
            .into_iter()
            .flat_map(|root| {
                let schema = &schema;
                schema
                    .root(root)
                    .iter()
                    .filter(|f| schema.takes_id(f))
                    .map(move |f| schema.call(root, f, &mut |_| json!(bad), Mode::AllIds).0)
            })
            .collect();
        assert!(calls.len() >= FEWEST_FIELDS);
        for (call, body) in run_all(&admin, calls, PARALLEL).await {
            let code = outcome(&body, &call.field);
            assert!(
                !["UNCODED", "INTERNAL", "OK"].contains(&code.as_str()),
                "{} with {bad:?}: {body}",
                call.field
            );
            said.extend(messages(&body));
        }
    }

    // Wrong types, unknown fields, unknown arguments, numbers out of range.
    for (document, variables) in [
        (
            "{ customers(first: \"ten\") { edges { cursor } } }",
            json!({}),
        ),
        (
            "query($first: Int) { customers(first: $first) { edges { cursor } } }",
            json!({ "first": "ten" }),
        ),
        (
            "{ customers(first: 99999999999) { edges { cursor } } }",
            json!({}),
        ),
        ("{ nope }", json!({})),
        ("{ customers(nope: 1) { edges { cursor } } }", json!({})),
        (
            "mutation { createCustomer(input: { name: \"x\", nope: 1 }) { customer { id } } }",
            json!({}),
        ),
        (
            "mutation { createCustomer(input: { name: 5 }) { customer { id } } }",
            json!({}),
        ),
        ("{ customers(", json!({})),
    ] {
        let body = admin.post(document, variables).await;
        assert!(
            body["errors"][0]["extensions"]["code"].is_string(),
            "{document}: {body}"
        );
        said.extend(messages(&body));
    }

    // Bodies that are not GraphQL requests: the whole body is the message.
    for raw in ["{\"query\": ", "not json", "{\"query\": 5}", "[]", "{}"] {
        let response = app
            .client
            .post(format!("{}/graphql", app.base_url))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        said.push(response.text().await.unwrap());
    }

    // Writes the database itself refuses: a duplicate login, and an insert
    // that fails inside the database.
    let user = json!({ "email": "twice@example.com.au", "password": "a long enough password", "role": "FULFILMENT" });
    for _ in 0..2 {
        let created = admin.create_user(user.clone()).await;
        said.extend(messages(&json!({ "data": { "createUser": created } })));
    }
    app.break_inserts_into("party").await;
    let body = admin
        .run(
            tests::kit::ops::CREATE_CUSTOMER,
            json!({ "input": { "name": "Broken" } }),
        )
        .await;
    assert_eq!(
        tests::error_code(&body).as_deref(),
        Some("INTERNAL"),
        "{body}"
    );
    said.extend(messages(&body));

    assert!(said.len() > 3 * FEWEST_FIELDS, "{} messages", said.len());
    assert_eq!(internals(&said), vec![], "messages give internals away");
    still_answers(&app).await;
}

/// POST `document` as ADMIN, running its operation `M` (the mutation beside
/// the hostile part).
async fn run_mutation_m(app: &TestApp, document: &str) -> Value {
    post_json(
        &app.client,
        &app.base_url,
        Some(&app.token_for(Role::Admin, None)),
        &[],
        &json!({ "query": document, "operationName": "M" }),
    )
    .await
}
