//! Engagement deliverables: each with its acceptance criteria and status,
//! its versions (each revision a new one), the quality reviews of a version
//! (checklist, metrics, findings) and the customer's acceptance rounds
//! (each a DELIVERABLE_ACCEPTANCE approval, kept with its outcome).

use crate::kit::{drop_tables, index, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "deliverable",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                string("name"),
                text("acceptance_criteria"),
                string("status"),
                integer("current_version"),
                integer_null("accepted_version"),
                uuid_null("approval_id"),
                text_null("findings"),
                string("created_by"),
            ],
        ))
        .await?;
    let by_engagement = &["engagement_id", "id"];
    index(
        manager,
        "ix_deliverable",
        "deliverable",
        by_engagement,
        false,
    )
    .await?;
    manager
        .create_table(table(
            "deliverable_version",
            [
                pk_uuid("id"),
                uuid("deliverable_id"),
                integer("number"),
                string("reference"),
                text_null("note"),
                string("submitted_by"),
                timestamp_with_time_zone("submitted_at"),
            ],
        ))
        .await?;
    let once = &["deliverable_id", "number"];
    index(
        manager,
        "ux_deliverable_version",
        "deliverable_version",
        once,
        true,
    )
    .await?;
    manager
        .create_table(table(
            "quality_review",
            [
                pk_uuid("id"),
                uuid("deliverable_id"),
                integer("version_number"),
                boolean("passed"),
                // JSON: [{item, passed}] against the template's checklist.
                text("checklist"),
                // JSON: {name: value} (defects found, test pass rate, ...).
                text("metrics"),
                text_null("findings"),
                string("reviewed_by"),
                timestamp_with_time_zone("reviewed_at"),
            ],
        ))
        .await?;
    let by_deliverable = &["deliverable_id", "id"];
    index(
        manager,
        "ix_quality_review",
        "quality_review",
        by_deliverable,
        false,
    )
    .await?;
    manager
        .create_table(table(
            "acceptance_round",
            [
                pk_uuid("id"),
                uuid("deliverable_id"),
                integer("version_number"),
                uuid("approval_id"),
                // PENDING, ACCEPTED or REJECTED.
                string("outcome"),
                text_null("feedback"),
                timestamp_with_time_zone("requested_at"),
                timestamp_with_time_zone_null("decided_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_acceptance_round",
        "acceptance_round",
        by_deliverable,
        false,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(
        manager,
        &[
            "acceptance_round",
            "quality_review",
            "deliverable_version",
            "deliverable",
        ],
    )
    .await
}
