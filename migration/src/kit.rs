//! Small builders the migrations share, so a table reads as its columns and a
//! new migration does not repeat the statement plumbing.

use sea_orm_migration::{prelude::*, schema};

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

/// `CREATE TABLE name (columns…, version, created_at, updated_at)`: a record
/// staff change under optimistic locking ends with the bookkeeping every such
/// record carries (Rails' `t.timestamps`), declared once here.
pub fn versioned_table(
    name: &'static str,
    columns: impl IntoIterator<Item = ColumnDef>,
) -> TableCreateStatement {
    let bookkeeping = [
        schema::integer("version"),
        schema::timestamp_with_time_zone("created_at"),
        schema::timestamp_with_time_zone("updated_at"),
    ];
    table(name, columns.into_iter().chain(bookkeeping))
}

/// Start the numbering of a document kind (`INV-000001`, …) at 1.
pub async fn add_counter(manager: &SchemaManager<'_>, name: &'static str) -> Result<(), DbErr> {
    let seed = Query::insert()
        .into_table("document_counter")
        .columns(["name", "next_value"])
        .values_panic([name.into(), 1_i64.into()])
        .to_owned();
    manager.exec_stmt(seed).await
}

/// Forget the numbering of document kinds (undoing [`add_counter`]).
pub async fn remove_counters(
    manager: &SchemaManager<'_>,
    names: &[&'static str],
) -> Result<(), DbErr> {
    let forget = Query::delete()
        .from_table("document_counter")
        .and_where(Expr::col("name").is_in(names.iter().copied()))
        .to_owned();
    manager.exec_stmt(forget).await
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

/// `ALTER TABLE table ADD COLUMN column` (one column a statement, as SQLite
/// requires).
pub async fn add_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    column: impl IntoColumnDef,
) -> Result<(), DbErr> {
    let add = Table::alter().table(table).add_column(column).to_owned();
    manager.alter_table(add).await
}

/// `ALTER TABLE table DROP COLUMN column` (undoing [`add_column`]).
pub async fn drop_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    column: &'static str,
) -> Result<(), DbErr> {
    let drop = Table::alter().table(table).drop_column(column).to_owned();
    manager.alter_table(drop).await
}

/// Drop the index `name` on `table` (undoing [`index`]).
pub async fn drop_index(
    manager: &SchemaManager<'_>,
    name: &'static str,
    table: &'static str,
) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(table).to_owned())
        .await
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

/// Let `columns` of `table` hold NULL. PostgreSQL alters them in place;
/// SQLite cannot, so the table is rebuilt from its own stored definition
/// with those columns' `NOT NULL` removed (SQLite's documented 12-step
/// way), its rows copied and its indexes recreated.
pub async fn drop_not_null(
    manager: &SchemaManager<'_>,
    table: &str,
    columns: &[&str],
) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        for column in columns {
            conn.execute_unprepared(&format!(
                "ALTER TABLE \"{table}\" ALTER COLUMN \"{column}\" DROP NOT NULL"
            ))
            .await?;
        }
        return Ok(());
    }
    let stored = |kind: &str| {
        sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL",
            [kind.into(), table.into()],
        )
    };
    let rows = conn.query_all_raw(stored("table")).await?;
    let create: String = rows
        .first()
        .ok_or_else(|| DbErr::Migration(format!("table {table} not found")))?
        .try_get("", "sql")?;
    let indexes: Vec<String> = conn
        .query_all_raw(stored("index"))
        .await?
        .iter()
        .map(|r| r.try_get("", "sql"))
        .collect::<Result<_, _>>()?;
    let rebuilt = nullable_columns(&create, columns)?;
    let temporary = format!("{table}__rebuilt");
    let rebuilt = rebuilt.replacen(&format!("\"{table}\""), &format!("\"{temporary}\""), 1);
    conn.execute_unprepared(&rebuilt).await?;
    conn.execute_unprepared(&format!(
        "INSERT INTO \"{temporary}\" SELECT * FROM \"{table}\""
    ))
    .await?;
    conn.execute_unprepared(&format!("DROP TABLE \"{table}\""))
        .await?;
    conn.execute_unprepared(&format!(
        "ALTER TABLE \"{temporary}\" RENAME TO \"{table}\""
    ))
    .await?;
    for index in indexes {
        conn.execute_unprepared(&index).await?;
    }
    Ok(())
}

/// A `CREATE TABLE` statement with `NOT NULL` removed from `columns`.
fn nullable_columns(create: &str, columns: &[&str]) -> Result<String, DbErr> {
    let mut out = create.to_owned();
    for column in columns {
        let name = format!("\"{column}\" ");
        let start = out
            .find(&name)
            .ok_or_else(|| DbErr::Migration(format!("column {column} not found")))?;
        let end = start + out[start..].find([',', ')']).unwrap_or(out.len() - start);
        let definition = out[start..end].replace(" NOT NULL", "");
        out.replace_range(start..end, &definition);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::nullable_columns;

    #[test]
    fn only_the_named_columns_lose_not_null() {
        let create = r#"CREATE TABLE "shipment" ( "id" uuid_text NOT NULL PRIMARY KEY, "location_id" uuid_text NOT NULL, "number" varchar NOT NULL UNIQUE )"#;
        assert_eq!(
            nullable_columns(create, &["location_id"]).unwrap(),
            r#"CREATE TABLE "shipment" ( "id" uuid_text NOT NULL PRIMARY KEY, "location_id" uuid_text, "number" varchar NOT NULL UNIQUE )"#
        );
        assert!(nullable_columns(create, &["missing"]).is_err());
    }
}
