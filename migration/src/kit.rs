//! Small builders the migrations share, so a table reads as its columns and a
//! new migration does not repeat the statement plumbing.

use sea_orm_migration::prelude::*;

/// `CREATE TABLE name (columns…)`.
pub fn table(
    name: &'static str,
    columns: impl IntoIterator<Item = ColumnDef>,
) -> TableCreateStatement {
    let mut statement = Table::create();
    statement.table(name);
    for column in columns {
        statement.col(column);
    }
    statement.to_owned()
}

/// Create an index (unique when asked) on `table(columns…)`.
pub async fn index(
    manager: &SchemaManager<'_>,
    name: &'static str,
    table: &'static str,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(*column);
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}

/// Drop tables in the order given (dependents first).
pub async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: &[&'static str],
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(*table).to_owned())
            .await?;
    }
    Ok(())
}

/// Run raw statements in order (triggers and functions the builder lacks).
pub async fn execute(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    for sql in statements {
        conn.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Make `table` refuse every UPDATE and DELETE (issued documents, audit
/// records): a trigger on SQLite and on PostgreSQL.
pub async fn immutable(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let statements: Vec<String> = match manager.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => vec![
            format!(
                "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} \
                 BEGIN SELECT RAISE(ABORT, '{table} is never changed once issued'); END"
            ),
            format!(
                "CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} \
                 BEGIN SELECT RAISE(ABORT, '{table} is never deleted'); END"
            ),
        ],
        _ => vec![
            format!(
                "CREATE FUNCTION {table}_immutable() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION '{table} is never changed or deleted once issued'; END $$"
            ),
            format!(
                "CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {table}_immutable()"
            ),
        ],
    };
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    execute(manager, &refs).await
}

/// Undo [`immutable`] before the table is dropped (PostgreSQL keeps the function).
pub async fn drop_immutable(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        execute(
            manager,
            &[&format!(
                "DROP FUNCTION IF EXISTS {table}_immutable() CASCADE"
            )],
        )
        .await?;
    }
    Ok(())
}

/// Declares this file's `Migration`, named after the file and run in one
/// transaction on every backend (SQLite too), whose steps are the file's own
/// `up` and `down` functions.
#[macro_export]
macro_rules! transactional_migration {
    () => {
        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            fn use_transaction(&self) -> Option<bool> {
                Some(true)
            }

            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                up(manager).await
            }

            async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                down(manager).await
            }
        }
    };
}
