//! DESIGN's list rule, checked on the schema: every top-level list and every
//! unbounded child list is a Relay connection; only bounded parts of one
//! record (an order's lines, an approval's decisions, a payload's
//! userErrors) are plain lists, and each is named here with why it is bounded.

mod common;

use serde_json::Value;

const INTROSPECT: &str = r#"{ __schema {
  queryType { name } mutationType { name } subscriptionType { name }
  types { name fields { name type { ...Wrapped } } }
} }
fragment Wrapped on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

/// Plain lists allowed as bounded parts of one record: (type, field, why).
/// A type name ending in `*` matches every type with that prefix's suffix rule
/// (`*Payload` is every mutation payload).
const BOUNDED: &[(&str, &str, &str)] = &[
    ("SlaReport", "rows", "one per ticket priority (four)"),
    (
        "WebhookEventCatalogue",
        "types",
        "the fixed catalogue of webhook event types (about a dozen)",
    ),
    (
        "WebhookSubscription",
        "eventTypes",
        "at most one of each webhook event type",
    ),
    (
        "WebhookDelivery",
        "attemptLog",
        "at most 8 attempts per round (rules::webhooks::MAX_ATTEMPTS); replays add rounds only by ADMIN's hand",
    ),
    (
        "ComplianceDashboard",
        "items",
        "what is due to the ACCC, at most 500 (the soonest; `truncated` says when more)",
    ),
    (
        "SlaPolicy",
        "pauseStatuses",
        "at most the two waiting statuses",
    ),
    (
        "*Payload",
        "userErrors",
        "one per refused input field of one mutation",
    ),
    ("UserError", "field", "the path to one input field"),
    (
        "ProductSafety",
        "mandatoryStandards",
        "at most 20 standards per safety record",
    ),
    (
        "OrderTraceEntry",
        "receipts",
        "a batch's first 10 goods receipts",
    ),
    (
        "FulfilmentKpis",
        "supplierOnTimeBySupplier",
        "the 20 least punctual suppliers of the period",
    ),
    (
        "Invoice",
        "lines",
        "an order's lines (100 at most) plus its delivery line",
    ),
    ("AdjustmentNote", "lines", "at most its invoice's lines"),
    (
        "Approval",
        "decisions",
        "one per approval step (two at most) plus a rejection",
    ),
    (
        "Approval",
        "stepsRequired",
        "a policy needs two steps at most",
    ),
    (
        "Approval",
        "stepsRemaining",
        "a policy needs two steps at most",
    ),
    (
        "Product",
        "stock",
        "one level per location and batch of one product",
    ),
    ("Order", "lines", "an order has at most 100 lines"),
    (
        "ReturnRequest",
        "lines",
        "one per line of one order (100 at most)",
    ),
    (
        "ReturnRequest",
        "steps",
        "a return's few steps (a refund started again adds two)",
    ),
    ("Order", "allocations", "a few places per line of one order"),
    ("Order", "allocationProposal", "one plan per line"),
    ("LineProposal", "picks", "a few places per line"),
    ("Order", "nextActions", "the few steps a status allows"),
    ("Order", "timeline", "the steps of one order's flow"),
    (
        "Order",
        "shipments",
        "the packages of one order (at most one per unit of its lines)",
    ),
    (
        "Shipment",
        "items",
        "at most one per reservation of one order",
    ),
    (
        "Shipment",
        "checkpoints",
        "one package's tracking events (DESIGN names them bounded)",
    ),
    (
        "ShipmentItem",
        "serials",
        "one per unit of one package line",
    ),
    (
        "PickListOrder",
        "items",
        "what is left to pick of one order at one location",
    ),
    ("Courier", "serviceLevels", "three service levels at most"),
    (
        "Supplier",
        "products",
        "what one supplier supplies (one row per catalogue product at most)",
    ),
    (
        "PurchaseOrder",
        "lines",
        "a purchase order has at most 100 lines",
    ),
    (
        "PurchaseOrder",
        "receipts",
        "the deliveries of one purchase order (each takes at least one of its units left to receive)",
    ),
    (
        "GoodsReceipt",
        "checklist",
        "the checks of one QC inspection",
    ),
    (
        "GoodsReceipt",
        "lines",
        "one delivery against one purchase order (100 lines at most)",
    ),
    (
        "GoodsReceiptLine",
        "serials",
        "one per unit of one receipt line",
    ),
    (
        "ProcessTemplate",
        "stages",
        "a template has at most 40 stages",
    ),
    (
        "ProcessTemplate",
        "qualityChecklist",
        "a quality checklist has at most 50 checks",
    ),
    ("ProcessStage", "inputs", "a stage has at most 50 inputs"),
    ("ProcessStage", "outputs", "a stage has at most 50 outputs"),
    (
        "ProcessStage",
        "decisions",
        "a stage has at most 50 decision points",
    ),
    (
        "StageProgress",
        "outputs",
        "one per output of one stage (at most 50)",
    ),
    (
        "StageProgress",
        "decisions",
        "one per decision point of one stage (at most 50)",
    ),
    ("Engagement", "team", "a team has at most 50 members"),
    (
        "Engagement",
        "scopeChanges",
        "an engagement has at most 100 scope changes (MAX_SCOPE_CHANGES)",
    ),
    (
        "Engagement",
        "feeLines",
        "at most 20 set up plus one per approved scope change (at most 100)",
    ),
    (
        "Engagement",
        "decisions",
        "one engagement's answers: at most 500 are kept (MAX_ANSWERS)",
    ),
    (
        "Engagement",
        "actions",
        "at most 20 per answer, and at most 500 answers per engagement",
    ),
    ("Engagement", "nextActions", "the few steps a status allows"),
    (
        "Engagement",
        "timeline",
        "the steps of one engagement's flow (the first 500 shown)",
    ),
    (
        "Engagement",
        "deliverables",
        "an engagement has at most 50 deliverables (MAX_DELIVERABLES)",
    ),
    (
        "Deliverable",
        "versions",
        "a deliverable has at most 50 versions (MAX_VERSIONS)",
    ),
    (
        "Deliverable",
        "reviews",
        "one per version at most (a review needs a newly submitted version), so at most 50",
    ),
    (
        "Deliverable",
        "acceptanceRounds",
        "a deliverable is put to the customer at most 20 times (MAX_ROUNDS)",
    ),
    (
        "QualityReview",
        "checklist",
        "one per check of the template's quality checklist (at most 50)",
    ),
    (
        "QualityReview",
        "metrics",
        "a review records at most 20 metrics (MAX_METRICS)",
    ),
    (
        "Engagement",
        "risks",
        "an engagement's register holds at most 200 risks (register::MAX_RISKS)",
    ),
    (
        "Engagement",
        "issues",
        "an engagement's issue log holds at most 200 issues (register::MAX_ISSUES)",
    ),
    (
        "Engagement",
        "milestones",
        "an engagement's plan has at most 100 milestones (register::MAX_MILESTONES)",
    ),
    (
        "Engagement",
        "delays",
        "an engagement records at most 100 delays (delays::MAX_DELAYS)",
    ),
    (
        "Engagement",
        "escalations",
        "the latest 200 escalations are shown (delays::MAX_ESCALATIONS_SHOWN)",
    ),
    (
        "MonthlyServiceReport",
        "performance",
        "a month's report holds at most 50 figures (reports::MAX_FIGURES)",
    ),
    (
        "MonthlyServiceReport",
        "usage",
        "a month's report holds at most 50 figures (reports::MAX_FIGURES)",
    ),
    (
        "ServiceMonthActivity",
        "stagesLeft",
        "one engagement's month, at most 100 listed (reports::MAX_ACTIVITY)",
    ),
    (
        "ServiceMonthActivity",
        "deliverablesAccepted",
        "one engagement's month, at most 100 listed (reports::MAX_ACTIVITY)",
    ),
    (
        "ServiceMonthActivity",
        "scopeChangesDecided",
        "one engagement's month, at most 100 listed (reports::MAX_ACTIVITY)",
    ),
    (
        "ServiceMonthActivity",
        "delaysRecorded",
        "one engagement's month, at most 100 listed (reports::MAX_ACTIVITY)",
    ),
    (
        "Ticket",
        "messages",
        "one ticket's thread, at most 500 messages (support::MAX_MESSAGES)",
    ),
    (
        "Ticket",
        "history",
        "one ticket's history, at most 2,000 steps (support::MAX_HISTORY)",
    ),
    ("Ticket", "slaTargets", "the three targets of one ticket"),
    (
        "Recall",
        "batches",
        "a recall names at most 100 batches (recalls::MAX_BATCHES)",
    ),
    (
        "RecallSummary",
        "batchCodes",
        "a recall names at most 100 batches (recalls::MAX_BATCHES)",
    ),
    (
        "Claim",
        "majorReasons",
        "at most the four reasons a failure is major",
    ),
    (
        "Claim",
        "allowedRemedies",
        "at most the three remedies the law allows for one failure",
    ),
    (
        "Claim",
        "steps",
        "one claim's steps: lodged, assessed, and one or two per remedy tried",
    ),
];

fn is_list(ty: &Value) -> bool {
    match ty["kind"].as_str() {
        Some("LIST") => true,
        Some("NON_NULL") => is_list(&ty["ofType"]),
        _ => false,
    }
}

fn allowed(type_name: &str, field: &str) -> bool {
    BOUNDED.iter().any(|(ty, f, _)| {
        *f == field
            && match ty.strip_prefix('*') {
                Some(suffix) => type_name.ends_with(suffix),
                None => *ty == type_name,
            }
    })
}

/// Plain lists that break the rule, as `Type.field`.
fn plain_lists(schema: &Value) -> Vec<String> {
    let roots: Vec<&str> = ["queryType", "mutationType", "subscriptionType"]
        .iter()
        .filter_map(|r| schema["__schema"][r]["name"].as_str())
        .collect();
    let mut found = Vec::new();
    for ty in schema["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if name.starts_with("__") {
            continue;
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            let field_name = field["name"].as_str().unwrap();
            if !is_list(&field["type"]) {
                continue;
            }
            // Connections' own `edges` and `nodes` are the page itself.
            let connection_part =
                name.ends_with("Connection") && ["edges", "nodes"].contains(&field_name);
            let top_level = roots.contains(&name);
            if top_level || !(connection_part || allowed(name, field_name)) {
                found.push(format!("{name}.{field_name}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn every_list_is_a_connection_or_a_bounded_part_of_one_record() {
    let json = common::introspect(INTROSPECT).await;
    let found = plain_lists(&json);
    assert!(
        found.is_empty(),
        "plain lists that should be connections (or be named in BOUNDED with why):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_notices_a_top_level_list_and_an_unbounded_child_list() {
    let list = serde_json::json!({ "kind": "NON_NULL", "ofType": { "kind": "LIST", "ofType": { "kind": "OBJECT", "name": "Order" } } });
    let one = serde_json::json!({ "kind": "OBJECT", "name": "Order" });
    let schema = serde_json::json!({ "__schema": {
        "queryType": { "name": "QueryRoot" }, "mutationType": null, "subscriptionType": null,
        "types": [
            { "name": "QueryRoot", "fields": [
                { "name": "orders", "type": list },
                { "name": "order", "type": one },
            ] },
            { "name": "Customer", "fields": [{ "name": "orders", "type": list }] },
            { "name": "OrderConnection", "fields": [{ "name": "nodes", "type": list }] },
            { "name": "CancelOrderPayload", "fields": [{ "name": "userErrors", "type": list }] },
        ]
    } });
    assert_eq!(
        plain_lists(&schema),
        ["QueryRoot.orders", "Customer.orders"]
    );
}
