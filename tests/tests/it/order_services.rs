//! Services in orders (DESIGN "Where issues meet") through GraphQL, the
//! worker and the fake courier: a paid order with services opens one
//! support ticket (the customer is emailed); its goods delivered tell the
//! service team they are on site but leave it SHIPPED until staff resolve
//! the ticket, which delivers it with the usual follow-ups; a ticket
//! reopened and resolved again changes nothing; an order of services only
//! goes from PAID to DELIVERED with its ticket, offers nothing to pack, and
//! cancelled closes its ticket; an order of goods opens none.

use chrono::Duration as Days;
use entity::NotificationKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::fulfil::*;
use tests::purchasing::wait_for_sent_email;
use tests::shop::{service, warehouse};
use tests::{Role, TestApp, nodes, user_errors};

tests::op_const!(ORDER_SERVICES = "order": "query($id: ID!) { order(id: $id) { id number status deliveredAt timeline { action } serviceTicket { id number status category subject description priority orderId customerId version } } }");
tests::op_const!(CHANGE_STATUS = "changeTicketStatus": "mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { ticket { id status version } userErrors { field code message } } }");
tests::op_const!(REPLY = "replyToTicket": "mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { ticket { id status version } userErrors { field code message } } }");
tests::op_const!(NEXT_ACTIONS = "order": "query($id: ID!) { order(id: $id) { status nextActions { action role } serviceTicket { id status } } }");
tests::op_const!(CANCEL = "cancelOrder": "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"Customer cancelled\" }) { order { status } userErrors { field code message } } }");
tests::op_const!(GUEST_CUSTOMER = "order": "query($id: ID!) { order(id: $id) { id customer { id name email phone } } }");
tests::op_const!(GUEST_ORDER = "placeOrder": "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { field code message } } }");
tests::op_const!(CAPTURE = "capturePayment": "mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { id status amount { amount } } userErrors { field code message } } }");
tests::op_const!(REMIT = "recordRemittance": "mutation($input: RecordRemittanceInput!) { recordRemittance(input: $input) { payment { status } userErrors { field code message } } }");
tests::op_const!(ASSETS = "customerAssets": "query($id: ID!) { customerAssets(customerId: $id) { edges { node { product { sku } quantity } } } }");

async fn services_of(app: &TestApp, order: &str) -> Value {
    app.admin()
        .data(ORDER_SERVICES, json!({ "id": order }))
        .await
}

/// Staff move the ticket to `status`; the ticket after.
async fn set_status(app: &TestApp, ticket: &Value, status: &str) -> Value {
    let moved = app
        .as_role(Role::DeliveryTeam)
        .accepted(
            CHANGE_STATUS,
            json!({ "input": { "ticketId": ticket["id"], "status": status, "expectedVersion": ticket["version"] } }),
        )
        .await;
    assert_eq!(moved["ticket"]["status"], status, "{moved}");
    moved["ticket"].clone()
}

fn count(timeline: &Value, action: &str) -> usize {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] == action)
        .count()
}

async fn tickets_about(app: &TestApp, order: &str) -> u64 {
    entity::ticket::Entity::find()
        .filter(entity::ticket::Column::OrderId.eq(uuid::Uuid::parse_str(order).unwrap()))
        .count(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_order_with_services_is_delivered_once_its_goods_are_and_its_ticket_is_resolved() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    app.admin()
        .change_business_settings(json!({ "followUpAfterDays": 1 }))
        .await;
    let team = app
        .admin()
        .create_user(json!({ "email": "service@example.com.au", "password": "a long enough password", "role": "DELIVERY_TEAM" }))
        .await;
    assert!(user_errors(&team).is_empty(), "{team}");
    let location = warehouse(&app).await;
    let heater = stocked(&app, &location, "HEATER-1", json!({ "warrantyMonths": 12 })).await;
    let install = service(&app, "INSTALL-1", "On-site installation", "30.00").await;

    // Paid: its services ticket is opened with the payment and the customer told.
    let (order, customer) =
        paid_order(&app, "kim@example.com.au", &[(&heater, 1), (&install, 1)]).await;
    let paid = services_of(&app, &order).await;
    let ticket = paid["serviceTicket"].clone();
    let number = paid["number"].as_str().unwrap();
    assert_eq!(ticket["category"], "services", "{paid}");
    assert_eq!(ticket["status"], "NEW");
    assert_eq!(ticket["priority"], "MEDIUM");
    assert_eq!(ticket["orderId"], order.as_str());
    assert_eq!(ticket["customerId"], customer.as_str());
    assert_eq!(ticket["subject"], format!("Services for order {number}"));
    assert_eq!(
        ticket["description"],
        format!("Services ordered on {number}:\n1 × On-site installation")
    );
    assert_eq!(tickets_about(&app, &order).await, 1);
    let theirs = app
        .as_customer(&customer)
        .data(ORDER_SERVICES, json!({ "id": order }))
        .await;
    assert_eq!(theirs["serviceTicket"]["id"], ticket["id"], "{theirs}");
    let ticket_id = ticket["id"].as_str().unwrap();
    app.emailed_once_to(
        NotificationKind::TicketOpened,
        ticket_id,
        "kim@example.com.au",
    )
    .await;

    // Goods delivered: the service team hears they are on site; the order
    // waits for its services (SHIPPED, not delivered).
    let (_, polled) = ship_delivered(&app, &courier, &location, &order, 1, package_delivered).await;
    assert_eq!(polled["order"]["status"], "SHIPPED", "{polled}");
    app.emailed_once_to(
        NotificationKind::ServiceOnSite,
        &order,
        "service@example.com.au",
    )
    .await;
    let on_site = services_of(&app, &order).await;
    assert_eq!(on_site["status"], "SHIPPED");
    assert_eq!(on_site["deliveredAt"], Value::Null);
    assert_eq!(count(&on_site["timeline"], "order.delivered"), 0);

    // Staff resolve the ticket: DELIVERED in the same change, with its
    // assets, audit and follow-up.
    let open = set_status(&app, &on_site["serviceTicket"], "OPEN").await;
    let resolved = set_status(&app, &open, "RESOLVED").await;
    let delivered = services_of(&app, &order).await;
    assert_eq!(delivered["status"], "DELIVERED", "{delivered}");
    assert!(delivered["deliveredAt"].is_string(), "{delivered}");
    assert_eq!(count(&delivered["timeline"], "order.delivered"), 1);
    let assets = nodes(&app.admin().data(ASSETS, json!({ "id": customer })).await);
    assert_eq!(assets.len(), 1, "goods only: {assets:?}");
    assert_eq!(assets[0]["product"]["sku"], "HEATER-1");
    app.clock.advance(Days::days(1) + Days::hours(2));
    wait_for_sent(&app, NotificationKind::DeliveryFeedback, &order).await;

    // Reopened by the customer and resolved again: the order stays as it was.
    let reopened = app
        .as_customer(&customer)
        .data(
            REPLY,
            json!({ "input": { "ticketId": resolved["id"], "body": "The heater trips the breaker." } }),
        )
        .await;
    assert_eq!(reopened["ticket"]["status"], "OPEN", "{reopened}");
    set_status(&app, &reopened["ticket"], "RESOLVED").await;
    let after = services_of(&app, &order).await;
    assert_eq!(after["status"], "DELIVERED");
    assert_eq!(after["deliveredAt"], delivered["deliveredAt"]);
    assert_eq!(count(&after["timeline"], "order.delivered"), 1);
    let on_site_rows = app
        .outbox_rows(&order)
        .await
        .into_iter()
        .filter(|r| r.topic == "order.on_site")
        .count();
    assert_eq!(on_site_rows, 1, "the service team is told once");
    assert_eq!(tickets_about(&app, &order).await, 1);
}

#[tokio::test]
async fn an_order_of_services_only_goes_from_paid_to_delivered_when_its_ticket_is_closed() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let setup = service(&app, "SETUP-1", "Network setup", "30.00").await;
    let (order, customer) = paid_order(&app, "lee@example.com.au", &[(&setup, 2)]).await;
    let paid = services_of(&app, &order).await;
    assert_eq!(paid["status"], "PAID");
    let ticket = paid["serviceTicket"].clone();
    assert_eq!(
        ticket["description"],
        format!(
            "Services ordered on {}:\n2 × Network setup",
            paid["number"].as_str().unwrap()
        )
    );
    app.emailed_once_to(
        NotificationKind::TicketOpened,
        ticket["id"].as_str().unwrap(),
        "lee@example.com.au",
    )
    .await;

    // Work in progress moves nothing; closing it delivers the order.
    let waiting = set_status(&app, &ticket, "WAITING_ON_CUSTOMER").await;
    assert_eq!(services_of(&app, &order).await["status"], "PAID");
    set_status(&app, &waiting, "CLOSED").await;
    let delivered = services_of(&app, &order).await;
    assert_eq!(delivered["status"], "DELIVERED", "{delivered}");
    assert!(delivered["deliveredAt"].is_string());
    assert_eq!(count(&delivered["timeline"], "order.delivered"), 1);
    // No goods: nothing on site, no assets.
    let on_site = app
        .outbox_rows(&order)
        .await
        .into_iter()
        .filter(|r| r.topic == "order.on_site")
        .count();
    assert_eq!(on_site, 0);
    let assets = nodes(&app.admin().data(ASSETS, json!({ "id": customer })).await);
    assert!(assets.is_empty(), "{assets:?}");
}

#[tokio::test]
async fn an_order_of_goods_only_opens_no_ticket_and_is_delivered_with_its_goods() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    let location = warehouse(&app).await;
    let mug = stocked(&app, &location, "MUG-1", json!({})).await;
    let (order, _) = paid_order(&app, "gail@example.com.au", &[(&mug, 1)]).await;
    let paid = services_of(&app, &order).await;
    assert_eq!(paid["serviceTicket"], Value::Null, "{paid}");
    assert_eq!(tickets_about(&app, &order).await, 0);
    let (package, _) = ship_delivered(&app, &courier, &location, &order, 1, order_delivered).await;
    assert_eq!(tickets_about(&app, &order).await, 0);
    wait_for_sent_email(&app, NotificationKind::ShipmentDelivered, &package).await;
}

#[tokio::test]
async fn a_paid_order_of_services_only_offers_nothing_to_pack_and_cancelling_it_closes_its_ticket()
{
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let setup = service(&app, "SETUP-2", "Network setup", "30.00").await;
    let (order, _) = paid_order(&app, "noor@example.com.au", &[(&setup, 1)]).await;
    let paid = app.admin().data(NEXT_ACTIONS, json!({ "id": order })).await;
    assert_eq!(paid["status"], "PAID");
    assert_eq!(
        paid["nextActions"],
        json!([{ "action": "CANCEL", "role": "FINANCE" }]),
        "{paid}"
    );
    assert_eq!(paid["serviceTicket"]["status"], "NEW");

    let cancelled = app
        .as_role(Role::Finance)
        .data(CANCEL, json!({ "id": order }))
        .await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    let after = app.admin().data(NEXT_ACTIONS, json!({ "id": order })).await;
    assert_eq!(after["serviceTicket"]["status"], "CLOSED", "{after}");
    assert_eq!(after["nextActions"], json!([]));
    // The same ticket, not a new one.
    assert_eq!(after["serviceTicket"]["id"], paid["serviceTicket"]["id"]);
    assert_eq!(tickets_about(&app, &order).await, 1);
}

/// Staff place a guest order of `lines`: its id.
async fn place_for_guest(app: &TestApp, guest: Value, lines: &[(&str, i32)]) -> String {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(p, q)| json!({ "productId": p, "quantity": q }))
        .collect();
    let placed = app
        .as_role(Role::Fulfilment)
        .accepted(
            GUEST_ORDER,
            json!({ "input": { "guest": guest, "lines": lines,
                "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
                "requiredDeliveryDate": "2026-12-24", "shippingSpeed": "STANDARD" } }),
        )
        .await;
    placed["order"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_guest_paying_for_services_becomes_a_customer_so_the_ticket_can_deliver_the_order() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let setup = service(&app, "SETUP-3", "Network setup", "30.00").await;
    let guest =
        json!({ "name": "Walk In", "email": "Walk.In@example.com.au", "phone": "0412 345 678" });
    let order = place_for_guest(&app, guest, &[(&setup, 1)]).await;
    assert_eq!(
        app.admin()
            .data(GUEST_CUSTOMER, json!({ "id": order }))
            .await["customer"],
        Value::Null
    );
    pay(&app, &order).await;

    // Paid: the guest is now a customer with no login, and the ticket is theirs.
    let paid = app
        .admin()
        .data(GUEST_CUSTOMER, json!({ "id": order }))
        .await;
    let customer = &paid["customer"];
    assert_eq!(customer["name"], "Walk In", "{paid}");
    assert_eq!(customer["email"], "Walk.In@example.com.au");
    assert_eq!(customer["phone"], "+61412345678");
    let ticket = services_of(&app, &order).await["serviceTicket"].clone();
    assert_eq!(ticket["customerId"], customer["id"], "{ticket}");
    let created = app.audit_actions(customer["id"].as_str().unwrap()).await;
    assert_eq!(created, ["customer.created_for_guest"]);
    app.emailed_once_to(
        NotificationKind::TicketOpened,
        ticket["id"].as_str().unwrap(),
        "Walk.In@example.com.au",
    )
    .await;

    // Its ticket closing delivers the order, as for a customer's.
    set_status(&app, &ticket, "CLOSED").await;
    assert_eq!(services_of(&app, &order).await["status"], "DELIVERED");

    // The same guest again (another case) is that customer from the start.
    let again = json!({ "name": "Walk In", "email": "walk.in@EXAMPLE.com.au" });
    let second = place_for_guest(&app, again, &[(&setup, 1)]).await;
    let placed = app
        .admin()
        .data(GUEST_CUSTOMER, json!({ "id": second }))
        .await;
    assert_eq!(placed["customer"]["id"], customer["id"], "{placed}");
}

#[tokio::test]
async fn a_guest_without_email_paying_for_services_gets_a_ticket_and_no_email() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let setup = service(&app, "SETUP-4", "Network setup", "30.00").await;
    let order = place_for_guest(&app, json!({ "name": "Cash Sale" }), &[(&setup, 1)]).await;
    pay(&app, &order).await;
    let paid = app
        .admin()
        .data(GUEST_CUSTOMER, json!({ "id": order }))
        .await;
    assert_eq!(paid["customer"]["name"], "Cash Sale", "{paid}");
    assert_eq!(paid["customer"]["email"], Value::Null);
    let ticket = services_of(&app, &order).await["serviceTicket"].clone();
    assert_eq!(ticket["status"], "NEW", "{ticket}");
    set_status(&app, &ticket, "RESOLVED").await;
    assert_eq!(services_of(&app, &order).await["status"], "DELIVERED");
}

#[tokio::test]
async fn a_guest_order_of_goods_only_stays_a_guest_order_when_paid() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let mug = stocked(&app, &location, "MUG-2", json!({})).await;
    let guest = json!({ "name": "Gail Guest", "email": "gail.guest@example.com.au" });
    let order = place_for_guest(&app, guest, &[(&mug, 1)]).await;
    pay(&app, &order).await;
    let paid = app
        .admin()
        .data(GUEST_CUSTOMER, json!({ "id": order }))
        .await;
    assert_eq!(paid["customer"], Value::Null, "{paid}");
    assert_eq!(tickets_about(&app, &order).await, 0);
}

/// Two guest orders with one email no customer has yet, paid by bank
/// transfer at the same moment: both payments succeed and both orders end
/// with the one customer that email now stands for.
#[tokio::test]
async fn two_guests_with_one_new_email_paid_at_once_become_one_customer() {
    let app = TestApp::spawn().await;
    let setup = service(&app, "SETUP-5", "Network setup", "30.00").await;
    let guest = json!({ "name": "Pat Twice", "email": "pat.twice@example.com.au" });
    let mut transfers = Vec::new();
    for _ in 0..2 {
        let order = place_for_guest(&app, guest.clone(), &[(&setup, 1)]).await;
        tests::shop::reserve(&app, &order).await;
        let transfer = app
            .as_role(Role::Finance)
            .accepted(
                CAPTURE,
                json!({ "input": { "orderId": order, "method": "BANK_TRANSFER" } }),
            )
            .await;
        transfers.push((order, transfer["payment"].clone()));
    }
    let finance = app.as_role(Role::Finance);
    let remit = |payment: &Value| {
        finance.run(
            REMIT,
            json!({ "input": { "paymentId": payment["id"], "amount": payment["amount"]["amount"], "reference": "CBA 77" } }),
        )
    };
    let (first, second) = tokio::join!(remit(&transfers[0].1), remit(&transfers[1].1));
    for paid in [first, second] {
        assert_eq!(
            paid["data"]["recordRemittance"]["payment"]["status"], "SUCCEEDED",
            "{paid}"
        );
    }
    let mut customers = Vec::new();
    for (order, _) in &transfers {
        let paid = app
            .admin()
            .data(GUEST_CUSTOMER, json!({ "id": order }))
            .await;
        customers.push(paid["customer"]["id"].clone());
    }
    assert!(customers[0].is_string(), "{customers:?}");
    assert_eq!(customers[0], customers[1]);
}
