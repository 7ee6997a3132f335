//! `schema.graphql` must equal the SDL the code exports. Run with
//! `UPDATE_SCHEMA=1` to rewrite the file after an intended change.

#[test]
fn schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let exported = api::graphql::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(path, &exported).expect("write schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == exported,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test -p api --test schema_drift`"
    );
}
