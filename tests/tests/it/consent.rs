//! Spam Act consent and the closeout survey through the real server: giving
//! and withdrawing consent over GraphQL (with its audit trail and the
//! ownership rule), the unsubscribe page a commercial email links to (the
//! button and RFC 8058 one-click), and the satisfaction survey page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::platform::links::LinkPurpose;
use entity::{ConsentStatus, survey_response};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::kit::Caller;
use tests::shop::{op, place, product, warehouse};
use tests::{TestApp, input_error, nodes, user_errors};

const GIVE: &str = "mutation($input: GiveConsentInput!) { giveConsent(input: $input) {
    consent { id customerId purpose status givenAt givenHow givenBy withdrawnAt withdrawnHow version }
    userErrors { field code message } } }";
const WITHDRAW: &str = "mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) {
    consent { id customerId purpose status givenAt givenHow givenBy withdrawnAt withdrawnHow version }
    userErrors { field code message } } }";
const CONSENTS: &str = "query($id: ID!) { consents(customerId: $id, first: 10) {
    edges { node { id purpose status withdrawnHow } } } }";

async fn give(caller: &Caller<'_>, customer: &str, purpose: &str, how: &str) -> Value {
    caller
        .data(
            op("giveConsent", GIVE),
            json!({ "input": { "customerId": customer, "purpose": purpose, "how": how } }),
        )
        .await
}

async fn withdraw(caller: &Caller<'_>, customer: &str, purpose: &str, how: &str) -> Value {
    caller
        .data(
            op("withdrawConsent", WITHDRAW),
            json!({ "input": { "customerId": customer, "purpose": purpose, "how": how } }),
        )
        .await
}

/// A customer's consents as staff see them.
async fn consents(app: &TestApp, customer: &str) -> Vec<Value> {
    nodes(
        &app.admin()
            .data(op("consents", CONSENTS), json!({ "id": customer }))
            .await,
    )
}

async fn customer(app: &TestApp, name: &str, email: &str) -> String {
    app.customer_named(name, email).await
}

/// The path of a signed link the app makes (links carry PUBLIC_BASE_URL).
fn link_path(app: &TestApp, purpose: LinkPurpose, subject: &str) -> String {
    let url = api::links::url(&app.app.state, purpose, subject.parse().unwrap());
    url.strip_prefix(app.app.state.config.public_base_url.trim_end_matches('/'))
        .expect("links start with PUBLIC_BASE_URL")
        .to_owned()
}

/// The same link with one byte of its token changed.
fn tampered(path: &str) -> String {
    let (base, token) = path.rsplit_once('/').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
    bytes[3] ^= 0x01;
    format!("{base}/{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// POST a form body to a path of the app.
async fn post_form(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("request sent")
}

async fn consent_row(app: &TestApp, id: &str) -> entity::consent::Model {
    entity::consent::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(app.db())
        .await
        .unwrap()
        .expect("the consent row")
}

#[tokio::test]
async fn staff_and_the_customer_give_and_withdraw_consent_and_every_change_is_audited() {
    let app = TestApp::spawn().await;
    let ann = customer(&app, "Ann Lee", "ann@example.com.au").await;

    // Staff record it for the customer.
    let given = give(&app.admin(), &ann, "OFFERS", " checkout checkbox ").await;
    assert_eq!(user_errors(&given), vec![], "{given}");
    let consent = &given["consent"];
    let id = consent["id"].as_str().unwrap().to_owned();
    assert_eq!(consent["customerId"], ann.as_str());
    assert_eq!(consent["status"], "GIVEN");
    assert_eq!(consent["givenHow"], "checkout checkbox");
    assert_eq!(consent["givenBy"], "test-admin");
    assert_eq!(consent["withdrawnAt"], Value::Null);

    // Giving what stands changes nothing.
    let again = give(&app.admin(), &ann, "OFFERS", "phone call").await;
    assert_eq!(again["consent"]["version"], consent["version"]);
    assert_eq!(again["consent"]["givenHow"], "checkout checkbox");

    // The customer withdraws it, at once.
    let as_ann = app.as_customer(&ann);
    let withdrawn = withdraw(&as_ann, &ann, "OFFERS", "account settings").await;
    assert_eq!(user_errors(&withdrawn), vec![], "{withdrawn}");
    assert_eq!(withdrawn["consent"]["status"], "WITHDRAWN");
    assert_eq!(withdrawn["consent"]["withdrawnHow"], "account settings");
    assert!(withdrawn["consent"]["withdrawnAt"].is_string());
    // Withdrawing twice is fine.
    let twice = withdraw(&as_ann, &ann, "OFFERS", "account settings").await;
    assert_eq!(user_errors(&twice), vec![]);
    assert_eq!(twice["consent"]["version"], withdrawn["consent"]["version"]);

    // The customer gives it again: the withdrawal is cleared.
    let regiven = give(&as_ann, &ann, "OFFERS", "account settings").await;
    assert_eq!(user_errors(&regiven), vec![], "{regiven}");
    assert_eq!(regiven["consent"]["id"], id.as_str());
    assert_eq!(regiven["consent"]["status"], "GIVEN");
    assert_eq!(regiven["consent"]["givenBy"], "test-customer");
    assert_eq!(regiven["consent"]["withdrawnAt"], Value::Null);
    assert_eq!(regiven["consent"]["withdrawnHow"], Value::Null);

    // A customer may consent to another purpose for itself.
    let reviews = give(&as_ann, &ann, "REVIEW_REQUESTS", "account settings").await;
    assert_eq!(user_errors(&reviews), vec![], "{reviews}");
    let mine: Vec<_> = consents(&app, &ann)
        .await
        .iter()
        .map(|c| (c["purpose"].clone(), c["status"].clone()))
        .collect();
    assert_eq!(
        mine,
        [
            (json!("OFFERS"), json!("GIVEN")),
            (json!("REVIEW_REQUESTS"), json!("GIVEN"))
        ]
    );

    // Every change, and only the changes, in the audit trail.
    let entries = app.audit_entries(&id).await;
    let trail: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e.subject_type.as_str(),
                e.action.as_str(),
                e.actor_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        trail,
        [
            ("consent", "consent.given", "test-admin"),
            ("consent", "consent.withdrawn", "test-customer"),
            ("consent", "consent.given", "test-customer"),
        ]
    );
    assert!(entries[1].before.as_deref().unwrap().contains("GIVEN"));
    assert!(entries[1].after.as_deref().unwrap().contains("WITHDRAWN"));
}

#[tokio::test]
async fn unknown_customers_bad_input_and_other_customers_are_refused() {
    let app = TestApp::spawn().await;
    let ann = customer(&app, "Ann Lee", "ann@example.com.au").await;
    let bob = customer(&app, "Bob Tran", "bob@example.com.au").await;
    give(&app.admin(), &ann, "OFFERS", "checkout checkbox").await;

    let nobody = uuid::Uuid::now_v7().to_string();
    let unknown = give(&app.admin(), &nobody, "OFFERS", "phone call").await;
    assert_eq!(unknown["consent"], Value::Null);
    assert_eq!(
        user_errors(&unknown),
        vec![input_error("customerId", "NOT_FOUND")]
    );
    let not_an_id = give(&app.admin(), "nope", "OFFERS", "phone call").await;
    assert_eq!(
        user_errors(&not_an_id),
        vec![input_error("customerId", "INVALID_ID")]
    );
    let blank = give(&app.admin(), &ann, "REVIEW_REQUESTS", "  ").await;
    assert_eq!(user_errors(&blank), vec![input_error("how", "REQUIRED")]);
    let never = withdraw(&app.admin(), &bob, "OFFERS", "phone call").await;
    assert_eq!(
        user_errors(&never),
        vec![input_error("purpose", "NOT_FOUND")]
    );

    // Bob can neither withdraw nor give Ann's consent: her record looks missing.
    let as_bob = app.as_customer(&bob);
    let theirs = withdraw(&as_bob, &ann, "OFFERS", "account settings").await;
    assert_eq!(
        user_errors(&theirs),
        vec![input_error("customerId", "NOT_FOUND")]
    );
    let theirs = give(&as_bob, &ann, "REVIEW_REQUESTS", "account settings").await;
    assert_eq!(
        user_errors(&theirs),
        vec![input_error("customerId", "NOT_FOUND")]
    );
    let listed = as_bob
        .data(op("consents", CONSENTS), json!({ "id": ann }))
        .await;
    assert_eq!(nodes(&listed), Vec::<Value>::new());
    let ann_consents = consents(&app, &ann).await;
    assert_eq!(ann_consents.len(), 1);
    assert_eq!(ann_consents[0]["status"], "GIVEN");

    // Nobody signed in may do anything; the send log is for staff.
    let anonymous = app
        .anonymous()
        .run(
            op("giveConsent", GIVE),
            json!({ "input": { "customerId": ann, "purpose": "OFFERS", "how": "x" } }),
        )
        .await;
    assert_eq!(
        tests::kit::error_code(&anonymous).as_deref(),
        Some("UNAUTHENTICATED")
    );
    let sends = "{ commercialSends(first: 5) { edges { node { id outcome } } } }";
    let refused = as_bob.post(sends, json!({})).await;
    assert_eq!(
        tests::kit::error_code(&refused).as_deref(),
        Some("FORBIDDEN")
    );
    let staff = app.admin().post(sends, json!({})).await;
    assert_eq!(
        staff["data"]["commercialSends"]["edges"],
        json!([]),
        "{staff}"
    );
}

#[tokio::test]
async fn the_unsubscribe_page_withdraws_consent_at_once_by_button_or_one_click() {
    let app = TestApp::spawn().await;
    let ann = customer(&app, "Ann Lee", "ann@example.com.au").await;
    let offers = give(&app.admin(), &ann, "OFFERS", "checkout checkbox").await;
    let offers = offers["consent"]["id"].as_str().unwrap().to_owned();
    let reviews = give(&app.admin(), &ann, "REVIEW_REQUESTS", "checkout checkbox").await;
    let reviews = reviews["consent"]["id"].as_str().unwrap().to_owned();

    // GET says who and what, and changes nothing.
    let path = link_path(&app, LinkPurpose::Unsubscribe, &offers);
    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("You will no longer receive offers and discounts from"));
    assert!(html.contains("ann@example.com.au"));
    assert!(html.contains(r#"method="post""#));
    assert_eq!(
        consent_row(&app, &offers).await.status,
        ConsentStatus::Given
    );

    // A tampered link changes nothing, by GET or POST.
    let bad = tampered(&path);
    assert_eq!(app.get(&bad).await.status(), 404);
    assert_eq!(post_form(&app, &bad, "").await.status(), 404);
    assert_eq!(
        consent_row(&app, &offers).await.status,
        ConsentStatus::Given
    );

    // The page's button: withdrawn at once, confirmed.
    let done = post_form(&app, &path, "").await;
    assert_eq!(done.status(), 200);
    let html = done.text().await.unwrap();
    assert!(html.contains("You are unsubscribed"), "{html}");
    let row = consent_row(&app, &offers).await;
    assert_eq!(row.status, ConsentStatus::Withdrawn);
    assert_eq!(row.withdrawn_at, Some(app.clock.now_utc()));
    assert_eq!(
        row.withdrawn_how.as_deref(),
        Some("unsubscribe link in email")
    );
    // Twice is fine; the page then says so.
    assert_eq!(post_form(&app, &path, "").await.status(), 200);
    let html = app.get(&path).await.text().await.unwrap();
    assert!(html.contains("already unsubscribed"), "{html}");
    let actions: Vec<_> = app
        .audit_entries(&offers)
        .await
        .into_iter()
        .map(|e| (e.action, e.actor_id, e.actor_role))
        .collect();
    assert_eq!(
        actions,
        [
            ("consent.given".into(), "test-admin".into(), "ADMIN".into()),
            (
                "consent.withdrawn".into(),
                "unsubscribe-link".into(),
                "CUSTOMER".into()
            ),
        ]
    );

    // RFC 8058 one-click, months later (the link lasts a year).
    app.clock.advance(chrono::Duration::days(200));
    let one_click = link_path(&app, LinkPurpose::Unsubscribe, &reviews);
    app.clock.advance(chrono::Duration::days(150));
    let response = post_form(&app, &one_click, "List-Unsubscribe=One-Click").await;
    assert_eq!(response.status(), 200);
    let row = consent_row(&app, &reviews).await;
    assert_eq!(row.status, ConsentStatus::Withdrawn);
    assert_eq!(
        row.withdrawn_how.as_deref(),
        Some("one-click unsubscribe (email header)")
    );

    // A link for another purpose, or for a consent that does not exist,
    // withdraws nothing.
    let survey_token = link_path(&app, LinkPurpose::Survey, &offers);
    let token = survey_token.rsplit('/').next().unwrap();
    let crossed = post_form(&app, &format!("/links/unsubscribe/{token}"), "").await;
    assert_eq!(crossed.status(), 404);
    let nobody = link_path(
        &app,
        LinkPurpose::Unsubscribe,
        &uuid::Uuid::now_v7().to_string(),
    );
    assert_eq!(post_form(&app, &nobody, "").await.status(), 404);
    // An expired link is gone.
    app.clock.advance(chrono::Duration::days(366));
    assert_eq!(app.get(&one_click).await.status(), 410);
}

#[tokio::test]
async fn the_survey_page_takes_one_answer_per_order_and_refuses_a_bad_rating() {
    let app = TestApp::spawn().await;
    let ann = customer(&app, "Ann Lee", "ann@example.com.au").await;
    let location = warehouse(&app).await;
    let chair = product(&app, &location, "CHAIR-01", "129.95", "TAXABLE", true).await;
    let order = place(&app, &ann, &[(&chair, 1)], None).await;
    let number = app
        .admin()
        .data(
            op("order", "query($id: ID!) { order(id: $id) { number } }"),
            json!({ "id": order }),
        )
        .await["number"]
        .as_str()
        .unwrap()
        .to_owned();

    let path = link_path(&app, LinkPurpose::Survey, &order);
    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&number), "{html}");
    for value in 1..=5 {
        assert!(html.contains(&format!(r#"name="rating" value="{value}""#)));
    }

    // A bad rating: the form again, with the comment kept and nothing stored.
    for body in [
        "rating=9&comment=Quick+delivery",
        "comment=Quick+delivery",
        "rating=x",
    ] {
        let refused = post_form(&app, &path, body).await;
        assert_eq!(refused.status(), 422, "{body}");
        let html = refused.text().await.unwrap();
        assert!(
            html.contains("Please choose a rating from 1 to 5."),
            "{html}"
        );
        if body.contains("comment") {
            assert!(html.contains("Quick delivery"));
        }
    }
    let too_long = format!("rating=4&comment={}", "a".repeat(2001));
    assert_eq!(post_form(&app, &path, &too_long).await.status(), 422);
    assert_eq!(app.count(survey_response::Entity).await, 0);

    // A tampered link stores nothing.
    assert_eq!(app.get(&tampered(&path)).await.status(), 404);
    let bad = post_form(&app, &tampered(&path), "rating=5").await;
    assert_eq!(bad.status(), 404);
    assert_eq!(app.count(survey_response::Entity).await, 0);

    // The answer is stored once; a second is refused politely.
    let answered = post_form(&app, &path, "rating=4&comment=Quick+delivery%2C+thanks%21").await;
    assert_eq!(answered.status(), 200);
    assert!(answered.text().await.unwrap().contains("Thank you"));
    let second = post_form(&app, &path, "rating=1&comment=changed+my+mind").await;
    assert_eq!(second.status(), 200);
    assert!(
        second
            .text()
            .await
            .unwrap()
            .contains("already answered, thank you")
    );
    let stored = survey_response::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].order_id.to_string(), order);
    assert_eq!(stored[0].rating, 4);
    assert_eq!(
        stored[0].comment.as_deref(),
        Some("Quick delivery, thanks!")
    );
    assert_eq!(stored[0].answered_at, app.clock.now_utc());
    let html = app.get(&path).await.text().await.unwrap();
    assert!(html.contains("already answered"));
    assert!(!html.contains("<form"));
    // The answer joins the order's timeline.
    assert!(
        app.audit_actions(&order)
            .await
            .contains(&"order.survey_answered".to_owned())
    );
}
