//! Consumer-guarantee claims (AU-RULES "Consumer guarantees") with the
//! remedy the law allows and how it was delivered, returns (RMA) with
//! their lines and inspection, the business's return policy and its
//! reasonable time for a minor failure's remedy, and recall notices for
//! guest buyers (no customer record, an address only).

use crate::kit::{
    add_column, add_counter, drop_column, drop_index, drop_not_null, drop_tables, index,
    remove_counters, table, versioned_table,
};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "guarantee_claim",
            [
                pk_uuid("id"),
                string_uniq("number"),
                // The buyer (none for a guest order's claim lodged by staff).
                uuid_null("customer_id"),
                // GOODS: an order line (and its order); SERVICES: an
                // engagement, or an order's service line.
                string("supply"),
                uuid_null("order_id"),
                uuid_null("order_line_id"),
                uuid_null("engagement_id"),
                integer("quantity"),
                string("guarantee"),
                text("facts"),
                // LODGED → AWAITING_REMEDY → REMEDY_IN_PROGRESS → REMEDIED,
                // or NOT_FAILED (assessed: no guarantee failed) or WITHDRAWN.
                string("status"),
                // MAJOR or MINOR once assessed, with the reasons it is major
                // (JSON array) and staff's reason in words.
                string_null("severity"),
                text("major_reasons"),
                text_null("assessment_reason"),
                // Who chooses the remedy now (CUSTOMER or SUPPLIER), and
                // whether the supplier let a minor failure's reasonable time
                // pass (the choice is then the customer's).
                string_null("chooser"),
                boolean("supplier_failed_to_remedy"),
                timestamp_with_time_zone_null("remedy_due_at"),
                string_null("remedy"),
                timestamp_with_time_zone_null("remedy_chosen_at"),
                // Money back (refund, compensation, the cost of a fix
                // elsewhere), in cents incl. GST.
                big_integer_null("remedy_amount_cents"),
                // How the remedy runs: a card refund, a REFUND approval on
                // the claim itself (paid outside the hub), a replacement
                // order, a repair's note.
                uuid_null("refund_id"),
                uuid_null("approval_id"),
                uuid_null("adjustment_note_id"),
                uuid_null("replacement_order_id"),
                text_null("remedy_note"),
                timestamp_with_time_zone_null("remedied_at"),
                string("lodged_by"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_claim_customer",
        "guarantee_claim",
        &["customer_id"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_claim_order",
        "guarantee_claim",
        &["order_id"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_claim_status",
        "guarantee_claim",
        &["status"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_claim_refund",
        "guarantee_claim",
        &["refund_id"],
        false,
    )
    .await?;
    manager
        .create_table(versioned_table(
            "return_request",
            [
                pk_uuid("id"),
                string_uniq("number"),
                uuid("order_id"),
                uuid_null("customer_id"),
                // WRONG_ITEM, DAMAGED_IN_TRANSIT, FAULTY or CHANGE_OF_MIND.
                string("reason"),
                text("details"),
                // What the customer asks for: REFUND or REPLACEMENT.
                string("resolution"),
                // REQUESTED → APPROVED → RECEIVED → REFUNDING/REPLACING →
                // COMPLETED, or REJECTED / CANCELLED.
                string("status"),
                text_null("instructions"),
                text_null("decision_reason"),
                string_null("decided_by"),
                timestamp_with_time_zone_null("decided_at"),
                timestamp_with_time_zone_null("received_at"),
                uuid_null("refund_id"),
                uuid_null("approval_id"),
                uuid_null("adjustment_note_id"),
                uuid_null("replacement_order_id"),
                timestamp_with_time_zone_null("completed_at"),
                string("requested_by"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_return_customer",
        "return_request",
        &["customer_id"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_return_order",
        "return_request",
        &["order_id"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_return_status",
        "return_request",
        &["status"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_return_refund",
        "return_request",
        &["refund_id"],
        false,
    )
    .await?;
    manager
        .create_table(table(
            "return_line",
            [
                pk_uuid("id"),
                uuid("return_id"),
                uuid("order_line_id"),
                uuid("product_id"),
                integer("quantity"),
                // After inspection: RESTOCK (a warehouse) or QUARANTINE.
                string_null("disposition"),
                uuid_null("location_id"),
                string_null("batch_code"),
                text_null("inspection_note"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_return_line_return",
        "return_line",
        &["return_id"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_return_line_order_line",
        "return_line",
        &["order_line_id"],
        false,
    )
    .await?;
    // Each step of a claim or return as its customer follows it (and the
    // subject of the email telling them): a claim can pass a step twice,
    // e.g. choosing a remedy again after a refund was refused.
    manager
        .create_table(table(
            "remedy_step",
            [
                pk_uuid("id"),
                // "claim" or "return_request".
                string("subject_type"),
                uuid("subject_id"),
                string("step"),
                string("status_after"),
                text_null("note"),
                string("actor"),
                timestamp_with_time_zone("at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_remedy_step_subject",
        "remedy_step",
        &["subject_type", "subject_id"],
        false,
    )
    .await?;
    // A replacement supplied under a claim or return is an order of its own
    // (no charge), linked to the order it replaces.
    add_column(manager, "sales_order", uuid_null("replacement_of")).await?;
    // The business's return policy: days after delivery a change-of-mind
    // return is accepted (0: not accepted; the law does not require it),
    // and the business days it gives itself to remedy a minor failure.
    for (column, default) in [
        ("change_of_mind_return_days", 0),
        ("claim_remedy_business_days", 10),
    ] {
        add_column(
            manager,
            "business_settings",
            integer(column).default(default),
        )
        .await?;
    }
    for name in ["guarantee_claim", "return_request"] {
        add_counter(manager, name).await?;
    }
    // A guest buyer's recall notice has no customer, only its address.
    drop_not_null(manager, "recall_notice", &["customer_id"]).await?;
    index(
        manager,
        "ux_recall_notice_email",
        "recall_notice",
        &["recall_id", "email"],
        true,
    )
    .await?;
    Ok(())
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_index(manager, "ux_recall_notice_email", "recall_notice").await?;
    remove_counters(manager, &["guarantee_claim", "return_request"]).await?;
    for column in ["change_of_mind_return_days", "claim_remedy_business_days"] {
        drop_column(manager, "business_settings", column).await?;
    }
    drop_column(manager, "sales_order", "replacement_of").await?;
    drop_tables(
        manager,
        &[
            "remedy_step",
            "return_line",
            "return_request",
            "guarantee_claim",
        ],
    )
    .await
}
