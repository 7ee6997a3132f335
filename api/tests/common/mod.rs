//! What the schema tests share.

/// The answer of an introspection `query` over the whole schema, as JSON;
/// the query must run without errors.
pub async fn introspect(query: &str) -> serde_json::Value {
    let schema = api::graphql::schema_builder().finish();
    let response = schema.execute(query).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    serde_json::to_value(&response.data).unwrap()
}
