//! Live updates: `auditAppended` over WebSocket (graphql-transport-ws).

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tests::{ApiProcess, Op, Role, TestApp, TestDatabase, ops, post_json, services};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Message, http::HeaderValue};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Open a graphql-transport-ws connection and send `connection_init`.
/// Returns the socket, or the close/error text when the server refuses.
async fn connect(base_url: &str, init: Value) -> Result<Socket, String> {
    let url = format!("{}/graphql/ws", base_url.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| e.to_string())?;
    socket
        .send(Message::text(
            json!({ "type": "connection_init", "payload": init }).to_string(),
        ))
        .await
        .map_err(|e| e.to_string())?;
    match next_json(&mut socket, Duration::from_secs(10)).await {
        Some(msg) if msg["type"] == "connection_ack" => Ok(socket),
        other => Err(format!("{other:?}")),
    }
}

async fn next_json(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let value: Value = serde_json::from_str(&text).ok()?;
                if value["type"] == "ping" {
                    continue;
                }
                return Some(value);
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Some(
                    json!({ "type": "closed", "reason": frame.map(|f| f.reason.to_string()) }),
                );
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Connect with `token`, subscribe (as `name`) to `query` about the record
/// `id` and read its first event: the socket and the record as it is now
/// (which also shows the subscription is listening).
async fn follow(app: &TestApp, token: &str, name: &str, query: &str, id: &str) -> (Socket, Value) {
    let mut socket = connect(&app.base_url, json!({ "token": token }))
        .await
        .unwrap();
    socket
        .send(Message::text(
            json!({ "id": name, "type": "subscribe", "payload": {
                "query": query, "variables": { "id": id } } })
            .to_string(),
        ))
        .await
        .unwrap();
    let now = next_update(&mut socket, Duration::from_secs(10)).await;
    (socket, now)
}

/// The record the next event on a `follow`ed socket carries.
async fn next_update(socket: &mut Socket, wait: Duration) -> Value {
    let event = next_json(socket, wait).await.expect("an event");
    let data = event["payload"]["data"]
        .as_object()
        .unwrap_or_else(|| panic!("an event with data: {event}"));
    data.values().next().expect("one field").clone()
}

async fn subscribe(socket: &mut Socket, subject: &str) {
    socket
        .send(Message::text(
            json!({
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": "subscription($id: ID!) { auditAppended(subjectId: $id) { action actorId after } }",
                    "variables": { "id": subject }
                }
            })
            .to_string(),
        ))
        .await
        .unwrap();
    // Let the server register the subscription before the change happens.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Change the record until the subscription delivers (it may take a moment
/// to register), then drain what is in flight. Returns the next version.
async fn prove_live(
    socket: &mut Socket,
    id: &str,
    rename: impl AsyncFn(i64, String) -> Value,
) -> i64 {
    let mut version = 1;
    loop {
        let name = format!("Probe {version}");
        let renamed = rename(version, name.clone()).await;
        assert_eq!(
            renamed["data"]["updateCustomer"]["userErrors"],
            json!([]),
            "{renamed}"
        );
        version += 1;
        if let Some(event) = next_json(socket, Duration::from_secs(1)).await {
            assert_eq!(event["type"], "next", "{event}");
            // Drain events of earlier probes until the newest one is seen.
            let mut last = event;
            while last["payload"]["data"]["auditAppended"]["after"]["name"] != name.as_str() {
                last = next_json(socket, Duration::from_secs(5))
                    .await
                    .unwrap_or_else(|| panic!("missing the event of {name} for {id}"));
            }
            return version;
        }
        assert!(version < 20, "the subscription never delivered");
    }
}

/// Variables of `ops::UPDATE_CUSTOMER` renaming `id` from version `v`.
fn rename(id: &str, v: i64, name: &str) -> Value {
    json!({ "input": { "id": id, "expectedVersion": v, "name": name } })
}

#[tokio::test]
async fn a_subscriber_sees_each_change_of_one_record_live() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let id = admin.new_customer(json!({ "name": "Acme" })).await;
    let other = admin.new_customer(json!({ "name": "Other" })).await;
    let token = app.token_for(Role::ProjectManager, None);
    let mut socket = connect(&app.base_url, json!({ "token": token }))
        .await
        .expect("connected");
    subscribe(&mut socket, &id).await;
    let v = prove_live(&mut socket, &id, async |v, name| {
        admin.run(ops::UPDATE_CUSTOMER, rename(&id, v, &name)).await
    })
    .await;

    for (id, v, name) in [
        (&other, 1, "Other 2"),
        (&id, v, "Acme 2"),
        (&id, v + 1, "Acme 3"),
    ] {
        let renamed = admin.data(ops::UPDATE_CUSTOMER, rename(id, v, name)).await;
        assert_eq!(renamed["userErrors"], json!([]), "{renamed}");
    }

    let first = next_json(&mut socket, Duration::from_secs(10))
        .await
        .expect("first event");
    assert_eq!(first["type"], "next", "{first}");
    assert_eq!(
        first["payload"]["data"]["auditAppended"]["action"],
        "customer.updated"
    );
    assert_eq!(
        first["payload"]["data"]["auditAppended"]["after"]["name"],
        "Acme 2"
    );
    let second = next_json(&mut socket, Duration::from_secs(10))
        .await
        .expect("second event");
    assert_eq!(
        second["payload"]["data"]["auditAppended"]["after"]["name"],
        "Acme 3"
    );
    // The other record's change was published before "Acme 2" and one socket
    // delivers in order: had it leaked, it would have been the first event.
}

#[tokio::test]
async fn subscriptions_follow_the_same_ownership_rules() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let theirs = admin.new_customer(json!({ "name": "Theirs" })).await;
    let mine = admin.new_customer(json!({ "name": "Mine" })).await;
    let token = app.token_for(Role::Customer, Some(mine.parse().unwrap()));
    let mut socket = connect(&app.base_url, json!({ "token": token }))
        .await
        .expect("connected");
    subscribe(&mut socket, &theirs).await;
    // A staff subscriber to the same record witnesses that the change was
    // published while the customer's subscription was open.
    let staff = app.token_for(Role::Admin, None);
    let mut witness = connect(&app.base_url, json!({ "token": staff }))
        .await
        .expect("connected");
    subscribe(&mut witness, &theirs).await;
    prove_live(&mut witness, &theirs, async |v, name| {
        admin
            .run(ops::UPDATE_CUSTOMER, rename(&theirs, v, &name))
            .await
    })
    .await;
    // The customer's own record, on a second subscription of the same socket:
    // its first event must be about "mine". An event of the other customer's
    // record, published earlier, would arrive before it on this socket.
    socket
        .send(Message::text(
            json!({
                "id": "2",
                "type": "subscribe",
                "payload": {
                    "query": "subscription($id: ID!) { auditAppended(subjectId: $id) { action after } }",
                    "variables": { "id": mine }
                }
            })
            .to_string(),
        ))
        .await
        .unwrap();
    let mut version = 1;
    let first = loop {
        let name = format!("Mine {version}");
        let renamed = admin
            .data(ops::UPDATE_CUSTOMER, rename(&mine, version, &name))
            .await;
        assert_eq!(renamed["userErrors"], json!([]), "{renamed}");
        version += 1;
        if let Some(event) = next_json(&mut socket, Duration::from_secs(1)).await {
            break event;
        }
        assert!(
            version < 20,
            "the customer's own subscription never delivered"
        );
    };
    assert_eq!(
        first["id"], "2",
        "another customer's timeline stays silent: {first}"
    );
    assert!(
        first["payload"]["data"]["auditAppended"]["after"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("Mine "))
    );

    // Without a token the subscription is refused.
    let mut anonymous = connect(&app.base_url, json!({})).await.expect("connected");
    subscribe(&mut anonymous, &mine).await;
    let refused = next_json(&mut anonymous, Duration::from_secs(5))
        .await
        .expect("an answer");
    assert_eq!(refused["type"], "next", "{refused}");
    assert_eq!(refused["payload"]["data"], Value::Null);
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    // A forged token is refused at connection_init.
    assert!(
        connect(&app.base_url, json!({ "token": "forged.token.here" }))
            .await
            .is_err()
    );
}

/// The close frame ending a session, skipping ordinary messages.
async fn closed_with(socket: &mut Socket, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, socket.next()).await {
        if let Ok(Message::Close(frame)) = message {
            return Some(
                frame
                    .map(|f| format!("{} {}", u16::from(f.code), f.reason))
                    .unwrap_or_default(),
            );
        }
    }
    None
}

#[tokio::test]
async fn a_live_subscription_ends_when_its_token_expires() {
    let app = TestApp::spawn().await;
    let id = app
        .admin()
        .new_customer(json!({ "name": "Short Lived" }))
        .await;
    let token = api::auth::issue_token(
        &app.app.state.config.jwt_secret,
        "short-lived",
        Role::ProjectManager,
        None,
        app.clock.now_utc(),
        chrono::Duration::minutes(10),
    );
    let mut socket = connect(&app.base_url, json!({ "token": token }))
        .await
        .expect("connected");
    subscribe(&mut socket, &id).await;
    // Still open while the token is valid: a change is delivered.
    prove_live(&mut socket, &id, async |v, name| {
        app.admin()
            .run(ops::UPDATE_CUSTOMER, rename(&id, v, &name))
            .await
    })
    .await;
    app.clock.advance(chrono::Duration::minutes(11));
    let closed = closed_with(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(closed.as_deref(), Some("4401 token expired"));
}

#[tokio::test]
async fn a_live_subscription_ends_when_its_login_is_disabled() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let id = admin.new_customer(json!({ "name": "Watched" })).await;
    let user = admin
        .create_user(json!({ "email": "pm@hub.example", "password": "a long enough password", "role": "PROJECT_MANAGER" }))
        .await;
    let user_id = user["user"]["id"].as_str().expect("created").to_owned();
    let login = app
        .anonymous()
        .login("pm@hub.example", "a long enough password")
        .await;
    let token = login["token"].as_str().expect("signed in");
    let mut socket = connect(&app.base_url, json!({ "token": token }))
        .await
        .expect("connected");
    subscribe(&mut socket, &id).await;
    prove_live(&mut socket, &id, async |v, name| {
        admin.run(ops::UPDATE_CUSTOMER, rename(&id, v, &name)).await
    })
    .await;
    let disabled = admin.disable_user(&user_id).await;
    assert_eq!(disabled["userErrors"], json!([]), "{disabled}");
    let closed = closed_with(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(closed.as_deref(), Some("4403 login disabled"));
}

/// Two real `api` processes on one PostgreSQL and one Redis: a change made
/// through one reaches a subscriber connected to the other.
#[tokio::test]
async fn a_change_through_one_api_process_reaches_a_subscriber_on_another() {
    let Some((pg, redis)) = services::require_production_services("two api processes") else {
        return;
    };
    let (database_url, _database) = TestDatabase::create_postgres(&pg).await;
    let prefix = format!("test:{}", uuid::Uuid::now_v7().simple());
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("DATABASE_URL", database_url.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("QUEUE_PREFIX", prefix.as_str()),
    ];
    // Both start at once: migrations must not trip over each other.
    let (one, two) = std::thread::scope(|s| {
        let a = s.spawn(|| ApiProcess::start(&vars, dir.path()));
        let b = s.spawn(|| ApiProcess::start(&vars, dir.path()));
        (a.join().unwrap(), b.join().unwrap())
    });
    let token = api::auth::issue_token(
        "development-only-jwt-secret-change-me-0123456789",
        "two-process-test",
        Role::Admin,
        None,
        chrono::Utc::now(),
        chrono::Duration::hours(1),
    );
    let client = reqwest::Client::new();
    let post = async |base: &str, op: Op, variables: Value| {
        let body = json!({ "query": op.document, "variables": variables });
        post_json(&client, base, Some(&token), &[], &body).await
    };
    let created = post(
        &one.base_url,
        ops::CREATE_CUSTOMER,
        json!({ "input": { "name": "Shared" } }),
    )
    .await;
    let id = created["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .expect("created")
        .to_owned();

    let mut socket = connect(&two.base_url, json!({ "token": token }))
        .await
        .expect("connected to two");
    subscribe(&mut socket, &id).await;
    let v = prove_live(&mut socket, &id, async |v, name| {
        post(&one.base_url, ops::UPDATE_CUSTOMER, rename(&id, v, &name)).await
    })
    .await;
    let renamed = post(
        &one.base_url,
        ops::UPDATE_CUSTOMER,
        rename(&id, v, "Shared 2"),
    )
    .await;
    assert_eq!(
        renamed["data"]["updateCustomer"]["customer"]["version"],
        v + 1,
        "{renamed}"
    );

    let event = next_json(&mut socket, Duration::from_secs(10))
        .await
        .expect("event crosses processes");
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(
        event["payload"]["data"]["auditAppended"]["after"]["name"],
        "Shared 2"
    );
    drop(one);
    drop(two);
}

async fn subscribe_approvals(socket: &mut Socket) {
    socket
        .send(Message::text(
            json!({
                "id": "approvals",
                "type": "subscribe",
                "payload": { "query": "subscription { approvalChanged { id status requesterId } }" }
            })
            .to_string(),
        ))
        .await
        .unwrap();
}

/// Make changes with `probe` until `socket` delivers one (its subscription
/// is registered), then drain up to the last probe's event.
async fn until_listening(socket: &mut Socket, probe: impl AsyncFn() -> String) -> String {
    for _ in 0..20 {
        let id = probe().await;
        if let Some(event) = next_json(socket, Duration::from_secs(1)).await {
            assert_eq!(event["type"], "next", "{event}");
            let mut seen = event["payload"]["data"]["approvalChanged"]["id"].clone();
            while seen != id.as_str() {
                seen = next_approval(socket).await["id"].clone();
            }
            return id;
        }
    }
    panic!("the subscription never delivered");
}

/// The next `approvalChanged` event on `socket`.
async fn next_approval(socket: &mut Socket) -> Value {
    let event = next_json(socket, Duration::from_secs(10))
        .await
        .expect("an approval event");
    assert_eq!(event["type"], "next", "{event}");
    event["payload"]["data"]["approvalChanged"].clone()
}

#[tokio::test]
async fn approval_changes_reach_those_they_concern() {
    let app = TestApp::spawn().await;
    let token = |subject: &str, role| {
        api::auth::issue_token(
            &app.app.state.config.jwt_secret,
            subject,
            role,
            None,
            app.clock.now_utc(),
            chrono::Duration::hours(1),
        )
    };
    let request = async |who: &str| {
        let payload = app
            .person(who, Role::Fulfilment)
            .data(
                ops::REQUEST_APPROVAL,
                json!({ "input": { "kind": "GENERAL", "subjectType": "supplier",
                    "subjectId": uuid::Uuid::now_v7(), "reason": "Live" } }),
            )
            .await;
        payload["approval"]["id"].as_str().unwrap().to_owned()
    };
    // A FULFILMENT requester is not concerned with others' GENERAL requests.
    let mut requester = connect(
        &app.base_url,
        json!({ "token": token("req-watch", Role::Fulfilment) }),
    )
    .await
    .unwrap();
    subscribe_approvals(&mut requester).await;
    // An ADMIN may decide every GENERAL request, so hears of each.
    let mut admin = connect(
        &app.base_url,
        json!({ "token": token("admin-watch", Role::Admin) }),
    )
    .await
    .unwrap();
    subscribe_approvals(&mut admin).await;
    // Both listen before anything is asserted: probe with the requester's
    // own requests, which concern both.
    until_listening(&mut requester, async || request("req-watch").await).await;
    let last = until_listening(&mut admin, async || request("req-watch").await).await;
    while next_approval(&mut requester).await["id"] != last.as_str() {}

    // Events arrive in order: if another's request reached the requester,
    // it would come before the requester's own.
    let other = request("someone").await;
    let own = request("req-watch").await;
    let first = next_approval(&mut requester).await;
    assert_eq!(
        (&first["id"], &first["status"]),
        (&json!(own), &json!("PENDING")),
        "the requester hears of its own request, not of another's"
    );
    assert_eq!(next_approval(&mut admin).await["id"], other.as_str());
    assert_eq!(next_approval(&mut admin).await["id"], own.as_str());

    let approved = app
        .person("admin-2", Role::Admin)
        .data(
            ops::DECIDE_APPROVAL,
            json!({ "input": { "id": own, "decision": "APPROVE" } }),
        )
        .await;
    assert_eq!(approved["approval"]["status"], "APPROVED", "{approved}");
    for socket in [&mut requester, &mut admin] {
        let event = next_approval(socket).await;
        assert_eq!(
            (&event["id"], &event["status"]),
            (&json!(own), &json!("APPROVED"))
        );
    }
}

#[tokio::test]
async fn an_order_follower_sees_its_reservation_and_its_lapse_from_the_worker() {
    let app = TestApp::spawn().await;
    // No ABN: the order stays reserved (not invoiced), so its reservation can lapse.
    app.admin()
        .change_business_settings(json!({ "abn": null }))
        .await;
    let _worker = app.ensure_worker().await;
    let staff = app.as_role(Role::Fulfilment);
    let location = staff
        .data(
            Op { field: "createStockLocation", document: "mutation($input: CreateStockLocationInput!) { createStockLocation(input: $input) { stockLocation { id } } }" },
            json!({ "input": { "code": "SYD", "name": "Sydney", "region": "AUSTRALIA" } }),
        )
        .await["stockLocation"]["id"]
        .clone();
    let product = staff
        .data(
            Op { field: "createProduct", document: "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }" },
            json!({ "input": { "sku": "LAMP", "name": "Lamp", "taxCode": "TAXABLE", "price": "49.00", "weightGrams": 800 } }),
        )
        .await["product"]["id"]
        .clone();
    staff
        .data(
            Op { field: "adjustStock", document: "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { onHand } } }" },
            json!({ "input": { "productId": product, "locationId": location, "quantity": 3, "reason": "In" } }),
        )
        .await;
    let alice = app.customer_named("Alice", "alice@example.com.au").await;
    let placed = app
        .as_customer(&alice)
        .data(
            Op { field: "placeOrder", document: "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }" },
            json!({ "input": { "lines": [{ "productId": product, "quantity": 1 }],
                "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
                "requiredDeliveryDate": "2026-12-18" } }),
        )
        .await;
    let id = placed["order"]["id"].as_str().unwrap().to_owned();

    let customer_token = app.token_for(Role::Customer, Some(alice.parse().unwrap()));
    // The order as it is now comes first: the subscription is listening.
    let (mut socket, now) = follow(
        &app,
        &customer_token,
        "order",
        "subscription($id: ID!) { orderUpdated(id: $id) { status reservedUntil } }",
        &id,
    )
    .await;
    assert_eq!(now["status"], "PLACED", "{now}");
    // Under $500 the reservation is approved at once.
    let requested = app
        .person("fulfil-1", Role::Fulfilment)
        .data(
            Op { field: "requestReservation", document: "mutation($id: ID!) { requestReservation(input: { orderId: $id }) { approval { status } } }" },
            json!({ "id": id }),
        )
        .await;
    assert_eq!(requested["approval"]["status"], "APPROVED");
    let reserved = next_update(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(reserved["status"], "RESERVED", "{reserved}");

    // The worker lapses the unpaid reservation; the follower hears of it.
    let until =
        chrono::DateTime::parse_from_rfc3339(reserved["reservedUntil"].as_str().unwrap()).unwrap();
    app.clock.set(until.to_utc() + chrono::Duration::minutes(1));
    let lapsed = next_update(&mut socket, Duration::from_secs(30)).await;
    assert_eq!(lapsed["status"], "CANCELLED", "{lapsed}");
}

#[tokio::test]
async fn an_engagement_follower_sees_it_start_and_the_worker_flag_its_stage_overdue() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let customer = app
        .customer_named("Harbour Bakery", "owner@harbourbakery.com.au")
        .await;
    let created = app
        .person("pm-1", Role::ProjectManager)
        .data(
            Op { field: "createEngagement", document: "mutation($input: CreateEngagementInput!) { createEngagement(input: $input) { engagement { id } userErrors { code } } }" },
            json!({ "input": { "customerId": customer, "templateKey": "service_delivery", "name": "Ordering system",
                "scopeReference": "SOW-1", "plannedStart": "2026-11-23" } }),
        )
        .await;
    let id = created["engagement"]["id"].as_str().unwrap().to_owned();

    // The customer follows its engagement.
    let token = app.token_for(Role::Customer, Some(customer.parse().unwrap()));
    let (mut socket, now) = follow(
        &app,
        &token,
        "engagement",
        "subscription($id: ID!) { engagementUpdated(id: $id) { status stageDueAt stageOverdue currentStage { stage { key } } } }",
        &id,
    )
    .await;
    assert_eq!(now["status"], "PLANNED", "{now}");
    app.person("pm-1", Role::ProjectManager)
        .data(
            Op { field: "startEngagement", document: "mutation($id: ID!) { startEngagement(input: { engagementId: $id }) { engagement { status } } }" },
            json!({ "id": id }),
        )
        .await;
    let started = next_update(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(started["status"], "ACTIVE", "{started}");
    assert_eq!(started["currentStage"]["stage"]["key"], "kickoff");

    // The worker flags the stage overdue at its due time; the follower hears.
    let due =
        chrono::DateTime::parse_from_rfc3339(started["stageDueAt"].as_str().unwrap()).unwrap();
    app.clock.set(due.to_utc() + chrono::Duration::minutes(1));
    let overdue = next_update(&mut socket, Duration::from_secs(30)).await;
    assert_eq!(overdue["stageOverdue"], true, "{overdue}");
}

/// A customer follows their ticket: the current ticket first, then staff's
/// reply (an internal note stays hidden from them).
#[tokio::test]
async fn a_customer_follows_their_ticket_as_staff_answer_it() {
    let app = TestApp::spawn().await;
    let customer = app
        .customer_named("Corner Cafe", "cafe@example.com.au")
        .await;
    let token = app.token_for(Role::Customer, Some(customer.parse().unwrap()));
    let opened = app
        .with_token(&token)
        .data(
            Op { field: "openTicket", document: "mutation($input: OpenTicketInput!) { openTicket(input: $input) { ticket { id } userErrors { code } } }" },
            json!({ "input": { "subject": "Till offline", "description": "It is.", "priority": "MEDIUM", "category": "hardware" } }),
        )
        .await;
    let id = opened["ticket"]["id"].as_str().unwrap().to_owned();
    let (mut socket, now) = follow(
        &app,
        &token,
        "ticket",
        "subscription($id: ID!) { ticketUpdated(id: $id) { status messages { body internal } } }",
        &id,
    )
    .await;
    assert_eq!(now["status"], "NEW", "{now}");
    let reply = Op {
        field: "replyToTicket",
        document: "mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { ticket { status } userErrors { code } } }",
    };
    let staff = app.as_role(Role::DeliveryTeam);
    staff
        .data(
            reply,
            json!({ "input": { "ticketId": id, "body": "note to self", "internal": true } }),
        )
        .await;
    staff
        .data(
            reply,
            json!({ "input": { "ticketId": id, "body": "On our way." } }),
        )
        .await;
    // The note changed the ticket too: the customer hears of it without the note.
    let mut last = Value::Null;
    while last["status"] != "OPEN" {
        last = next_update(&mut socket, Duration::from_secs(10)).await;
        let bodies = last["messages"].to_string();
        assert!(!bodies.contains("note to self"), "{last}");
    }
    assert_eq!(
        last["messages"],
        json!([{ "body": "On our way.", "internal": false }])
    );
}
