//! The mutating-area contract (tests::contract), run for customers.

use serde_json::json;
use tests::Role;
use tests::contract::{Area, CustomerAccess, Update};
use tests::ops;

fn customers() -> Area<entity::party::Entity> {
    Area {
        entity: entity::party::Entity,
        create: ops::CREATE_CUSTOMER,
        record: "customer",
        valid_input: |i| json!({ "name": format!("Customer {i}"), "email": format!("c{i}@example.com.au") }),
        invalid_input: || json!({ "name": "Acme Pty Ltd", "email": "not-an-email" }),
        invalid_errors: &[("email", "INVALID_EMAIL")],
        created_action: "customer.created",
        event_topic: Some("customer.created"),
        update: Some(Update {
            op: ops::UPDATE_CUSTOMER,
            change: |i| json!({ "name": format!("Renamed {i}") }),
            version_field: "expectedVersion",
        }),
        list: ops::CUSTOMERS,
        forbidden_role: Role::Customer,
        customer_access: Some(CustomerAccess {
            get: ops::CUSTOMER,
            may_update: false,
        }),
        idempotent: true,
    }
}

tests::area_contract!(customers());
