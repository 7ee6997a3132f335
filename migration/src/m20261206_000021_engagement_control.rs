//! Engagements, part 2: the risk register, issue log and milestones; scope
//! changes decided through SCOPE_CHANGE approvals; recorded delays and the
//! escalations of overdue stages and significant delays; each stage's exit
//! (for the on-time KPI); closure (the agreed fee, lessons learned, the
//! NPS answer); and the monthly service report's figures.

use crate::kit::{add_column, drop_column, drop_tables, index, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for column in [
        text_null("lessons_learned"),
        string_null("lessons_recorded_by"),
        timestamp_with_time_zone_null("lessons_recorded_at"),
        timestamp_with_time_zone_null("closed_at"),
    ] {
        add_column(manager, "engagement", column).await?;
    }
    for (column, default) in [
        // Business hours an overdue stage waits before ADMIN hears of it.
        ("escalation_grace_hours", 8),
        // A delay of this many business days or more escalates at once.
        ("significant_delay_days", 5),
    ] {
        add_column(
            manager,
            "business_settings",
            integer(column).default(default),
        )
        .await?;
    }

    let by_engagement = &["engagement_id", "id"];
    // DESIGN "Engagement fees": fee lines set at creation, added to only by
    // approved scope changes; the final invoice bills them.
    manager
        .create_table(table(
            "engagement_fee_line",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                integer("line_no"),
                string("description"),
                // Ex-GST; negative for scope taken out.
                big_integer("amount_cents"),
                // TAXABLE, GST_FREE or INPUT_TAXED.
                string("tax_code"),
                // The approved scope change that added it.
                uuid_null("scope_change_id"),
                timestamp_with_time_zone("created_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ux_engagement_fee_line",
        "engagement_fee_line",
        &["engagement_id", "line_no"],
        true,
    )
    .await?;
    manager
        .create_table(versioned_table(
            "engagement_risk",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                string("title"),
                text_null("description"),
                // 1 (rare, negligible) to 5 (almost certain, severe).
                integer("likelihood"),
                integer("impact"),
                uuid("owner_user_id"),
                text_null("mitigation"),
                // OPEN, MITIGATING or CLOSED.
                string("status"),
                string("created_by"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_engagement_risk",
        "engagement_risk",
        by_engagement,
        false,
    )
    .await?;
    manager
        .create_table(versioned_table(
            "engagement_issue",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                string("title"),
                text_null("description"),
                // LOW, MEDIUM, HIGH or CRITICAL.
                string("severity"),
                uuid("owner_user_id"),
                // OPEN or RESOLVED.
                string("status"),
                text_null("resolution"),
                timestamp_with_time_zone_null("resolved_at"),
                string("created_by"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_engagement_issue",
        "engagement_issue",
        by_engagement,
        false,
    )
    .await?;
    manager
        .create_table(versioned_table(
            "engagement_milestone",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                string("name"),
                date("due_on"),
                // The date agreed first (scope changes and delays move due_on).
                date("original_due_on"),
                timestamp_with_time_zone_null("completed_at"),
                string_null("completed_by"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_engagement_milestone",
        "engagement_milestone",
        by_engagement,
        false,
    )
    .await?;
    manager
        .create_table(table(
            "scope_change",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                // 1, 2, … within its engagement.
                integer("seq"),
                text("description"),
                // May be negative (scope taken out), ex-GST.
                big_integer("cost_impact_cents"),
                integer("schedule_impact_days"),
                text("risk_impact"),
                // PENDING, APPROVED, REJECTED or WITHDRAWN.
                string("status"),
                uuid("approval_id"),
                text_null("decision_reason"),
                // The plan's end date before and after an approved change.
                date_null("end_before"),
                date_null("end_after"),
                string("requested_by"),
                timestamp_with_time_zone("requested_at"),
                timestamp_with_time_zone_null("decided_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ux_scope_change",
        "scope_change",
        &["engagement_id", "seq"],
        true,
    )
    .await?;
    index(
        manager,
        "ux_scope_change_approval",
        "scope_change",
        &["approval_id"],
        true,
    )
    .await?;
    manager
        .create_table(table(
            "engagement_delay",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                string("stage_key"),
                text("reason"),
                text("mitigation"),
                date("end_before"),
                date("end_after"),
                // Business days the end moved.
                integer("delay_days"),
                boolean("significant"),
                string("recorded_by"),
                timestamp_with_time_zone("recorded_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_engagement_delay",
        "engagement_delay",
        by_engagement,
        false,
    )
    .await?;
    manager
        .create_table(table(
            "engagement_escalation",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                // OVERDUE_STAGE or SIGNIFICANT_DELAY.
                string("cause"),
                string("stage_key"),
                integer("round"),
                uuid_null("delay_id"),
                timestamp_with_time_zone("escalated_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_engagement_escalation",
        "engagement_escalation",
        by_engagement,
        false,
    )
    .await?;
    manager
        .create_table(table(
            "engagement_stage_exit",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                string("stage_key"),
                integer("round"),
                timestamp_with_time_zone("started_at"),
                timestamp_with_time_zone("due_at"),
                timestamp_with_time_zone("left_at"),
                boolean("on_time"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_engagement_stage_exit",
        "engagement_stage_exit",
        &["left_at", "id"],
        false,
    )
    .await?;
    manager
        .create_table(table(
            "nps_response",
            [
                pk_uuid("id"),
                uuid_uniq("engagement_id"),
                // 0 (not at all likely) to 10 (extremely likely).
                integer("score"),
                text_null("comment"),
                timestamp_with_time_zone("answered_at"),
            ],
        ))
        .await?;
    manager
        .create_table(versioned_table(
            "service_report",
            [
                pk_uuid("id"),
                uuid("engagement_id"),
                // The month's first day.
                date("month"),
                // JSON: [{kind: PERFORMANCE|USAGE, name, value, unit}].
                text("figures"),
                text_null("optimisation_notes"),
                string("recorded_by"),
            ],
        ))
        .await?;
    index(
        manager,
        "ux_service_report",
        "service_report",
        &["engagement_id", "month"],
        true,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(
        manager,
        &[
            "service_report",
            "nps_response",
            "engagement_stage_exit",
            "engagement_escalation",
            "engagement_delay",
            "scope_change",
            "engagement_milestone",
            "engagement_issue",
            "engagement_risk",
            "engagement_fee_line",
        ],
    )
    .await?;
    for column in ["escalation_grace_hours", "significant_delay_days"] {
        drop_column(manager, "business_settings", column).await?;
    }
    for column in [
        "lessons_learned",
        "lessons_recorded_by",
        "lessons_recorded_at",
        "closed_at",
    ] {
        drop_column(manager, "engagement", column).await?;
    }
    Ok(())
}
