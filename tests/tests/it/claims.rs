//! Consumer-guarantee claims end to end: every MAJOR/MINOR × remedy
//! combination for goods and services allowed or refused with
//! REMEDY_NOT_ALLOWED; a minor failure left past its reasonable time hands
//! the choice to the customer; a refund remedy gets its adjustment note once
//! its approval is granted and the provider pays; a replacement runs through
//! the order flow; an open claim keeps its order from closing and a claim is
//! accepted on a closed order; a customer sees only its own claims.

use chrono::Duration as Days;
use serde_json::{Value, json};
use tests::fulfil::{
    PATIENCE, instant, line_ids, order_delivered, order_of, pay, ship, ship_delivered,
    with_fake_courier,
};
use tests::shop::{op, place, reserve, warehouse};
use tests::{Op, Role, TestApp, input_error, nodes, user_errors, wait_for, wait_for_value};

macro_rules! claim_fields {
    () => {
        "id number status supply chooser severity supplierFailedToRemedy remedyDueAt allowedRemedies remedy remedyAmount { amount } refundId approvalId adjustmentNoteId replacementOrderId adjustmentNote { number total { amount } reason } customerId orderId steps { id step statusAfter note }"
    };
}

tests::record_mutation!(LODGE = "lodgeClaim"("LodgeClaimInput") "claim" { claim_fields!() });
tests::record_mutation!(ASSESS = "assessClaim"("AssessClaimInput") "claim" { claim_fields!() });
tests::record_mutation!(CHOOSE = "chooseClaimRemedy"("ChooseClaimRemedyInput") "claim" { claim_fields!() });
tests::record_mutation!(COMPLETE = "completeClaimRemedy"("CompleteClaimRemedyInput") "claim" { claim_fields!() });
tests::record_mutation!(WITHDRAW = "withdrawClaim"("WithdrawClaimInput") "claim" { claim_fields!() });
const CLAIM: Op = Op {
    field: "claim",
    document: concat!(
        "query($id: ID!) { claim(id: $id) { ",
        claim_fields!(),
        " } }"
    ),
};
tests::op_const!(SUBSCRIBE = "createWebhookSubscription": "mutation($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { webhookSubscription { id secret } userErrors { field code message } } }");
tests::op_const!(CLAIMS = "claims": "query($filter: ClaimFilter) { claims(filter: $filter, first: 100) { edges { node { id number } } } }");

const REMEDIES: [&str; 8] = [
    "REFUND",
    "REPLACEMENT",
    "REPAIR",
    "KEEP_WITH_COMPENSATION",
    "RESUPPLY_SERVICE",
    "CANCEL_WITH_REFUND",
    "COMPENSATION_FOR_REDUCED_VALUE",
    "REMEDY_ELSEWHERE_AT_SUPPLIER_COST",
];

/// A SERVICE product (no stock); its id.
async fn service(app: &TestApp, sku: &str, price: &str) -> String {
    tests::shop::service(app, sku, &format!("Service {sku}"), price).await
}

/// A customer with an order of `lines`, paid by card and its goods
/// (the first line) shipped with courier `courier`: (customer, order, line ids).
async fn shipped_order(
    app: &TestApp,
    location: &str,
    email: &str,
    lines: &[(&str, i32)],
    courier: &str,
) -> (String, String, Vec<String>) {
    let customer = app.customer_named("Claire & <Co>", email).await;
    let order = place(app, &customer, lines, None).await;
    pay(app, &order).await;
    let ids = line_ids(app, &order).await;
    ship(app, &order, location, &[(&ids[0], lines[0].1)], courier).await;
    wait_for("the goods shipped", PATIENCE, async || {
        order_of(app, &order).await["status"] == "SHIPPED"
    })
    .await;
    (customer, order, ids)
}

async fn lodge(app: &TestApp, input: Value) -> Value {
    let lodged = app.admin().accepted(LODGE, json!({ "input": input })).await;
    assert_eq!(lodged["claim"]["status"], "LODGED");
    lodged["claim"].clone()
}

/// Lodge a claim on `line` with `guarantee` and assess it `severity`.
async fn assessed(app: &TestApp, line: &str, guarantee: &str, severity: &str) -> Value {
    let claim = lodge(
        app,
        json!({ "orderLineId": line, "guarantee": guarantee, "facts": "It failed within a week" }),
    )
    .await;
    let reasons: Vec<&str> = if severity == "MAJOR" {
        vec!["UNSAFE"]
    } else {
        vec![]
    };
    let done = app
        .as_role(Role::Compliance)
        .accepted(
            ASSESS,
            json!({ "input": { "claimId": claim["id"], "failed": true, "majorReasons": reasons, "reason": "Confirmed by our technician" } }),
        )
        .await;
    assert_eq!(done["claim"]["status"], "AWAITING_REMEDY");
    assert_eq!(done["claim"]["severity"], severity);
    done["claim"].clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

async fn claim_of(app: &TestApp, id: &Value) -> Value {
    app.admin().data(CLAIM, json!({ "id": id })).await
}

#[tokio::test]
async fn every_major_and_minor_remedy_for_goods_and_services_is_allowed_or_refused_by_law() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let kettle = tests::shop::product(&app, &location, "CLM-KET", "5.00", "TAXABLE", true).await;
    let install = service(&app, "CLM-INS", "10.00").await;
    let (customer, _, lines) = shipped_order(
        &app,
        &location,
        "claire@example.com",
        // Twelve kettles: the goods claims below hold at most eight of them
        // (open, or remedied by money back) however fast the worker is.
        &[(&kettle, 12), (&install, 4)],
        "A",
    )
    .await;
    let (goods, services) = (&lines[0], &lines[1]);
    let as_customer = app.as_customer(&customer);
    let staff = app.as_role(Role::Fulfilment);

    // (line, guarantee, severity, chooser, allowed remedies)
    let cases: [(&str, &str, &str, &str, &[&str]); 4] = [
        (
            goods,
            "ACCEPTABLE_QUALITY",
            "MAJOR",
            "CUSTOMER",
            &["REFUND", "REPLACEMENT", "KEEP_WITH_COMPENSATION"],
        ),
        (
            goods,
            "ACCEPTABLE_QUALITY",
            "MINOR",
            "SUPPLIER",
            &["REPAIR", "REPLACEMENT", "REFUND"],
        ),
        (
            services,
            "DUE_CARE_AND_SKILL",
            "MAJOR",
            "CUSTOMER",
            &["CANCEL_WITH_REFUND", "COMPENSATION_FOR_REDUCED_VALUE"],
        ),
        (
            services,
            "DUE_CARE_AND_SKILL",
            "MINOR",
            "SUPPLIER",
            &["RESUPPLY_SERVICE"],
        ),
    ];
    let mut checked = 0;
    for (line, guarantee, severity, chooser, allowed) in cases {
        let chooser_caller = if chooser == "CUSTOMER" {
            &as_customer
        } else {
            &staff
        };
        let case = format!("{guarantee} {severity}");
        // One claim takes every refused remedy: a refusal changes nothing.
        let claim = assessed(&app, line, guarantee, severity).await;
        assert_eq!(claim["chooser"], chooser, "{case}");
        let mut offered = strings(&claim["allowedRemedies"]);
        offered.sort();
        let mut expected: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(offered, expected, "{case}");
        for remedy in REMEDIES.iter().filter(|r| !allowed.contains(r)) {
            let refused = chooser_caller
                .data(
                    CHOOSE,
                    json!({ "input": { "claimId": claim["id"], "remedy": remedy, "amount": "1.00" } }),
                )
                .await;
            assert_eq!(
                user_errors(&refused),
                [input_error("remedy", "REMEDY_NOT_ALLOWED")],
                "{case} {remedy}"
            );
            checked += 1;
        }
        assert_eq!(
            claim_of(&app, &claim["id"]).await["status"],
            "AWAITING_REMEDY"
        );
        // Each allowed remedy is accepted on a claim of its own.
        for remedy in allowed {
            let claim = assessed(&app, line, guarantee, severity).await;
            let chosen = chooser_caller
                .data(
                    CHOOSE,
                    json!({ "input": { "claimId": claim["id"], "remedy": remedy, "amount": "1.00", "note": "As agreed" } }),
                )
                .await;
            assert!(user_errors(&chosen).is_empty(), "{case} {remedy}: {chosen}");
            let c = &chosen["claim"];
            assert_eq!(c["remedy"], *remedy, "{case}");
            assert!(
                c["status"] == "REMEDY_IN_PROGRESS" || c["status"] == "REMEDIED",
                "{case} {remedy}: {c}"
            );
            match *remedy {
                // The claimed unit's price, incl. GST.
                "REFUND" => {
                    assert_eq!(c["remedyAmount"]["amount"], "5.00", "{case}");
                    assert!(
                        !c["refundId"].is_null() || !c["approvalId"].is_null(),
                        "{c}"
                    );
                }
                "REPLACEMENT" => assert!(!c["replacementOrderId"].is_null(), "{c}"),
                "REPAIR" | "RESUPPLY_SERVICE" => {
                    assert_eq!(c["status"], "REMEDY_IN_PROGRESS");
                    let done = staff
                        .accepted(
                            COMPLETE,
                            json!({ "input": { "claimId": c["id"], "note": "Fixed on site" } }),
                        )
                        .await;
                    assert_eq!(done["claim"]["status"], "REMEDIED");
                }
                _ => {
                    assert_eq!(c["remedyAmount"]["amount"], "1.00", "{case} {remedy}");
                    assert!(
                        !c["refundId"].is_null() || !c["approvalId"].is_null(),
                        "{c}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 32, "8 remedies × MAJOR/MINOR × GOODS/SERVICES");

    // Money remedies need an amount within what is refundable.
    let claim = assessed(&app, goods, "ACCEPTABLE_QUALITY", "MAJOR").await;
    for (amount, code) in [
        (None, "REQUIRED"),
        (Some("0"), "OUT_OF_RANGE"),
        (Some("9999.00"), "OUT_OF_RANGE"),
    ] {
        let refused = as_customer
            .data(CHOOSE, json!({ "input": { "claimId": claim["id"], "remedy": "KEEP_WITH_COMPENSATION", "amount": amount } }))
            .await;
        assert_eq!(
            user_errors(&refused),
            [input_error("amount", code)],
            "{amount:?}"
        );
    }
    // A guarantee of the other supply is refused, and so are too many units.
    app.admin()
        .refused(
            LODGE,
            json!({ "input": { "orderLineId": goods, "guarantee": "DUE_CARE_AND_SKILL", "facts": "x" } }),
            "guarantee",
            "OUT_OF_RANGE",
        )
        .await;
    app.admin()
        .refused(
            LODGE,
            json!({ "input": { "orderLineId": goods, "guarantee": "TITLE", "quantity": 13, "facts": "x" } }),
            "quantity",
            "OUT_OF_RANGE",
        )
        .await;
}

#[tokio::test]
async fn a_minor_failure_left_past_its_reasonable_time_lets_the_customer_reject() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let kettle = tests::shop::product(&app, &location, "CLM-MIN", "30.00", "TAXABLE", true).await;
    let (customer, order, lines) =
        shipped_order(&app, &location, "minor@example.com", &[(&kettle, 2)], "A").await;
    let as_customer = app.as_customer(&customer);

    // The customer lodges it on its own order.
    let lodged = as_customer
        .accepted(LODGE, json!({ "input": { "orderLineId": lines[0], "guarantee": "ACCEPTABLE_QUALITY", "facts": "The lid <won't> close" } }))
        .await;
    let id = lodged["claim"]["id"].clone();
    assert_eq!(lodged["claim"]["customerId"], customer.as_str());
    let claim = app
        .as_role(Role::Compliance)
        .data(
            ASSESS,
            json!({ "input": { "claimId": id, "failed": true, "reason": "A loose hinge" } }),
        )
        .await["claim"]
        .clone();
    assert_eq!(claim["severity"], "MINOR");
    assert_eq!(claim["chooser"], "SUPPLIER");
    let due = instant(&claim["remedyDueAt"]);
    assert!(
        due > app.clock.now_utc() + Days::days(10),
        "ten business days: {due}"
    );

    // Within the reasonable time the business chooses.
    as_customer
        .refused(
            CHOOSE,
            json!({ "input": { "claimId": id, "remedy": "REFUND" } }),
            "remedy",
            "NOT_REMEDY_CHOOSER",
        )
        .await;

    // Another customer neither sees it nor lodges on this order.
    let other = app.customer_named("Other", "other@example.com").await;
    let stranger = app.as_customer(&other);
    let hidden = stranger.run(CLAIM, json!({ "id": id })).await;
    assert!(hidden["data"]["claim"].is_null(), "{hidden}");
    assert!(nodes(&stranger.data(CLAIMS, json!({})).await).is_empty());
    stranger
        .refused(
            CHOOSE,
            json!({ "input": { "claimId": id, "remedy": "REFUND" } }),
            "claimId",
            "NOT_FOUND",
        )
        .await;
    stranger
        .refused(
            LODGE,
            json!({ "input": { "orderLineId": lines[0], "guarantee": "TITLE", "facts": "x" } }),
            "orderLineId",
            "NOT_FOUND",
        )
        .await;
    let own = nodes(
        &as_customer
            .data(CLAIMS, json!({ "filter": { "orderId": order } }))
            .await,
    );
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["id"], id);

    // The reasonable time passes without a remedy: the choice is the customer's.
    app.clock.set(due + Days::minutes(1));
    let passed = wait_for_value("the reasonable time to pass", PATIENCE, async || {
        let c = claim_of(&app, &id).await;
        (c["chooser"] == "CUSTOMER").then_some(c)
    })
    .await;
    assert_eq!(passed["supplierFailedToRemedy"], true);
    assert_eq!(passed["status"], "AWAITING_REMEDY");
    let mut offered = strings(&passed["allowedRemedies"]);
    offered.sort();
    assert_eq!(
        offered,
        ["REFUND", "REMEDY_ELSEWHERE_AT_SUPPLIER_COST", "REPLACEMENT"]
    );
    let step = passed["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "claim.reasonable_time_passed")
        .expect("the step")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent =
        tests::fulfil::wait_for_sent(&app, entity::NotificationKind::ClaimUpdate, &step).await;
    assert_eq!(sent.recipient, "minor@example.com");

    // The customer rejects the goods: a refund of the claimed unit.
    let chosen = as_customer
        .accepted(
            CHOOSE,
            json!({ "input": { "claimId": id, "remedy": "REFUND" } }),
        )
        .await;
    assert_eq!(chosen["claim"]["remedy"], "REFUND");
    assert_eq!(chosen["claim"]["remedyAmount"]["amount"], "30.00");
    wait_for("the refund to remedy the claim", PATIENCE, async || {
        claim_of(&app, &id).await["status"] == "REMEDIED"
    })
    .await;
    let done = claim_of(&app, &id).await;
    assert_eq!(
        done["adjustmentNote"]["total"]["amount"], "-30.00",
        "{done}"
    );
    // Each step was recorded, the customer told of each.
    let steps = tests::strings(&done["steps"], "step");
    assert_eq!(
        steps,
        [
            "claim.lodged",
            "claim.assessed",
            "claim.reasonable_time_passed",
            "claim.remedy_chosen",
            "claim.remedied"
        ]
    );
}

tests::op_const!(REFUND_OF = "refund": "query($id: ID!) { refund(id: $id) { status approval { id status } adjustmentNote { id } } }");

#[tokio::test]
async fn a_refund_remedy_issues_its_adjustment_note_only_after_its_approval() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let chair = tests::shop::product(&app, &location, "CLM-CHR", "60.00", "TAXABLE", true).await;
    let (customer, _, lines) =
        shipped_order(&app, &location, "refund@example.com", &[(&chair, 2)], "A").await;
    let as_customer = app.as_customer(&customer);
    let claim = lodge(
        &app,
        json!({ "orderLineId": lines[0], "guarantee": "MATCHES_DESCRIPTION", "quantity": 2, "facts": "Both chairs are the wrong colour" }),
    )
    .await;
    let id = claim["id"].clone();
    let assessed = app
        .as_role(Role::Compliance)
        .data(ASSESS, json!({ "input": { "claimId": id, "failed": true, "majorReasons": ["SIGNIFICANTLY_DIFFERENT_FROM_DESCRIPTION"], "reason": "Not the colour described" } }))
        .await;
    assert_eq!(assessed["claim"]["chooser"], "CUSTOMER");
    // A major failure: the customer chooses.
    let chosen = as_customer
        .accepted(
            CHOOSE,
            json!({ "input": { "claimId": id, "remedy": "REFUND" } }),
        )
        .await;
    let c = &chosen["claim"];
    assert_eq!(c["status"], "REMEDY_IN_PROGRESS");
    assert_eq!(c["remedyAmount"]["amount"], "120.00");
    assert!(c["adjustmentNote"].is_null());
    let refund = c["refundId"].as_str().expect("a card refund").to_owned();

    // $120 needs FINANCE: nothing paid back, and no note, until approved.
    let pending = app.admin().data(REFUND_OF, json!({ "id": refund })).await;
    assert_eq!(pending["status"], "AWAITING_APPROVAL");
    assert!(pending["adjustmentNote"].is_null());
    app.approve("finance-2", Role::Finance, &pending["approval"]["id"])
        .await;
    let done = wait_for_value("the claim remedied", PATIENCE, async || {
        let c = claim_of(&app, &id).await;
        (c["status"] == "REMEDIED").then_some(c)
    })
    .await;
    assert_eq!(
        done["adjustmentNote"]["total"]["amount"], "-120.00",
        "{done}"
    );
    let paid = app.admin().data(REFUND_OF, json!({ "id": refund })).await;
    assert_eq!(paid["status"], "SUCCEEDED");
    assert_eq!(done["adjustmentNoteId"], paid["adjustmentNote"]["id"]);
}

#[tokio::test]
async fn a_refused_refund_sends_the_claim_back_to_choosing_and_a_new_refund_works() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let desk = tests::shop::product(&app, &location, "CLM-DSK", "110.00", "TAXABLE", true).await;
    let (customer, _, lines) =
        shipped_order(&app, &location, "again@example.com", &[(&desk, 1)], "A").await;
    let claim = assessed(&app, &lines[0], "ACCEPTABLE_QUALITY", "MAJOR").await;
    let id = claim["id"].clone();
    let as_customer = app.as_customer(&customer);
    let first = as_customer
        .data(
            CHOOSE,
            json!({ "input": { "claimId": id, "remedy": "REFUND" } }),
        )
        .await;
    let refund = first["claim"]["refundId"].as_str().unwrap().to_owned();
    let pending = app.admin().data(REFUND_OF, json!({ "id": refund })).await;
    let rejected = app
        .decide_approval(
            "finance-2",
            Role::Finance,
            &pending["approval"]["id"],
            "REJECT",
            Some("not this time"),
        )
        .await;
    assert_eq!(rejected["approval"]["status"], "REJECTED", "{rejected}");
    let back = claim_of(&app, &id).await;
    assert_eq!(back["status"], "AWAITING_REMEDY");
    assert!(
        back["remedy"].is_null() && back["refundId"].is_null(),
        "{back}"
    );
    assert!(back["adjustmentNote"].is_null());
    // Never a dead end: a withdrawal is the customer's, but choosing again works.
    let again = as_customer
        .accepted(
            CHOOSE,
            json!({ "input": { "claimId": id, "remedy": "REFUND" } }),
        )
        .await;
    let second = again["claim"]["refundId"].as_str().unwrap().to_owned();
    assert_ne!(second, refund);
    let pending = app.admin().data(REFUND_OF, json!({ "id": second })).await;
    app.approve("finance-2", Role::Finance, &pending["approval"]["id"])
        .await;
    wait_for(
        "the second refund to remedy the claim",
        PATIENCE,
        async || claim_of(&app, &id).await["status"] == "REMEDIED",
    )
    .await;
}

#[tokio::test]
async fn a_replacement_runs_through_the_order_flow_and_an_open_claim_keeps_its_order_from_closing()
{
    let (app, courier, _worker) = with_fake_courier(None).await;
    let location = warehouse(&app).await;
    let lamp = tests::shop::product(&app, &location, "CLM-LMP", "40.00", "TAXABLE", true).await;
    let customer = app.customer_named("Rae", "rae@example.com").await;
    let order = place(&app, &customer, &[(&lamp, 1)], None).await;
    pay(&app, &order).await;
    let lines = line_ids(&app, &order).await;
    ship_delivered(&app, &courier, &location, &order, 1, order_delivered).await;

    // The customer picks a replacement for a major failure.
    let claim = assessed(&app, &lines[0], "ACCEPTABLE_QUALITY", "MAJOR").await;
    let id = claim["id"].clone();
    let chosen = app
        .as_customer(&customer)
        .accepted(
            CHOOSE,
            json!({ "input": { "claimId": id, "remedy": "REPLACEMENT" } }),
        )
        .await;
    let replacement = chosen["claim"]["replacementOrderId"]
        .as_str()
        .unwrap()
        .to_owned();
    let placed = app
        .admin()
        .data(
            op("order", "query($id: ID!) { order(id: $id) { status total { amount } lines { id quantity } } }"),
            json!({ "id": replacement }),
        )
        .await;
    assert_eq!(placed["status"], "PLACED");
    assert_eq!(placed["total"]["amount"], "0.00");

    // The closure run leaves the original open while the claim is.
    let ctx = app.system_ctx();
    app.clock.advance(Days::days(20));
    let today = app
        .clock
        .now_utc()
        .with_timezone(&chrono_tz::Australia::Sydney)
        .date_naive();
    let run = domain::closeout::run_daily(app.db(), &ctx, today)
        .await
        .unwrap();
    let original = uuid::Uuid::parse_str(&order).unwrap();
    assert!(!run.closed.contains(&original));
    assert_eq!(order_of(&app, &order).await["status"], "DELIVERED");

    // Reserved (by its approval), invoiced for $0 and paid at once, packed,
    // shipped and delivered: the claim is remedied.
    reserve(&app, &replacement).await;
    wait_for("the replacement paid at once", PATIENCE, async || {
        order_of(&app, &replacement).await["status"] == "PAID"
    })
    .await;
    ship_delivered(&app, &courier, &location, &replacement, 1, order_delivered).await;
    wait_for("the claim remedied", PATIENCE, async || {
        claim_of(&app, &id).await["status"] == "REMEDIED"
    })
    .await;

    // With the claim remedied the original closes; a claim is still
    // accepted on the closed order.
    domain::closeout::run_daily(app.db(), &ctx, today)
        .await
        .unwrap();
    wait_for("the original closed", PATIENCE, async || {
        order_of(&app, &order).await["status"] == "CLOSED"
    })
    .await;
    let late = lodge(
        &app,
        json!({ "orderLineId": lines[0], "guarantee": "REPAIRS_AND_SPARE_PARTS", "facts": "No spare bulbs to be had" }),
    )
    .await;
    let withdrawn = app
        .as_customer(&customer)
        .data(
            WITHDRAW,
            json!({ "input": { "claimId": late["id"], "reason": "Found one" } }),
        )
        .await;
    assert_eq!(withdrawn["claim"]["status"], "WITHDRAWN", "{withdrawn}");
}

/// One step email of a claim, as the email test's link check reads it
/// (the .eml bytes): a claim lodged by staff on a shipped order.
pub(crate) async fn claim_email(app: &TestApp) -> Vec<u8> {
    let location = warehouse(app).await;
    let product = tests::shop::product(app, &location, "CLM-LINK", "12.00", "TAXABLE", true).await;
    let (_, _, lines) = shipped_order(
        app,
        &location,
        "claim-links@example.com",
        &[(&product, 1)],
        "A",
    )
    .await;
    let claim = lodge(
        app,
        json!({ "orderLineId": lines[0], "guarantee": "ACCEPTABLE_QUALITY", "facts": "Cracked <lid> & base" }),
    )
    .await;
    let step = claim["steps"][0]["id"].as_str().unwrap().to_owned();
    let sent =
        tests::fulfil::wait_for_sent(app, entity::NotificationKind::ClaimUpdate, &step).await;
    assert_eq!(sent.recipient, "claim-links@example.com");
    app.email_with_id(&sent.message_id)
}

#[tokio::test]
async fn services_of_an_engagement_are_claimed_once_it_has_started_and_resupplied_by_the_business()
{
    let app = TestApp::spawn().await;
    let team = tests::engagements::team(&app).await;
    let (engagement, customer) = tests::engagements::engagement(
        &app,
        "service_delivery",
        &team,
        "bakery@example.com",
        Some("1000.00"),
    )
    .await;
    let id = engagement["id"].as_str().unwrap().to_owned();
    let as_customer = app.as_customer(&customer);
    let input = json!({ "input": { "engagementId": id, "guarantee": "DUE_CARE_AND_SKILL", "facts": "The integration drops orders" } });
    let early = as_customer.data(LODGE, input.clone()).await;
    assert_eq!(
        user_errors(&early),
        [input_error("engagementId", "INVALID_STATE")]
    );
    tests::engagements::start(&app, &id).await;
    as_customer
        .refused(
            LODGE,
            json!({ "input": { "engagementId": id, "guarantee": "TITLE", "facts": "x" } }),
            "guarantee",
            "OUT_OF_RANGE",
        )
        .await;
    let lodged = as_customer.accepted(LODGE, input).await;
    assert_eq!(lodged["claim"]["supply"], "SERVICES");
    let claim = lodged["claim"]["id"].clone();
    let assessed = app
        .person("pm-1", Role::ProjectManager)
        .data(
            ASSESS,
            json!({ "input": { "claimId": claim, "failed": true, "reason": "A mapping error" } }),
        )
        .await;
    assert_eq!(
        assessed["claim"]["allowedRemedies"],
        json!(["RESUPPLY_SERVICE"])
    );
    let chosen = app
        .person("pm-1", Role::ProjectManager)
        .data(CHOOSE, json!({ "input": { "claimId": claim, "remedy": "RESUPPLY_SERVICE", "note": "We fix the mapping" } }))
        .await;
    assert_eq!(chosen["claim"]["status"], "REMEDY_IN_PROGRESS", "{chosen}");
    let done = app
        .person("pm-1", Role::ProjectManager)
        .data(
            COMPLETE,
            json!({ "input": { "claimId": claim, "note": "Mapping fixed and re-run" } }),
        )
        .await;
    assert_eq!(done["claim"]["status"], "REMEDIED", "{done}");
    let mine = nodes(
        &as_customer
            .data(CLAIMS, json!({ "filter": { "engagementId": id } }))
            .await,
    );
    assert_eq!(mine.len(), 1);
}

#[tokio::test]
async fn integrators_hear_a_claim_lodged_and_each_step_after_it_signed() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let receiver = tests::webhooks::Receiver::start(&app.clock).await;
    let subscribed = app
        .admin()
        .accepted(
            SUBSCRIBE,
            json!({ "input": { "url": receiver.url, "eventTypes": ["CLAIM_LODGED", "claim.updated"] } }),
        )
        .await;
    let secret = subscribed["webhookSubscription"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let location = warehouse(&app).await;
    let lamp = tests::shop::product(&app, &location, "CLM-HOOK", "40.00", "TAXABLE", true).await;
    let (customer, order, lines) =
        shipped_order(&app, &location, "hooked@example.com", &[(&lamp, 1)], "A").await;
    let claim = assessed(&app, &lines[0], "ACCEPTABLE_QUALITY", "MINOR").await;

    wait_for("both claim events delivered", PATIENCE, async || {
        receiver
            .received()
            .iter()
            .filter(|r| r.answered == 200)
            .count()
            == 2
    })
    .await;
    let got = receiver.received();
    assert!(got.iter().all(|r| r.verifies_with(&secret)), "{got:?}");
    let bodies: Vec<Value> = got.iter().map(|r| r.json()).collect();
    let of_type = |t: &str| {
        bodies
            .iter()
            .find(|b| b["type"] == t)
            .unwrap_or_else(|| panic!("no {t} in {bodies:?}"))
            .clone()
    };
    // Data is the claim as it stands when the event goes out.
    let lodged = of_type("claim.lodged");
    assert_eq!(lodged["data"]["id"], claim["id"]);
    assert_eq!(lodged["data"]["number"], claim["number"]);
    assert_eq!(lodged["data"]["orderId"], order.as_str());
    assert_eq!(lodged["data"]["customerId"], customer.as_str());
    assert_eq!(lodged["data"]["guarantee"], "ACCEPTABLE_QUALITY");
    let updated = of_type("claim.updated");
    assert_eq!(updated["data"]["id"], claim["id"]);
    assert_eq!(updated["data"]["status"], "AWAITING_REMEDY");
    assert_eq!(updated["data"]["severity"], "MINOR");
    assert_eq!(updated["data"]["lastStep"], "claim.assessed");
}

/// A refund remedy on an order paid by bank transfer is paid outside the
/// hub: its approval issues the note, and on the cash basis the GST summary
/// counts that note on the day it was issued (before, only card refunds'
/// notes were counted, so the business overstated its GST).
#[tokio::test]
async fn a_claim_paid_back_outside_the_hub_counts_in_the_cash_basis_gst_summary() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    app.admin()
        .change_business_settings(json!({ "gstBasis": "CASH" }))
        .await;
    let location = warehouse(&app).await;
    let kettle = tests::shop::product(&app, &location, "CLM-BT", "55.00", "TAXABLE", true).await;
    let customer = app.customer_named("Bo Transfer", "bo@example.com").await;
    let order = place(&app, &customer, &[(&kettle, 1)], None).await;
    reserve(&app, &order).await;
    let finance = app.as_role(Role::Finance);
    let transfer = finance
        .accepted(
            op("capturePayment", "mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { id amount { amount } } userErrors { field code message } } }"),
            json!({ "input": { "orderId": order, "method": "BANK_TRANSFER" } }),
        )
        .await;
    let payment = &transfer["payment"];
    finance
        .accepted(
            op("recordRemittance", "mutation($input: RecordRemittanceInput!) { recordRemittance(input: $input) { payment { status } userErrors { field code message } } }"),
            json!({ "input": { "paymentId": payment["id"], "amount": payment["amount"]["amount"], "reference": "CBA 9" } }),
        )
        .await;
    let lines = line_ids(&app, &order).await;
    ship(&app, &order, &location, &[(&lines[0], 1)], "A").await;

    let claim = assessed(&app, &lines[0], "ACCEPTABLE_QUALITY", "MAJOR").await;
    let chosen = app
        .as_customer(&customer)
        .accepted(
            CHOOSE,
            json!({ "input": { "claimId": claim["id"], "remedy": "REFUND" } }),
        )
        .await;
    // No card to refund: an approval on the claim (under $100: at once).
    assert!(chosen["claim"]["approvalId"].is_string(), "{chosen}");
    assert!(chosen["claim"]["refundId"].is_null(), "{chosen}");
    let remedied = wait_for_value("the claim's note", PATIENCE, async || {
        let c = claim_of(&app, &claim["id"]).await;
        c["adjustmentNote"].is_object().then_some(c)
    })
    .await;
    let note = &remedied["adjustmentNote"];
    let today = app
        .clock
        .now_utc()
        .with_timezone(&chrono_tz::Australia::Sydney)
        .date_naive()
        .to_string();
    let summary = finance
        .data(
            op("gstSummary", "query($from: Date!, $to: Date!) { gstSummary(from: $from, to: $to) { summary { basis adjustmentNotes { edges { node { number } } } } } }"),
            json!({ "from": today, "to": today }),
        )
        .await["summary"]
        .clone();
    assert_eq!(summary["basis"], "CASH");
    let numbers: Vec<Value> = nodes(&summary["adjustmentNotes"])
        .iter()
        .map(|n| n["number"].clone())
        .collect();
    assert_eq!(numbers, [note["number"].clone()], "{summary}");
}
