//! Core tables: business settings, party, audit entry, outbox, idempotency key.

use crate::kit::{drop_tables, execute, index, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(table(
            "business_settings",
            [
                integer("id").primary_key().to_owned(),
                string("legal_name"),
                string_null("abn"),
                boolean("gst_registered"),
                string("gst_rounding"),
                string("mail_from"),
                string("public_base_url"),
                string("timezone"),
                string("support_hours_open"),
                string("support_hours_close"),
                integer("version"),
                timestamp_with_time_zone("updated_at"),
            ],
        ))
        .await?;

    manager
        .create_table(versioned_table(
            "party",
            [
                pk_uuid("id"),
                string("kind"),
                string("name"),
                string("search_text"),
                string_null("email"),
                string_null("phone"),
                string_null("abn"),
            ],
        ))
        .await?;
    index(manager, "ix_party_kind_id", "party", &["kind", "id"], false).await?;

    manager
        .create_table(table(
            "audit_entry",
            [
                pk_uuid("id"),
                string("subject_type"),
                uuid("subject_id"),
                string("action"),
                string("actor_id"),
                string("actor_role"),
                timestamp_with_time_zone("occurred_at"),
                text_null("before"),
                text_null("after"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_audit_entry_subject",
        "audit_entry",
        &["subject_id", "id"],
        false,
    )
    .await?;

    manager
        .create_table(table(
            "outbox",
            [
                pk_uuid("id"),
                string("topic"),
                uuid("subject_id"),
                text("payload"),
                string("status"),
                integer("attempts"),
                string_null("lease_owner"),
                timestamp_with_time_zone_null("lease_until"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone_null("relayed_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_outbox_status_id",
        "outbox",
        &["status", "id"],
        false,
    )
    .await?;

    manager
        .create_table(table(
            "idempotency_key",
            [
                pk_uuid("id"),
                string("scope"),
                string("key"),
                string("request_hash"),
                text_null("response"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone("expires_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ux_idempotency_key_scope_key",
        "idempotency_key",
        &["scope", "key"],
        true,
    )
    .await?;

    // The audit trail is append-only: the database refuses edits and deletes too.
    let guard: &[&str] = match manager.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => &[
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry \
             BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
            "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry \
             BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
        ],
        _ => &[
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$",
            "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry \
             FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
        ],
    };
    execute(manager, guard).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(
        manager,
        &[
            "idempotency_key",
            "outbox",
            "audit_entry",
            "party",
            "business_settings",
        ],
    )
    .await?;
    if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        execute(
            manager,
            &["DROP FUNCTION IF EXISTS audit_entry_append_only()"],
        )
        .await?;
    }
    Ok(())
}
