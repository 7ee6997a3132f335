//! Engagements: versioned process templates (the two built-in ones seeded
//! as version 1, PUBLISHED, from JSON frozen with this migration), the
//! engagements that follow them with their team, the outputs completed per
//! stage and revision round (with evidence), decision answers with their
//! consequences, and mitigation actions; engagement numbers `ENG-000001`.

use crate::kit::{add_counter, drop_tables, index, remove_counters, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

/// The built-in templates as published with this migration.
const SEEDS: [(&str, &str, &str); 2] = [
    (
        "service_delivery",
        "Service delivery",
        include_str!("seeds/service_delivery.json"),
    ),
    (
        "automation_implementation",
        "Business automation implementation",
        include_str!("seeds/automation_implementation.json"),
    ),
];

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(table(
            "process_template",
            [
                pk_uuid("id"),
                string("key"),
                integer("version"),
                string("name"),
                // DRAFT or PUBLISHED.
                string("status"),
                // JSON: stages, outputs, decisions, the quality checklist.
                text("definition"),
                string("created_by"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone_null("published_at"),
            ],
        ))
        .await?;
    let versions = &["key", "version"];
    index(
        manager,
        "ux_process_template",
        "process_template",
        versions,
        true,
    )
    .await?;

    manager
        .create_table(versioned_table(
            "engagement",
            [
                pk_uuid("id"),
                string_uniq("number"),
                uuid("customer_id"),
                uuid("template_id"),
                string("name"),
                string("scope_reference"),
                date("planned_start"),
                string("status"),
                integer("stage_index"),
                integer("round"),
                timestamp_with_time_zone_null("stage_started_at"),
                timestamp_with_time_zone_null("stage_due_at"),
                boolean("stage_overdue"),
                date_null("revised_end_date"),
                string_null("status_reason"),
                string("created_by"),
            ],
        ))
        .await?;
    let by_customer = &["customer_id", "id"];
    index(
        manager,
        "ix_engagement_customer",
        "engagement",
        by_customer,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "engagement_member",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                uuid("user_id"),
                string("role"),
            ],
        ))
        .await?;
    let member = &["engagement_id", "user_id"];
    index(
        manager,
        "ux_engagement_member",
        "engagement_member",
        member,
        true,
    )
    .await?;

    manager
        .create_table(table(
            "engagement_output",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                string("stage_key"),
                integer("round"),
                string("output_key"),
                text("evidence"),
                string("completed_by"),
                timestamp_with_time_zone("completed_at"),
            ],
        ))
        .await?;
    let once = &["engagement_id", "stage_key", "round", "output_key"];
    index(
        manager,
        "ux_engagement_output",
        "engagement_output",
        once,
        true,
    )
    .await?;

    manager
        .create_table(table(
            "engagement_decision",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                string("stage_key"),
                integer("round"),
                string("decision_key"),
                boolean("answer"),
                text_null("note"),
                date_null("revised_end_date"),
                string("decided_by"),
                timestamp_with_time_zone("decided_at"),
            ],
        ))
        .await?;
    let by_engagement = &["engagement_id", "id"];
    index(
        manager,
        "ix_engagement_decision",
        "engagement_decision",
        by_engagement,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "engagement_action",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                uuid_null("decision_id"),
                text("description"),
                uuid("owner_user_id"),
                date("due_on"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone_null("done_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_engagement_action",
        "engagement_action",
        by_engagement,
        false,
    )
    .await?;

    add_counter(manager, "engagement").await?;
    let now = chrono::Utc::now();
    for (key, name, definition) in SEEDS {
        let seed = Query::insert()
            .into_table("process_template")
            .columns([
                "id",
                "key",
                "version",
                "name",
                "status",
                "definition",
                "created_by",
                "created_at",
                "published_at",
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                key.into(),
                1_i32.into(),
                name.into(),
                "PUBLISHED".into(),
                definition.into(),
                "system".into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        manager.exec_stmt(seed).await?;
    }
    Ok(())
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    remove_counters(manager, &["engagement"]).await?;
    drop_tables(
        manager,
        &[
            "engagement_action",
            "engagement_decision",
            "engagement_output",
            "engagement_member",
            "engagement",
            "process_template",
        ],
    )
    .await
}
