//! Tax invoices through GraphQL (order flow step 5): issued by the system
//! when stock is reserved, with the GST engine's figures; numbered without
//! gaps under concurrency; never changed; the customer's HTML copy behind a
//! signed link; and the GST summary of a period adding up to its invoices.

use domain::rules::gst::{
    self, GstRounding, InvoiceInput, LineInput, PriceBasis, Seller, Shipping,
};
use domain::rules::money::Money;
use domain::rules::tax_code::TaxCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;
use tests::shop::{op, place, product, reserve, warehouse};
use tests::{
    Role, TestApp, error_code, input_error, input_path_error, nodes, user_errors, wait_for,
};

const PATIENCE: Duration = Duration::from_secs(60);

const INVOICE_FIELDS: &str = "id number title issuedOn issuedBy reference export seller { name abn gstRegistered } buyer { name abn email address } pricesIncludeGst gstRounding totalExGst { amount } gst { amount } total { amount } taxableTotal { amount } gstFreeTotal { amount } exportTotal { amount } inputTaxedTotal { amount } gstStatement lines { lineNo kind sku description quantity unitPrice { amount } taxCode export net { amount } gst { amount } totalExGst { amount } total { amount } }";

/// The order's status and its invoice (null until issued).
async fn order_invoice(app: &TestApp, order: &str) -> (String, Value) {
    let document = format!(
        "query($id: ID!) {{ order(id: $id) {{ status statusReason invoice {{ {INVOICE_FIELDS} }} }} }}"
    );
    let found = app.admin().post(&document, json!({ "id": order })).await;
    let order = &found["data"]["order"];
    (
        order["status"].as_str().unwrap().to_owned(),
        order["invoice"].clone(),
    )
}

fn cents(money: &Value) -> i64 {
    let text = money["amount"].as_str().expect("an amount");
    Money::parse(text).expect("money").cents()
}

async fn customer(app: &TestApp, name: &str, email: &str) -> String {
    app.customer_named(name, email).await
}

/// One worked example of AU-RULES: its lines (price, tax code, inclusive),
/// whether it ships with the 9.95 delivery charge, and the GST and total it
/// must come to under each rounding rule.
struct Example {
    name: &'static str,
    lines: &'static [(&'static str, &'static str, bool)],
    delivery: bool,
    gst: [i64; 2],
    total: [i64; 2],
}

const EXAMPLES: [Example; 5] = [
    Example {
        name: "one exclusive line",
        lines: &[("19.99", "TAXABLE", false)],
        delivery: false,
        gst: [200, 200],
        total: [2199, 2199],
    },
    Example {
        name: "one inclusive line",
        lines: &[("10.95", "TAXABLE", true)],
        delivery: false,
        gst: [100, 100],
        total: [1095, 1095],
    },
    Example {
        name: "groceries",
        lines: &[
            ("4.50", "GST_FREE", true),
            ("3.20", "GST_FREE", true),
            ("5.50", "TAXABLE", true),
            ("3.99", "TAXABLE", true),
        ],
        delivery: false,
        gst: [86, 86],
        total: [1719, 1719],
    },
    Example {
        name: "goods and delivery",
        lines: &[("44.00", "TAXABLE", true)],
        delivery: true,
        gst: [490, 490],
        total: [5395, 5395],
    },
    Example {
        name: "two lines of 10.15 exclusive",
        lines: &[("10.15", "TAXABLE", false), ("10.15", "TAXABLE", false)],
        delivery: false,
        gst: [204, 203],
        total: [2234, 2233],
    },
];

#[tokio::test]
async fn invoice_gst_equals_the_engine_for_every_worked_example_under_both_rounding_rules() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;
    for (r, rounding) in ["PER_LINE", "PER_INVOICE"].into_iter().enumerate() {
        for (e, example) in EXAMPLES.iter().enumerate() {
            let shipping = if example.delivery { "9.95" } else { "0" };
            app.admin()
                .change_business_settings(
                    json!({ "gstRounding": rounding, "shippingStandard": shipping }),
                )
                .await;
            let mut lines = Vec::new();
            for (i, (price, code, inclusive)) in example.lines.iter().enumerate() {
                let sku = format!("EX-{r}-{e}-{i}");
                lines.push(product(&app, &location, &sku, price, code, *inclusive).await);
            }
            let ordered: Vec<(&str, i32)> = lines.iter().map(|p| (p.as_str(), 1)).collect();
            let order = place(&app, &alice, &ordered, None).await;
            reserve(&app, &order).await;
            let (status, invoice) = order_invoice(&app, &order).await;
            assert_eq!(status, "INVOICED", "{}: {invoice}", example.name);

            // The engine's figures for the same supplies.
            let inclusive = example.lines[0].2;
            let engine = gst::compute_invoice(&InvoiceInput {
                lines: example
                    .lines
                    .iter()
                    .map(|(price, code, _)| {
                        LineInput::new(
                            Money::parse(price).unwrap(),
                            1,
                            TaxCode::parse(code).unwrap(),
                        )
                    })
                    .collect(),
                shipping: example
                    .delivery
                    .then(|| Shipping::taxable(Money::from_cents(995))),
                rounding: [GstRounding::PerLine, GstRounding::PerInvoice][r],
                prices: if inclusive {
                    PriceBasis::Inclusive
                } else {
                    PriceBasis::Exclusive
                },
                seller: Seller::GstRegistered,
                ..InvoiceInput::default()
            })
            .unwrap();
            let what = format!("{} ({rounding})", example.name);
            assert_eq!(cents(&invoice["gst"]), engine.gst.cents(), "{what}");
            assert_eq!(cents(&invoice["total"]), engine.inclusive.cents(), "{what}");
            assert_eq!(
                cents(&invoice["totalExGst"]),
                engine.ex_gst.cents(),
                "{what}"
            );
            assert_eq!(
                cents(&invoice["gstFreeTotal"]),
                engine.gst_free_part.cents(),
                "{what}"
            );
            let api_lines = invoice["lines"].as_array().unwrap();
            let engine_lines: Vec<_> = engine.all_lines().collect();
            assert_eq!(api_lines.len(), engine_lines.len(), "{what}");
            for (api, engine) in api_lines.iter().zip(engine_lines) {
                assert_eq!(cents(&api["gst"]), engine.gst.cents(), "{what}: {api}");
                assert_eq!(cents(&api["net"]), engine.net.cents(), "{what}: {api}");
                assert_eq!(api["taxCode"], engine.tax_code.as_str(), "{what}: {api}");
            }
            // And the worked example's own numbers.
            assert_eq!(cents(&invoice["gst"]), example.gst[r], "{what}");
            assert_eq!(cents(&invoice["total"]), example.total[r], "{what}");
            assert_eq!(invoice["gstRounding"], rounding, "{what}");
            assert_eq!(invoice["title"], "Tax invoice");
            assert_eq!(invoice["issuedBy"], "system");
            assert_eq!(invoice["seller"]["abn"], "51824753556");
        }
    }
}

#[tokio::test]
async fn fifty_concurrent_issues_get_fifty_consecutive_numbers_and_bad_issues_are_refused() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let lamp = product(&app, &location, "LAMP", "10.00", "TAXABLE", true).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;
    // Without an ABN nothing is invoiced on reservation: fifty orders wait.
    app.admin()
        .change_business_settings(json!({ "abn": null }))
        .await;
    let mut orders = Vec::new();
    for _ in 0..50 {
        let order = place(&app, &alice, &[(&lamp, 1)], None).await;
        reserve(&app, &order).await;
        let (status, invoice) = order_invoice(&app, &order).await;
        assert_eq!(status, "RESERVED");
        assert!(invoice.is_null());
        orders.push(order);
    }
    // Issuing now names the missing particular.
    let issue = op(
        "issueInvoice",
        "mutation($id: ID!) { issueInvoice(input: { orderId: $id }) { invoice { id number } userErrors { field code message } } }",
    );
    let finance = app.person("finance-1", Role::Finance);
    let refused = finance.data(issue, json!({ "id": orders[0] })).await;
    assert_eq!(
        user_errors(&refused),
        [input_path_error("businessSettings.abn", "REQUIRED")]
    );
    app.admin()
        .change_business_settings(json!({ "abn": "51 824 753 556" }))
        .await;

    let issues = orders.iter().map(|order| {
        let finance = app.person("finance-1", Role::Finance);
        async move { finance.data(issue, json!({ "id": order })).await }
    });
    let issued = futures::future::join_all(issues).await;
    let mut numbers: Vec<String> = issued
        .iter()
        .map(|p| {
            assert!(user_errors(p).is_empty(), "{p}");
            p["invoice"]["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=50).map(|n| format!("INV-{n:06}")).collect();
    assert_eq!(numbers, expected);
    for order in &orders[..3] {
        assert_eq!(order_invoice(&app, order).await.0, "INVOICED");
    }

    // Issuing twice, for a cancelled order, or without the role: refused.
    finance
        .refused(
            issue,
            json!({ "id": orders[0] }),
            "orderId",
            "ALREADY_EXISTS",
        )
        .await;
    let placed = place(&app, &alice, &[(&lamp, 1)], None).await;
    app.as_role(Role::Fulfilment)
        .data(
            op("cancelOrder", "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"changed plans\" }) { order { status } } }"),
            json!({ "id": placed }),
        )
        .await;
    finance
        .refused(
            issue,
            json!({ "id": placed }),
            "orderId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    let clerk = app
        .as_role(Role::Fulfilment)
        .run(issue, json!({ "id": orders[1] }))
        .await;
    assert_eq!(error_code(&clerk).as_deref(), Some("FORBIDDEN"));
    // Nothing was issued by the refusals: still fifty.
    let all = app
        .admin()
        .data(
            op(
                "invoices",
                "{ invoices(first: 100) { edges { node { number } } } }",
            ),
            json!({}),
        )
        .await;
    assert_eq!(nodes(&all).len(), 50);
}

#[tokio::test]
async fn an_issued_invoice_never_changes_and_its_emailed_link_opens_the_html_copy() {
    let (app, _worker) =
        TestApp::spawn_with_worker(&[("PUBLIC_BASE_URL", "http://hub.test")]).await;
    let location = warehouse(&app).await;
    let desk = product(&app, &location, "DESK", "129.95", "TAXABLE", true).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;
    let order = place(&app, &alice, &[(&desk, 2)], None).await;
    reserve(&app, &order).await;
    let (_, issued) = order_invoice(&app, &order).await;
    let id = issued["id"].as_str().unwrap().to_owned();
    assert_eq!(issued["number"], "INV-000001");
    assert_eq!(issued["buyer"]["name"], "Alice Nguyen");
    assert_eq!(cents(&issued["total"]), 2 * 12995 + 995);

    // The email carries the link to the customer's copy.
    let kind = entity::NotificationKind::InvoiceIssued;
    app.sent_notification_to(kind, &id, "alice@example.com.au")
        .await;
    let link = emailed_invoice_link(&app);
    assert!(link.starts_with("http://hub.test/links/invoice/"), "{link}");
    let local = link.replace("http://hub.test", &app.base_url);
    let page = app.client.get(&local).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    for shown in [
        "Tax invoice",
        "INV-000001",
        "Alice Nguyen",
        "ABN 51 824 753 556",
        "$269.85",
        "cannot be excluded under the Australian Consumer Law",
    ] {
        assert!(html.contains(shown), "the page shows {shown}");
    }

    // Settings, the price and the customer change; the invoice does not.
    app.admin()
        .change_business_settings(json!({ "legalName": "Renamed Pty Ltd", "gstRounding": "PER_INVOICE", "abn": "53 004 085 616" }))
        .await;
    let repriced = tests::shop::change_product(&app, &desk, json!({ "price": "99.00" })).await;
    assert_eq!(repriced["price"]["amount"], "99.00", "{repriced}");
    app.admin()
        .update_customer(json!({ "id": alice, "expectedVersion": 1, "name": "Alice Renamed" }))
        .await;
    let (_, after) = order_invoice(&app, &order).await;
    assert_eq!(after, issued);
    let again = app.fetch_text(&local).await;
    assert_eq!(again, html);

    // The database refuses edits and deletes of issued invoices too.
    let edit = entity::tax_invoice::Entity::update_many()
        .col_expr(
            entity::tax_invoice::Column::TotalCents,
            sea_orm::sea_query::Expr::value(1),
        )
        .filter(entity::tax_invoice::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(app.db())
        .await;
    assert!(edit.is_err(), "an issued invoice was edited");
    let delete = entity::tax_invoice_line::Entity::delete_many()
        .exec(app.db())
        .await;
    assert!(delete.is_err(), "invoice lines were deleted");

    // The customer reads its own invoice; another customer sees nothing.
    let read = op("invoice", "query($id: ID!) { invoice(id: $id) { number } }");
    let own = app
        .as_customer(&alice)
        .data(read, json!({ "id": id }))
        .await;
    assert_eq!(own["number"], "INV-000001");
    let bob = customer(&app, "Bob", "bob@example.com.au").await;
    assert!(
        app.as_customer(&bob)
            .data(read, json!({ "id": id }))
            .await
            .is_null()
    );
    let listed = app
        .as_customer(&bob)
        .data(
            op("invoices", "{ invoices { edges { node { number } } } }"),
            json!({}),
        )
        .await;
    assert!(nodes(&listed).is_empty());

    // A tampered link is refused with a short page; an old one has expired.
    let token_at = local.rfind('/').unwrap() + 1;
    let mut tampered = local.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert!(tampered.len() > token_at);
    let refused = app.client.get(&tampered).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 404);
    let body = refused.text().await.unwrap();
    assert!(body.contains("This link is not valid") && !body.contains("INV-000001"));
    app.clock.advance(chrono::Duration::days(31));
    let expired = app.client.get(&local).send().await.unwrap();
    assert_eq!(expired.status().as_u16(), 410);
}

/// The invoice link in the tax invoice email (its text part).
fn emailed_invoice_link(app: &TestApp) -> String {
    let dir = app.mail_dir();
    for entry in std::fs::read_dir(dir).unwrap() {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        if !message
            .subject()
            .is_some_and(|s| s.starts_with("Tax invoice INV-"))
        {
            continue;
        }
        let text = message.body_text(0).unwrap().into_owned();
        return text
            .split_whitespace()
            .find(|w| w.contains("/links/invoice/"))
            .expect("the email links its invoice")
            .to_owned();
    }
    panic!("no invoice email was written");
}

#[tokio::test]
async fn the_gst_summary_of_a_period_adds_up_to_its_invoices() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let chair = product(&app, &location, "CHAIR", "110.00", "TAXABLE", true).await;
    let bread = product(&app, &location, "BREAD", "4.50", "GST_FREE", true).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;
    let kiri = customer(&app, "Kiri Walker", "kiri@example.co.nz").await;

    let mut first_day = Vec::new();
    for (who, lines, country) in [
        (&alice, vec![(chair.as_str(), 1)], None),
        (&alice, vec![(chair.as_str(), 2), (bread.as_str(), 3)], None),
        (
            &kiri,
            vec![(chair.as_str(), 1), (bread.as_str(), 1)],
            Some("NZ"),
        ),
    ] {
        let order = place(&app, who, &lines, country).await;
        reserve(&app, &order).await;
        let (status, invoice) = order_invoice(&app, &order).await;
        assert_eq!(status, "INVOICED", "{invoice}");
        first_day.push(invoice);
    }
    // The export: its goods are GST-free (G2) at the price less its GST, and
    // the freight GST-free (G3).
    let export = &first_day[2];
    assert_eq!(export["export"], true);
    assert_eq!(cents(&export["gst"]), 0);
    assert_eq!(cents(&export["exportTotal"]), 10000 + 450);
    assert_eq!(cents(&export["gstFreeTotal"]), 905);

    // The next day (before any reservation lapses), another invoice: outside
    // the first day's period.
    app.clock.advance(chrono::Duration::days(1));
    let order = place(&app, &alice, &[(&chair, 1)], None).await;
    reserve(&app, &order).await;
    let later = order_invoice(&app, &order).await.1;
    let day = first_day[0]["issuedOn"].as_str().unwrap().to_owned();
    assert_ne!(later["issuedOn"], day);

    let summary = op(
        "gstSummary",
        "query($from: Date!, $to: Date!) { gstSummary(from: $from, to: $to) { summary { from to basis totalSales { amount } exportSales { amount } otherGstFreeSales { amount } gstOnSales { amount } increasingAdjustments { amount } decreasingAdjustments { amount } invoiceCount invoices(first: 100) { edges { node { number total { amount } gst { amount } exportTotal { amount } gstFreeTotal { amount } } } } } userErrors { field code message } } }",
    );
    let finance = app.as_role(Role::Finance);
    let one_day = finance
        .data(summary, json!({ "from": day, "to": day }))
        .await;
    let s = &one_day["summary"];
    let behind = nodes(&s["invoices"]);
    let numbers: Vec<&Value> = behind.iter().map(|i| &i["number"]).collect();
    let expected: Vec<&Value> = first_day.iter().map(|i| &i["number"]).collect();
    assert_eq!(numbers, expected);
    let sum = |field: &str| behind.iter().map(|i| cents(&i[field])).sum::<i64>();
    assert_eq!(cents(&s["totalSales"]), sum("total"));
    assert_eq!(cents(&s["gstOnSales"]), sum("gst"));
    assert_eq!(cents(&s["exportSales"]), sum("exportTotal"));
    assert_eq!(cents(&s["otherGstFreeSales"]), sum("gstFreeTotal"));
    assert_eq!(s["invoiceCount"], 3);
    assert_eq!(s["basis"], "ACCRUAL");
    assert_eq!(cents(&s["decreasingAdjustments"]), 0);
    // The figures themselves: 110 + (220 + 13.50) + 995×2 shipping AU, and the export.
    assert_eq!(cents(&s["exportSales"]), 10450);
    assert_eq!(cents(&s["otherGstFreeSales"]), 1350 + 905);

    let both = finance
        .data(summary, json!({ "from": day, "to": later["issuedOn"] }))
        .await;
    assert_eq!(both["summary"]["invoiceCount"], 4);
    assert_eq!(
        cents(&both["summary"]["totalSales"]),
        cents(&s["totalSales"]) + cents(&later["total"])
    );

    // A period that ends before it starts is refused; only FINANCE and ADMIN ask.
    let backwards = finance
        .data(summary, json!({ "from": later["issuedOn"], "to": day }))
        .await;
    assert!(backwards["summary"].is_null());
    assert_eq!(
        user_errors(&backwards),
        [input_error("from", "OUT_OF_RANGE")]
    );
    let clerk = app
        .as_role(Role::Fulfilment)
        .run(summary, json!({ "from": day, "to": day }))
        .await;
    assert_eq!(error_code(&clerk).as_deref(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn a_seller_not_registered_for_gst_issues_an_invoice_without_gst() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let chair = product(&app, &location, "CHAIR", "110.00", "TAXABLE", true).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;
    app.admin()
        .change_business_settings(json!({ "gstRegistered": false, "abn": null }))
        .await;
    let order = place(&app, &alice, &[(&chair, 1)], None).await;
    reserve(&app, &order).await;
    let (status, invoice) = order_invoice(&app, &order).await;
    assert_eq!(status, "INVOICED", "{invoice}");
    assert_eq!(invoice["title"], "Invoice");
    assert_eq!(cents(&invoice["gst"]), 0);
    assert!(invoice["gstStatement"].is_null());
    assert_eq!(cents(&invoice["total"]), 11000 + 995);
    assert_eq!(invoice["seller"]["gstRegistered"], false);
}

tests::op_const!(ISSUE_NOTE = "issueAdjustmentNote": "mutation($input: IssueAdjustmentNoteInput!) { issueAdjustmentNote(input: $input) { adjustmentNote { id number title reason invoiceNumber total { amount } gst { amount } lines { net { amount } gst { amount } taxCode } } userErrors { field code message } } }");

/// The invoice's figures and its notes.
async fn invoice_with_notes(app: &TestApp, invoice: &str) -> Value {
    app.admin()
        .data(
            op("invoice", "query($id: ID!) { invoice(id: $id) { total { amount } gst { amount } remainingTotal { amount } adjustmentNotes { edges { node { number total { amount } gst { amount } reason issuedBy } } } } }"),
            json!({ "id": invoice }),
        )
        .await
}

#[tokio::test]
async fn adjustment_notes_reduce_an_invoice_never_below_zero_and_show_in_the_gst_summary() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let chair = product(&app, &location, "CHAIR", "110.00", "TAXABLE", true).await;
    let bread = product(&app, &location, "BREAD", "4.50", "GST_FREE", true).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;
    let order = place(&app, &alice, &[(&chair, 1), (&bread, 3)], None).await;
    reserve(&app, &order).await;
    let (_, invoice) = order_invoice(&app, &order).await;
    let invoice_id = invoice["id"].as_str().unwrap().to_owned();
    // 110.00 + 13.50 + 9.95 delivery; GST 10.00 + 0.90.
    assert_eq!(cents(&invoice["total"]), 13345);
    assert_eq!(cents(&invoice["gst"]), 1090);

    let finance = app.person("finance-1", Role::Finance);
    let partial = finance
        .accepted(
            ISSUE_NOTE,
            json!({ "input": { "invoiceId": invoice_id, "amount": "20.00", "reason": "Scratched leg" } }),
        )
        .await;
    let note = &partial["adjustmentNote"];
    assert_eq!(note["number"], "ADJ-000001");
    assert_eq!(note["title"], "Adjustment note");
    assert_eq!(note["invoiceNumber"], invoice["number"]);
    assert_eq!(cents(&note["total"]), -2000);
    // Spread by value over the chair, bread and delivery; GST follows each line.
    let line_gst: i64 = note["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| cents(&l["gst"]))
        .sum();
    assert_eq!(cents(&note["gst"]), line_gst);
    assert!(cents(&note["gst"]) < 0);
    assert_eq!(
        cents(&invoice_with_notes(&app, &invoice_id).await["remainingTotal"]),
        13345 - 2000
    );

    // Bad amounts, a blank reason, an unknown invoice and the wrong role.
    for (amount, reason, field, code) in [
        ("0", "x", "amount", "OUT_OF_RANGE"),
        ("-5.00", "x", "amount", "OUT_OF_RANGE"),
        ("113.46", "x", "amount", "OUT_OF_RANGE"),
        ("1.00", " ", "reason", "REQUIRED"),
        ("ten", "x", "amount", "INVALID_MONEY"),
    ] {
        let refused = finance
            .data(
                ISSUE_NOTE,
                json!({ "input": { "invoiceId": invoice_id, "amount": amount, "reason": reason } }),
            )
            .await;
        assert_eq!(
            user_errors(&refused),
            [input_error(field, code)],
            "{amount}"
        );
    }
    finance
        .refused(
            ISSUE_NOTE,
            json!({ "input": { "invoiceId": uuid::Uuid::now_v7(), "reason": "x" } }),
            "invoiceId",
            "NOT_FOUND",
        )
        .await;
    let clerk = app
        .as_role(Role::Fulfilment)
        .run(
            ISSUE_NOTE,
            json!({ "input": { "invoiceId": invoice_id, "reason": "x" } }),
        )
        .await;
    assert_eq!(error_code(&clerk).as_deref(), Some("FORBIDDEN"));

    // Cancelling the invoiced order reverses what is left and releases its stock.
    let cancelled = finance
        .data(
            op("cancelOrder", "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"Customer cancelled\" }) { order { status } userErrors { field code } } }"),
            json!({ "id": order }),
        )
        .await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    let adjusted = invoice_with_notes(&app, &invoice_id).await;
    assert_eq!(cents(&adjusted["remainingTotal"]), 0);
    let notes = nodes(&adjusted["adjustmentNotes"]);
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1]["number"], "ADJ-000002");
    assert_eq!(cents(&notes[1]["total"]), -(13345 - 2000));
    assert_eq!(notes[1]["reason"], "Customer cancelled");
    let stock = app
        .admin()
        .data(
            op(
                "product",
                "query($id: ID!) { product(id: $id) { stock { reserved } } }",
            ),
            json!({ "id": chair }),
        )
        .await;
    assert_eq!(stock["stock"][0]["reserved"], 0);
    finance
        .refused(
            ISSUE_NOTE,
            json!({ "input": { "invoiceId": invoice_id, "amount": "0.01", "reason": "x" } }),
            "amount",
            "OUT_OF_RANGE",
        )
        .await;

    // The summary keeps the notes apart: G1 unchanged, the GST they took
    // back at 1B, each note listed.
    let day = invoice["issuedOn"].clone();
    let summary = app
        .as_role(Role::Finance)
        .data(
            op("gstSummary", "query($from: Date!, $to: Date!) { gstSummary(from: $from, to: $to) { summary { totalSales { amount } gstOnSales { amount } decreasingAdjustments { amount } increasingAdjustments { amount } adjustmentNoteCount adjustmentNotes { edges { node { number gst { amount } } } } } userErrors { code } } }"),
            json!({ "from": day, "to": day }),
        )
        .await;
    let s = &summary["summary"];
    assert_eq!(cents(&s["totalSales"]), 13345);
    assert_eq!(cents(&s["gstOnSales"]), 1090);
    let notes_gst: i64 = nodes(&s["adjustmentNotes"])
        .iter()
        .map(|n| cents(&n["gst"]))
        .sum();
    assert_eq!(notes_gst, -1090);
    assert_eq!(cents(&s["decreasingAdjustments"]), 1090);
    assert_eq!(cents(&s["increasingAdjustments"]), 0);
    assert_eq!(s["adjustmentNoteCount"], 2);
}

#[tokio::test]
async fn an_unpaid_invoiced_order_lapses_and_a_note_reverses_its_invoice_exactly() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let lamp = product(&app, &location, "LAMP", "10.95", "TAXABLE", true).await;
    let alice = customer(&app, "Alice Nguyen", "alice@example.com.au").await;
    let order = place(&app, &alice, &[(&lamp, 3)], None).await;
    reserve(&app, &order).await;
    let (status, invoice) = order_invoice(&app, &order).await;
    assert_eq!(status, "INVOICED");
    let reserved_until = app
        .admin()
        .data(
            op(
                "order",
                "query($id: ID!) { order(id: $id) { reservedUntil } }",
            ),
            json!({ "id": order }),
        )
        .await["reservedUntil"]
        .as_str()
        .unwrap()
        .to_owned();
    let until = chrono::DateTime::parse_from_rfc3339(&reserved_until)
        .unwrap()
        .to_utc();
    app.clock.set(until + chrono::Duration::minutes(1));
    wait_for("the unpaid order to lapse", PATIENCE, async || {
        order_invoice(&app, &order).await.0 == "CANCELLED"
    })
    .await;
    let adjusted = invoice_with_notes(&app, invoice["id"].as_str().unwrap()).await;
    let notes = nodes(&adjusted["adjustmentNotes"]);
    assert_eq!(notes.len(), 1);
    assert_eq!(cents(&notes[0]["total"]), -cents(&invoice["total"]));
    assert_eq!(cents(&notes[0]["gst"]), -cents(&invoice["gst"]));
    assert_eq!(notes[0]["issuedBy"], "system");
    assert_eq!(notes[0]["reason"], "the reservation lapsed before payment");
}
