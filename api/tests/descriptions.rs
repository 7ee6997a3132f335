//! Every type, field, argument, input field and enum value of the schema has
//! a description, so GraphiQL's docs stay the API reference.

mod common;

use serde_json::Value;

const INTROSPECT: &str = r#"{ __schema { types {
  name description
  fields { name description args { name description } }
  inputFields { name description }
  enumValues { name description }
} } }"#;

/// What lacks a description, as `Type`, `Type.field` or `Type.field(arg)`.
fn undescribed(schema: &Value) -> Vec<String> {
    let blank = |v: &Value| {
        v["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
    };
    let mut missing = Vec::new();
    for ty in schema["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        // The language's own types and scalars describe themselves.
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        // Relay connection types come from async-graphql without a type
        // description (their fields have one); every other type needs one.
        if blank(ty) && !name.ends_with("Connection") {
            missing.push(name.to_owned());
        }
        for member in ["fields", "inputFields", "enumValues"] {
            for item in ty[member].as_array().into_iter().flatten() {
                let item_name = format!("{name}.{}", item["name"].as_str().unwrap());
                if blank(item) {
                    missing.push(item_name.clone());
                }
                for arg in item["args"].as_array().into_iter().flatten() {
                    if blank(arg) {
                        missing.push(format!("{item_name}({})", arg["name"].as_str().unwrap()));
                    }
                }
            }
        }
    }
    missing
}

#[tokio::test]
async fn every_part_of_the_schema_is_described() {
    let json = common::introspect(INTROSPECT).await;
    let missing = undescribed(&json);
    assert!(
        missing.is_empty(),
        "{} undescribed:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_check_notices_a_missing_description() {
    let schema: Value = serde_json::json!({ "__schema": { "types": [
        { "name": "Thing", "description": "A thing.", "fields": [
            { "name": "id", "description": "Its id.", "args": [] },
            { "name": "size", "description": null, "args": [{ "name": "unit", "description": "" }] }
        ] }
    ] } });
    assert_eq!(undescribed(&schema), ["Thing.size", "Thing.size(unit)"]);
}
