//! Orders up to reservation through GraphQL: placing (verified, priced,
//! numbered, idempotent), the reservation approval, stock that never
//! oversells under concurrent orders, partial reservations, cancelling and
//! the lapse of an unpaid reservation on the business clock.

use futures::StreamExt;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::time::Duration;
use tests::{Op, Role, TestApp, error_code, input_error, nodes, user_errors, wait_for};

const PATIENCE: Duration = Duration::from_secs(60);

tests::op_const!(GUEST_ORDER = "placeOrder": "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id contactName contactEmail customer { id } } userErrors { field code message } } }");
tests::op_const!(PLACE_ORDER = "placeOrder": "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id number status total { amount } shippingCharge { amount } contactName lines { lineNo sku quantity reservedQuantity unitPrice { amount } } nextActions { action role } } userErrors { field code message } } }");
tests::op_const!(REQUEST_RESERVATION = "requestReservation": "mutation($id: ID!) { requestReservation(input: { orderId: $id }) { approval { id status amount { amount } stepsRequired } userErrors { field code message } } }");
tests::op_const!(CANCEL_ORDER = "cancelOrder": "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"Customer changed plans\" }) { order { id status statusReason } userErrors { field code message } } }");
tests::op_const!(ORDER = "order": "query($id: ID!) { order(id: $id) { number status statusReason reservedUntil lines { quantity reservedQuantity } allocations { locationCode quantity } allocationProposal { lineNo picks { locationCode quantity } backordered } nextActions { action role } timeline { action actorId } } }");
// What a customer may read of an order.
tests::op_const!(MY_ORDER = "order": "query($id: ID!) { order(id: $id) { number status lines { quantity reservedQuantity } nextActions { action role } } }");
tests::op_const!(CREATE_LOCATION = "createStockLocation": "mutation($input: CreateStockLocationInput!) { createStockLocation(input: $input) { stockLocation { id } userErrors { field code } } }");
tests::op_const!(CREATE_PRODUCT = "createProduct": "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }");
tests::op_const!(ADJUST_STOCK = "adjustStock": "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { onHand reserved available } userErrors { field code } } }");
tests::op_const!(STOCK = "product": "query($id: ID!) { product(id: $id) { stock { onHand reserved available } } }");

/// A Sydney warehouse and one product with `units` on hand there.
struct Shop {
    location: String,
    product: String,
}

async fn shop(app: &TestApp, price: &str, units: i32) -> Shop {
    let staff = app.as_role(Role::Fulfilment);
    let location = staff
        .data(
            CREATE_LOCATION,
            json!({ "input": { "code": "SYD", "name": "Sydney", "region": "AUSTRALIA" } }),
        )
        .await["stockLocation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let product = staff
        .data(
            CREATE_PRODUCT,
            json!({ "input": { "sku": "DESK-1", "name": "Standing desk", "taxCode": "TAXABLE", "price": price, "weightGrams": 30000 } }),
        )
        .await["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    if units > 0 {
        adjust(app, &product, &location, units).await;
    }
    Shop { location, product }
}

async fn adjust(app: &TestApp, product: &str, location: &str, quantity: i32) {
    app.as_role(Role::Fulfilment)
        .accepted(
            ADJUST_STOCK,
            json!({ "input": { "productId": product, "locationId": location, "quantity": quantity, "reason": "test" } }),
        )
        .await;
}

fn order_input(product: &str, quantity: i32) -> Value {
    json!({
        "lines": [{ "productId": product, "quantity": quantity }],
        "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
        "requiredDeliveryDate": "2026-12-18",
        "shippingSpeed": "EXPRESS",
        "channel": "WEB"
    })
}

async fn customer(app: &TestApp, name: &str, email: &str) -> String {
    app.customer_named(name, email).await
}

/// Place as staff for `customer`; the order.
async fn place_for(app: &TestApp, customer: &str, product: &str, quantity: i32) -> Value {
    let mut input = order_input(product, quantity);
    input["customerId"] = json!(customer);
    let placed = app
        .person("clerk", Role::Fulfilment)
        .accepted(PLACE_ORDER, json!({ "input": input }))
        .await;
    placed["order"].clone()
}

async fn stock(app: &TestApp, product: &str) -> Value {
    app.admin().data(STOCK, json!({ "id": product })).await["stock"][0].clone()
}

#[tokio::test]
async fn a_customer_order_goes_from_placed_to_reserved_through_its_approval() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let shop = shop(&app, "600.00", 10).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;

    let placed = app
        .as_customer(&alice)
        .accepted(
            PLACE_ORDER,
            json!({ "input": order_input(&shop.product, 2) }),
        )
        .await;
    let order = &placed["order"];
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(order["number"], "SO-000001");
    assert_eq!(order["status"], "PLACED");
    assert_eq!(order["contactName"], "Alice Nguyen");
    // Two desks at $600 plus express shipping, GST included.
    assert_eq!(order["total"]["amount"], "1219.95");
    assert_eq!(
        order["nextActions"],
        json!([{ "action": "CANCEL", "role": "CUSTOMER" }])
    );

    let proposal = app.admin().data(ORDER, json!({ "id": id })).await;
    assert_eq!(
        proposal["allocationProposal"],
        json!([{ "lineNo": 1, "picks": [{ "locationCode": "SYD", "quantity": 2 }], "backordered": 0 }])
    );

    // Over $500: a FULFILMENT approver other than the requester decides.
    let requested = app
        .person("fulfil-1", Role::Fulfilment)
        .data(REQUEST_RESERVATION, json!({ "id": id }))
        .await;
    let approval = &requested["approval"];
    assert_eq!(
        (
            &approval["status"],
            &approval["stepsRequired"],
            &approval["amount"]["amount"]
        ),
        (&json!("PENDING"), &json!(["FULFILMENT"]), &json!("1219.95")),
        "{requested}"
    );
    let approval_id = approval["id"].as_str().unwrap().to_owned();
    let own = app
        .decide_approval("fulfil-1", Role::Fulfilment, &approval_id, "APPROVE", None)
        .await;
    assert_eq!(user_errors(&own), [input_error("id", "OWN_REQUEST")]);
    app.person("fulfil-2", Role::Fulfilment)
        .refused(
            REQUEST_RESERVATION,
            json!({ "id": id }),
            "orderId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    app.approve("fulfil-2", Role::Fulfilment, &approval_id)
        .await;

    // Reserved, then invoiced at once by the system (step 5).
    let reserved = app.admin().data(ORDER, json!({ "id": id })).await;
    assert_eq!(reserved["status"], "INVOICED", "{reserved}");
    assert_eq!(
        reserved["lines"],
        json!([{ "quantity": 2, "reservedQuantity": 2 }])
    );
    assert_eq!(
        reserved["allocations"],
        json!([{ "locationCode": "SYD", "quantity": 2 }])
    );
    let steps = tests::strings(&reserved["timeline"], "action");
    assert_eq!(
        steps,
        [
            "order.placed",
            "order.reservation_requested",
            "order.reserved",
            "order.invoiced"
        ]
    );
    assert_eq!(
        stock(&app, &shop.product).await,
        json!({ "onHand": 10, "reserved": 2, "available": 8 })
    );
    // The customer sees its invoiced order and may pay it; others see nothing.
    let own_view = app
        .as_customer(&alice)
        .data(MY_ORDER, json!({ "id": id }))
        .await;
    assert_eq!(
        own_view["nextActions"],
        json!([{ "action": "PAY", "role": "CUSTOMER" }])
    );
    let bob = customer(&app, "Bob", "bob@example.com.au").await;
    assert!(
        app.as_customer(&bob)
            .data(MY_ORDER, json!({ "id": id }))
            .await
            .is_null()
    );

    // The confirmation email went to the customer.
    let kind = entity::NotificationKind::OrderConfirmation;
    app.sent_notification_to(kind, &id, "alice@example.com.au")
        .await;
}

#[tokio::test]
async fn bad_orders_are_refused_field_by_field_and_counted_as_entry_errors() {
    let app = TestApp::spawn().await;
    let shop = shop(&app, "99.00", 5).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    let mut input = order_input(&shop.product, 0);
    input["shippingAddress"]["postcode"] = json!("3000");
    input["requiredDeliveryDate"] = json!("2026-01-01");
    input["discount"] = json!("5.00");
    let refused = app
        .as_customer(&alice)
        .data(PLACE_ORDER, json!({ "input": input }))
        .await;
    let mut found: Vec<(Vec<String>, String)> = user_errors(&refused);
    found.sort();
    let path = |p: &[&str], code: &str| {
        let mut full = vec!["input".to_owned()];
        full.extend(p.iter().map(|s| s.to_string()));
        (full, code.to_owned())
    };
    let mut expected = vec![
        path(&["discount"], "STAFF_ONLY"),
        path(&["lines", "0", "quantity"], "OUT_OF_RANGE"),
        path(&["requiredDeliveryDate"], "OUT_OF_RANGE"),
        path(&["shippingAddress", "postcode"], "POSTCODE_STATE_MISMATCH"),
    ];
    expected.sort();
    assert_eq!(found, expected, "{refused}");
    let orders = entity::sales_order::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    assert!(orders.is_empty(), "nothing of the order is written");
    let errors = entity::order_entry_error::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(errors.len(), 1, "one entry error per refused placement");
    assert_eq!(errors[0].channel, entity::Channel::Web);
    assert!(
        expected
            .iter()
            .any(|(path, code)| path[1..].join(".") == errors[0].field && *code == errors[0].code),
        "{errors:?}"
    );

    // A guest through staff: the contact details are checked too.
    let mut guest = order_input(&shop.product, 1);
    guest["guest"] = json!({ "name": "Walk In", "email": "not-an-email", "phone": "12" });
    let bad_guest = app
        .as_role(Role::Fulfilment)
        .data(PLACE_ORDER, json!({ "input": guest }))
        .await;
    let codes: Vec<String> = user_errors(&bad_guest)
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert_eq!(codes, ["INVALID_EMAIL", "INVALID_PHONE"]);
    // The number series has no gap for refused orders.
    let placed = place_for(&app, &alice, &shop.product, 1).await;
    assert_eq!(placed["number"], "SO-000001");
}

#[tokio::test]
async fn an_idempotency_key_replay_creates_one_order_and_a_changed_replay_is_refused() {
    let app = TestApp::spawn().await;
    let shop = shop(&app, "20.00", 5).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    let caller = app.as_customer(&alice).with_idempotency_key("order-abc-1");
    let first = caller
        .data(
            PLACE_ORDER,
            json!({ "input": order_input(&shop.product, 1) }),
        )
        .await;
    let replay = caller
        .data(
            PLACE_ORDER,
            json!({ "input": order_input(&shop.product, 1) }),
        )
        .await;
    assert_eq!(first["order"]["id"], replay["order"]["id"]);
    let changed = caller
        .data(
            PLACE_ORDER,
            json!({ "input": order_input(&shop.product, 2) }),
        )
        .await;
    let codes: Vec<String> = user_errors(&changed).into_iter().map(|(_, c)| c).collect();
    assert_eq!(codes, ["IDEMPOTENCY_KEY_REUSED"]);
    let orders = entity::sales_order::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(orders.len(), 1);
}

#[tokio::test]
async fn two_hundred_concurrent_orders_for_ten_units_reserve_exactly_ten() {
    let app = TestApp::spawn().await;
    let shop = shop(&app, "600.00", 10).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    let ids: Vec<String> = futures::stream::iter(0..200)
        .map(|_| place_for(&app, &alice, &shop.product, 1))
        .buffer_unordered(32)
        .map(|order| order["id"].as_str().unwrap().to_owned())
        .collect()
        .await;
    let app = &app;
    let approvals: Vec<String> = futures::stream::iter(ids.iter())
        .map(|id| async move {
            let requested = app
                .person("fulfil-1", Role::Fulfilment)
                .accepted(REQUEST_RESERVATION, json!({ "id": id }))
                .await;
            requested["approval"]["id"].as_str().unwrap().to_owned()
        })
        .buffer_unordered(32)
        .collect()
        .await;
    // Every approval decided at once.
    let decided: Vec<Value> = futures::stream::iter(approvals.iter())
        .map(|id| async move {
            app.decide_approval("fulfil-2", Role::Fulfilment, id, "APPROVE", None)
                .await
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(
        decided
            .iter()
            .all(|d| d["approval"]["status"] == "APPROVED")
    );

    let orders = entity::sales_order::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    let count = |status: entity::OrderStatus| orders.iter().filter(|o| o.status == status).count();
    // Reserved, then invoiced at once.
    assert_eq!(count(entity::OrderStatus::Invoiced), 10);
    assert_eq!(count(entity::OrderStatus::Backordered), 190);
    assert_eq!(
        stock(app, &shop.product).await,
        json!({ "onHand": 10, "reserved": 10, "available": 0 })
    );
    let numbers: std::collections::HashSet<String> =
        orders.iter().map(|o| o.number.clone()).collect();
    assert_eq!(numbers.len(), 200);
    assert!(
        numbers.contains("SO-000001") && numbers.contains("SO-000200"),
        "gap-free"
    );
}

#[tokio::test]
async fn when_stock_moves_before_approval_the_order_reserves_what_is_left() {
    let app = TestApp::spawn().await;
    let shop = shop(&app, "600.00", 8).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    let order = place_for(&app, &alice, &shop.product, 8).await;
    let id = order["id"].as_str().unwrap();
    let requested = app
        .person("fulfil-1", Role::Fulfilment)
        .data(REQUEST_RESERVATION, json!({ "id": id }))
        .await;
    // Three are damaged while the approval waits.
    adjust(&app, &shop.product, &shop.location, -3).await;
    let approval = &requested["approval"]["id"];
    app.decide_approval("fulfil-2", Role::Fulfilment, approval, "APPROVE", None)
        .await;
    // Five were reserved and invoiced; the other three moved to a backorder.
    let partial = app.admin().data(ORDER, json!({ "id": id })).await;
    assert_eq!(partial["status"], "INVOICED", "{partial}");
    assert_eq!(
        partial["lines"],
        json!([{ "quantity": 5, "reservedQuantity": 5 }])
    );
    let backorders = app
        .admin()
        .data(
            Op {
                field: "orders",
                document: "{ orders(filter: { status: BACKORDERED }) { edges { node { id status total { amount } shippingCharge { amount } lines { quantity reservedQuantity } backorderOf { id } } } } }",
            },
            json!({}),
        )
        .await;
    let backorder = nodes(&backorders)[0].clone();
    assert_eq!(backorder["backorderOf"]["id"], id, "{backorder}");
    assert_eq!(
        backorder["lines"],
        json!([{ "quantity": 3, "reservedQuantity": 0 }])
    );
    // The same prices, and no second delivery charge.
    assert_eq!(backorder["total"]["amount"], "1800.00");
    assert_eq!(backorder["shippingCharge"]["amount"], "0.00");
    assert_eq!(
        stock(&app, &shop.product).await,
        json!({ "onHand": 5, "reserved": 5, "available": 0 })
    );
    // Reserved stock cannot be written off from under the order.
    app.as_role(Role::Fulfilment)
        .refused(
            ADJUST_STOCK,
            json!({ "input": { "productId": shop.product, "locationId": shop.location, "quantity": -1, "reason": "x" } }),
            "quantity",
            "INSUFFICIENT_STOCK",
        )
        .await;

    // The backorder holds no stock; the invoiced order gives its stock back
    // when cancelled (its invoice reversed by an adjustment note).
    let cancelled = app
        .as_role(Role::Fulfilment)
        .data(CANCEL_ORDER, json!({ "id": backorder["id"] }))
        .await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    assert_eq!(
        stock(&app, &shop.product).await,
        json!({ "onHand": 5, "reserved": 5, "available": 0 })
    );
    let cancelled = app
        .as_role(Role::Finance)
        .data(CANCEL_ORDER, json!({ "id": id }))
        .await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    assert_eq!(
        stock(&app, &shop.product).await,
        json!({ "onHand": 5, "reserved": 0, "available": 5 })
    );
    app.as_role(Role::Fulfilment)
        .refused(
            CANCEL_ORDER,
            json!({ "id": id }),
            "id",
            "ILLEGAL_TRANSITION",
        )
        .await;
}

/// An order waiting on its reservation approval is cancelled: the approval
/// is withdrawn with it and no stock is touched.
#[tokio::test]
async fn an_order_awaiting_its_reservation_approval_is_cancelled_and_the_approval_withdrawn() {
    let app = TestApp::spawn().await;
    let shop = shop(&app, "600.00", 10).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;
    let order = place_for(&app, &alice, &shop.product, 2).await;
    let id = order["id"].as_str().unwrap();
    let requested = app
        .person("fulfil-1", Role::Fulfilment)
        .data(REQUEST_RESERVATION, json!({ "id": id }))
        .await;
    assert_eq!(requested["approval"]["status"], "PENDING", "{requested}");

    let cancelled = app
        .as_role(Role::Fulfilment)
        .accepted(CANCEL_ORDER, json!({ "id": id }))
        .await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    assert_eq!(cancelled["order"]["statusReason"], "Customer changed plans");
    let approval = app
        .admin()
        .data(
            tests::ops::APPROVAL,
            json!({ "id": requested["approval"]["id"] }),
        )
        .await;
    assert_eq!(approval["status"], "CANCELLED", "{approval}");
    let timeline = app.admin().data(ORDER, json!({ "id": id })).await["timeline"].clone();
    assert_eq!(
        tests::strings(&timeline, "action"),
        [
            "order.placed",
            "order.reservation_requested",
            "order.cancelled"
        ]
    );
    assert_eq!(
        stock(&app, &shop.product).await,
        json!({ "onHand": 10, "reserved": 0, "available": 10 })
    );
}

#[tokio::test]
async fn an_unpaid_reservation_lapses_on_the_business_clock_and_releases_its_stock() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    // Without the business's ABN no tax invoice can be issued, so the order
    // stays reserved and unpaid (invoiced orders lapse once payments exist).
    app.admin()
        .change_business_settings(json!({ "abn": null }))
        .await;
    // Under $500: the policy approves the reservation at once.
    let shop = shop(&app, "100.00", 4).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    let order = place_for(&app, &alice, &shop.product, 3).await;
    let id = order["id"].as_str().unwrap();
    let requested = app
        .person("fulfil-1", Role::Fulfilment)
        .data(REQUEST_RESERVATION, json!({ "id": id }))
        .await;
    assert_eq!(requested["approval"]["status"], "APPROVED", "{requested}");
    let reserved = app.admin().data(ORDER, json!({ "id": id })).await;
    assert_eq!(reserved["status"], "RESERVED");
    assert_eq!(
        reserved["statusReason"],
        "invoice not issued: a tax invoice shows the seller's ABN: set it in the business settings"
    );
    let until = chrono::DateTime::parse_from_rfc3339(reserved["reservedUntil"].as_str().unwrap())
        .unwrap()
        .to_utc();
    assert_eq!(until - app.clock.now_utc(), chrono::Duration::hours(48));

    app.clock.set(until + chrono::Duration::minutes(1));
    wait_for("the reservation to lapse", PATIENCE, async || {
        app.admin().data(ORDER, json!({ "id": id })).await["status"] == "CANCELLED"
    })
    .await;
    let lapsed = app.admin().data(ORDER, json!({ "id": id })).await;
    assert_eq!(
        lapsed["statusReason"],
        "the reservation lapsed before payment"
    );
    assert_eq!(
        stock(&app, &shop.product).await,
        json!({ "onHand": 4, "reserved": 0, "available": 4 })
    );
    let forbidden = app
        .as_customer(&alice)
        .run(REQUEST_RESERVATION, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&forbidden).as_deref(), Some("FORBIDDEN"));
    let listed = app
        .as_customer(&alice)
        .data(
            Op {
                field: "orders",
                document: "{ orders { edges { node { number status } } } }",
            },
            json!({}),
        )
        .await;
    assert_eq!(nodes(&listed).len(), 1);
}

#[tokio::test]
async fn an_order_turns_at_risk_then_late_on_the_business_clock_and_the_customer_is_told_once_each()
{
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let shop = shop(&app, "40.00", 5).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    // Needed Friday 18 December by express: it must ship by Thursday 17th.
    let order = place_for(&app, &alice, &shop.product, 1).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let risk_of = async || {
        app.admin()
            .data(
                Op {
                    field: "order",
                    document: "query($id: ID!) { order(id: $id) { lateRisk } }",
                },
                json!({ "id": id }),
            )
            .await["lateRisk"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(risk_of().await, "ON_TRACK");
    let told = async |kind: entity::NotificationKind| {
        app.notifications_of(kind, &id)
            .await
            .into_iter()
            .filter(|n| n.status == entity::NotificationStatus::Sent)
            .count()
    };

    let sydney = |d: u32| {
        chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Australia::Sydney, 2026, 12, d, 10, 0, 0)
            .unwrap()
            .to_utc()
    };
    app.clock.set(sydney(16));
    wait_for(
        "the order to turn AT_RISK and the customer told",
        PATIENCE,
        async || {
            risk_of().await == "AT_RISK" && told(entity::NotificationKind::OrderAtRisk).await == 1
        },
    )
    .await;
    app.clock.set(sydney(18));
    wait_for(
        "the order to turn LATE and the customer told",
        PATIENCE,
        async || risk_of().await == "LATE" && told(entity::NotificationKind::OrderLate).await == 1,
    )
    .await;
    assert_eq!(
        told(entity::NotificationKind::OrderAtRisk).await,
        1,
        "told once"
    );
    let late = app
        .admin()
        .data(
            Op {
                field: "orders",
                document: "{ orders(filter: { lateRisk: LATE }) { edges { node { number } } } }",
            },
            json!({}),
        )
        .await;
    assert_eq!(nodes(&late).len(), 1);
}

#[tokio::test]
async fn orders_page_newest_first_when_asked() {
    let app = TestApp::spawn().await;
    let shop = shop(&app, "10.00", 0).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    for _ in 0..3 {
        place_for(&app, &alice, &shop.product, 1).await;
    }
    let page = async |after: Option<String>| {
        app.admin()
            .data(
                Op {
                    field: "orders",
                    document: "query($after: String) { orders(sort: PLACED_NEWEST_FIRST, first: 2, after: $after) { edges { cursor node { number } } pageInfo { hasNextPage } } }",
                },
                json!({ "after": after }),
            )
            .await
    };
    let first = page(None).await;
    let numbers = |p: &Value| -> Vec<String> {
        nodes(p)
            .iter()
            .map(|n| n["number"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(numbers(&first), ["SO-000003", "SO-000002"]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let cursor = first["edges"][1]["cursor"].as_str().unwrap().to_owned();
    let second = page(Some(cursor)).await;
    assert_eq!(numbers(&second), ["SO-000001"]);
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn a_guest_whose_email_is_a_customers_orders_as_that_customer() {
    let app = TestApp::spawn().await;
    let shop = shop(&app, "20.00", 5).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    let staff = app.as_role(Role::Fulfilment);

    let mut known = order_input(&shop.product, 1);
    known["guest"] = json!({ "name": "Alice at the counter", "email": "ALICE@example.com.au" });
    let placed = staff.accepted(GUEST_ORDER, json!({ "input": known })).await;
    assert_eq!(
        placed["order"]["customer"]["id"],
        alice.as_str(),
        "{placed}"
    );
    assert_eq!(placed["order"]["contactName"], "Alice at the counter");

    let mut stranger = order_input(&shop.product, 1);
    stranger["guest"] = json!({ "name": "Walk In", "email": "walk.in@example.com.au" });
    let placed = staff
        .accepted(GUEST_ORDER, json!({ "input": stranger }))
        .await;
    assert_eq!(placed["order"]["customer"], Value::Null, "{placed}");
    assert_eq!(placed["order"]["contactEmail"], "walk.in@example.com.au");
}

/// A partly reserved order whose lines carry their own discounts: the order
/// discount is split between the invoiced part and its backorder by their
/// value after line discounts (as GST is worked out), so neither part gets
/// more discount than it is worth.
#[tokio::test]
async fn a_partly_reserved_order_splits_its_discount_by_value_after_line_discounts() {
    let app = TestApp::spawn().await;
    let location = tests::shop::warehouse(&app).await;
    let in_stock =
        tests::shop::product(&app, &location, "SPLIT-A", "100.00", "TAXABLE", true).await;
    let none_left =
        tests::shop::product(&app, &location, "SPLIT-B", "100.00", "TAXABLE", true).await;
    adjust(&app, &none_left, &location, -1000).await;
    let alice = customer(&app, "Alice", "alice@example.com.au").await;
    let placed = app
        .person("clerk", Role::Fulfilment)
        .accepted(
            tests::shop::op("placeOrder", "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { field code message } } }"),
            json!({ "input": { "customerId": alice, "discount": "50.00",
                "lines": [{ "productId": in_stock, "quantity": 1, "discountPercent": "90" },
                          { "productId": none_left, "quantity": 1 }],
                "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
                "requiredDeliveryDate": "2026-12-24", "shippingSpeed": "STANDARD" } }),
        )
        .await;
    let id = placed["order"]["id"].as_str().unwrap();
    let requested = app
        .person("fulfil-1", Role::Fulfilment)
        .data(REQUEST_RESERVATION, json!({ "id": id }))
        .await;
    assert!(user_errors(&requested).is_empty(), "{requested}");
    let split = app
        .admin()
        .data(
            tests::shop::op(
                "order",
                "query($id: ID!) { order(id: $id) { status discount { amount } } }",
            ),
            json!({ "id": id }),
        )
        .await;
    assert_eq!(split["status"], "INVOICED", "{split}");
    // $10.00 kept against $100.00 backordered: $4.55 and $45.45 of the $50.
    assert_eq!(split["discount"]["amount"], "4.55", "{split}");
}
