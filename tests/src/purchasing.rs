//! Purchasing for end-to-end tests: quarantine locations, products sourced
//! from a supplier, backordered orders, purchase orders sent (sourced from a
//! backorder or made by hand), QC checklists and the documents they use.

use crate::fulfil::{PATIENCE, order_of};
use crate::shop::{create_product, op, place, reserve};
use crate::{Caller, Op, Role, TestApp, wait_for, with_fields};
use serde_json::{Value, json};

pub const SOURCE: Op = Op {
    field: "sourceBackorder",
    document: "mutation($input: SourceBackorderInput!) { sourceBackorder(input: $input) { purchaseOrder { id number status total { amount } lines { id quantity unitCost { amount } } } userErrors { field code message } } }",
};
pub const CREATE_PURCHASE_ORDER: Op = Op {
    field: "createPurchaseOrder",
    document: "mutation($input: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $input) { purchaseOrder { id number status lines { id quantity } } userErrors { field code message } } }",
};
pub const SEND: Op = Op {
    field: "sendPurchaseOrder",
    document: "mutation($id: ID!) { sendPurchaseOrder(input: { purchaseOrderId: $id }) { purchaseOrder { id status approval { id status } } userErrors { field code message } } }",
};
pub const RECEIVE: Op = Op {
    field: "receiveGoods",
    document: "mutation($input: ReceiveGoodsInput!) { receiveGoods(input: $input) { goodsReceipt { id qcPassed lines { quantity batchCode serials stockLevelId } } userErrors { field code message } } }",
};
pub const PURCHASE_ORDER: Op = Op {
    field: "purchaseOrder",
    document: "query($id: ID!) { purchaseOrder(id: $id) { status statusReason lines { quantity receivedQuantity } receipts { qcPassed } } }",
};

/// A QUARANTINE location (a fresh code each time).
pub async fn quarantine(app: &TestApp) -> String {
    app.as_role(Role::Fulfilment)
        .data(
            op("createStockLocation", "mutation($input: CreateStockLocationInput!) { createStockLocation(input: $input) { stockLocation { id } } }"),
            json!({ "input": { "code": format!("QC-{}", &uuid::Uuid::now_v7().simple().to_string()[26..]), "name": "Quarantine", "region": "AUSTRALIA", "kind": "QUARANTINE" } }),
        )
        .await["stockLocation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A product with no stock, supplied by a new supplier at `cost`: (product, supplier).
pub async fn sourced_product(
    app: &TestApp,
    sku: &str,
    cost: &str,
    extra: Value,
) -> (String, String) {
    let buyer = app.as_role(Role::Finance);
    let input = with_fields(
        json!({ "sku": sku, "name": format!("Product {sku}"), "taxCode": "TAXABLE",
        "price": "50.00", "pricesIncludeGst": true, "weightGrams": 900 }),
        &extra,
    );
    let product = create_product(app, input).await;
    let supplier = new_supplier(
        &buyer,
        json!({ "name": format!("Supplier of {sku}"), "email": format!("orders-{}@supplier.example.com", sku.to_lowercase()), "abn": "51 824 753 556" }),
    )
    .await;
    supplies(&buyer, &supplier, &product, &format!("S-{sku}"), cost, 5).await;
    (product, supplier)
}

/// `buyer` creates a supplier from `input`: its id.
pub async fn new_supplier(buyer: &Caller<'_>, input: Value) -> String {
    buyer
        .data(
            op("createSupplier", "mutation($input: CreateSupplierInput!) { createSupplier(input: $input) { supplier { id } userErrors { code } } }"),
            json!({ "input": input }),
        )
        .await["supplier"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `buyer` records that `supplier` supplies `product` (as `supplier_sku`, at
/// `cost`, in `lead_days` days).
pub async fn supplies(
    buyer: &Caller<'_>,
    supplier: &str,
    product: &str,
    supplier_sku: &str,
    cost: &str,
    lead_days: i32,
) {
    buyer
        .accepted(
            op("setSupplierProduct", "mutation($input: SetSupplierProductInput!) { setSupplierProduct(input: $input) { userErrors { field code } } }"),
            json!({ "input": { "supplierId": supplier, "productId": product, "supplierSku": supplier_sku,
                "unitCost": cost, "leadTimeDays": lead_days } }),
        )
        .await;
}

/// A customer's order of `quantity` with nothing in stock: BACKORDERED.
pub async fn backordered(app: &TestApp, product: &str, quantity: i32, email: &str) -> String {
    let customer = app.customer_named("Kim Lee", email).await;
    let order = place(app, &customer, &[(product, quantity)], None).await;
    reserve(app, &order).await;
    assert_eq!(order_of(app, &order).await["status"], "BACKORDERED");
    order
}

/// Get a DRAFT purchase order approved and sent (FINANCE decides from $500).
pub async fn send_and_approve(app: &TestApp, po: &Value) {
    let sent = app
        .person("buyer-1", Role::Fulfilment)
        .accepted(SEND, json!({ "id": po["id"] }))
        .await;
    if sent["purchaseOrder"]["status"] != "SENT" {
        let approval = &sent["purchaseOrder"]["approval"]["id"];
        app.approve("finance-1", Role::Finance, approval).await;
    }
    let now = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": po["id"] }))
        .await;
    assert_eq!(now["status"], "SENT");
}

/// Source the backorder and get its purchase order approved and sent.
pub async fn sent_purchase_order(app: &TestApp, order: &str, supplier: &str) -> Value {
    let sourced = app
        .person("buyer-1", Role::Fulfilment)
        .accepted(
            SOURCE,
            json!({ "input": { "orderId": order, "supplierId": supplier } }),
        )
        .await;
    let po = sourced["purchaseOrder"].clone();
    send_and_approve(app, &po).await;
    po
}

/// A purchase order made by hand for `quantity` of one product, sent.
pub async fn sent_by_hand(app: &TestApp, supplier: &str, product: &str, quantity: i32) -> Value {
    let created = app
        .person("buyer-1", Role::Fulfilment)
        .accepted(
            CREATE_PURCHASE_ORDER,
            json!({ "input": { "supplierId": supplier, "lines": [{ "productId": product, "quantity": quantity }] } }),
        )
        .await;
    let po = created["purchaseOrder"].clone();
    send_and_approve(app, &po).await;
    po
}

/// After its goods arrived, a BACKORDERED order asks for its reservation (a
/// second person approves it when the policy asks for one); waits until it
/// is INVOICED.
pub async fn invoiced_after_arrival(app: &TestApp, order: &str) {
    wait_for(
        "the order to ask for its reservation",
        PATIENCE,
        async || order_of(app, order).await["status"] != "BACKORDERED",
    )
    .await;
    if order_of(app, order).await["status"] == "AWAITING_RESERVATION" {
        use sea_orm::EntityTrait;
        let row = entity::sales_order::Entity::find_by_id(uuid::Uuid::parse_str(order).unwrap())
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        let approval = row.reservation_approval_id.unwrap().to_string();
        app.decide_approval("fulfil-2", Role::Fulfilment, approval, "APPROVE", None)
            .await;
    }
    wait_for("the order invoiced", PATIENCE, async || {
        order_of(app, order).await["status"] == "INVOICED"
    })
    .await;
}

/// The `receiveGoods` variables receiving `quantity` of a purchase order's
/// first line (with `extra` fields) at `at` on 24 November, with `checklist`.
pub fn receipt(po: &Value, at: &str, quantity: i32, checklist: Value, extra: Value) -> Value {
    let line = with_fields(
        json!({ "purchaseOrderLineId": po["lines"][0]["id"], "quantity": quantity }),
        &extra,
    );
    json!({ "input": { "purchaseOrderId": po["id"], "receivedOn": "2026-11-24", "locationId": at,
        "lines": [line], "checklist": checklist } })
}

/// A QC checklist every check of which passed.
pub fn passed() -> Value {
    json!([{ "item": "Packaging intact", "passed": true }, { "item": "Matches the order", "passed": true }])
}

/// A QC checklist with a failed check.
pub fn failed() -> Value {
    json!([{ "item": "Packaging intact", "passed": true }, { "item": "Powers on", "passed": false }])
}

/// Wait until a notification of `kind` about `subject` was sent.
pub async fn wait_for_sent_email(app: &TestApp, kind: entity::NotificationKind, subject: &str) {
    wait_for(&format!("the {kind:?} email"), PATIENCE, async || {
        app.notifications_of(kind, subject)
            .await
            .iter()
            .any(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
}
