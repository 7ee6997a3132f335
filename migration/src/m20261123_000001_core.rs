//! Core tables: business settings, party, audit entry, outbox, idempotency key.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("business_settings")
                    .col(integer("id").primary_key())
                    .col(string("legal_name"))
                    .col(string_null("abn"))
                    .col(boolean("gst_registered"))
                    .col(string("gst_rounding"))
                    .col(string("mail_from"))
                    .col(string("public_base_url"))
                    .col(string("timezone"))
                    .col(string("support_hours_open"))
                    .col(string("support_hours_close"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("party")
                    .col(pk_uuid("id"))
                    .col(string("kind"))
                    .col(string("name"))
                    .col(string("search_text"))
                    .col(string_null("email"))
                    .col(string_null("phone"))
                    .col(string_null("abn"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_party_kind_id")
                    .table("party")
                    .col("kind")
                    .col("id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_entry")
                    .col(pk_uuid("id"))
                    .col(string("subject_type"))
                    .col(uuid("subject_id"))
                    .col(string("action"))
                    .col(string("actor_id"))
                    .col(string("actor_role"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_entry_subject")
                    .table("audit_entry")
                    .col("subject_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("outbox")
                    .col(pk_uuid("id"))
                    .col(string("topic"))
                    .col(uuid("subject_id"))
                    .col(text("payload"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(string_null("lease_owner"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("relayed_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_status_id")
                    .table("outbox")
                    .col("status")
                    .col("id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("idempotency_key")
                    .col(pk_uuid("id"))
                    .col(string("scope"))
                    .col(string("key"))
                    .col(string("request_hash"))
                    .col(text_null("response"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_key_scope_key")
                    .table("idempotency_key")
                    .col("scope")
                    .col("key")
                    .unique()
                    .to_owned(),
            )
            .await?;

        // The audit trail is append-only: the database refuses edits and deletes too.
        let backend = manager.get_database_backend();
        let guard = match backend {
            sea_orm::DatabaseBackend::Sqlite => vec![
                "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry \
                 BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
                    .to_owned(),
                "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry \
                 BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
                    .to_owned(),
            ],
            _ => vec![
                "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$"
                    .to_owned(),
                "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry \
                 FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
                    .to_owned(),
            ],
        };
        let conn = manager.get_connection();
        for sql in guard {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "idempotency_key",
            "outbox",
            "audit_entry",
            "party",
            "business_settings",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_entry_append_only()")
                .await?;
        }
        Ok(())
    }
}
