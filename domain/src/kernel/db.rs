//! Connection and write-transaction helpers shared by every use case.

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// Open a pool for `url` (sqlite: or postgres:).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let sqlite = url.starts_with("sqlite");
    let mut opts = ConnectOptions::new(url.to_owned());
    // SQLite has one writer at a time, so a burst of writes queues behind it:
    // waiting its turn (for a pooled connection, then for the write lock) must
    // outlast the burst, or a write fails that would have run a moment later.
    let wait = Duration::from_secs(if sqlite { 30 } else { 10 });
    opts.sqlx_logging(false)
        .acquire_timeout(wait)
        .max_connections(if sqlite { 8 } else { 20 })
        .map_sqlx_sqlite_opts(move |o| o.busy_timeout(wait));
    let mut db = Database::connect(opts).await?;
    db.set_metric_callback(statements::observe);
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL (a property of the file) lets readers run beside the one writer.
        // sqlx sets foreign_keys on every connection (busy_timeout above).
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    }
    Ok(db)
}

/// Begin a transaction that will write. On SQLite it takes the write lock up
/// front (IMMEDIATE), so it never fails upgrading a read lock with SQLITE_BUSY.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// Declare a read of one row by id with no permission check (the worker's
/// and the loaders' read): `find_by_id! { pub fn find -> recall }`.
#[macro_export]
macro_rules! find_by_id {
    ($(#[$meta:meta])* $vis:vis fn $name:ident -> $table:ident) => {
        $(#[$meta])*
        $vis async fn $name<C: sea_orm::ConnectionTrait>(
            conn: &C,
            id: uuid::Uuid,
        ) -> Result<Option<entity::$table::Model>, sea_orm::DbErr> {
            <entity::$table::Entity as sea_orm::EntityTrait>::find_by_id(id)
                .one(conn)
                .await
        }
    };
}

/// Rows that belong to a parent record (an engagement's risks, an order's
/// lines): the column naming the parent and the order within a parent,
/// declared once per table with [`children!`](crate::children).
pub trait ChildRows: EntityTrait {
    /// The column holding the parent's id.
    const PARENT: Self::Column;
    /// How the rows of one parent are sorted.
    const ORDER: &'static [Self::Column];
    /// The parent a row belongs to.
    fn parent_of(row: &Self::Model) -> Uuid;
}

/// Declare tables' rows as children of a parent:
/// `children! { engagement_risk: EngagementId / engagement_id by Id; }`
/// (table: parent column / its field by the sort columns).
#[macro_export]
macro_rules! children {
    ($($table:ident: $column:ident / $field:ident by $($order:ident),+;)*) => {$(
        impl $crate::kernel::db::ChildRows for entity::$table::Entity {
            const PARENT: entity::$table::Column = entity::$table::Column::$column;
            const ORDER: &'static [entity::$table::Column] =
                &[$(entity::$table::Column::$order),+];
            fn parent_of(row: &entity::$table::Model) -> uuid::Uuid {
                row.$field
            }
        }
    )*};
}

/// The rows of `E` belonging to any of `parents`, grouped by parent and
/// sorted as `E` declares: one query for a page of parents, as DataLoaders
/// want.
pub async fn children_of<E, C>(
    conn: &C,
    parents: &[Uuid],
) -> Result<HashMap<Uuid, Vec<E::Model>>, DbErr>
where
    E: ChildRows,
    C: ConnectionTrait,
{
    let mut query = E::find().filter(sea_orm::ColumnTrait::is_in(
        &E::PARENT,
        parents.iter().copied(),
    ));
    for column in E::ORDER {
        query = query.order_by_asc(*column);
    }
    grouped(conn, query, E::parent_of).await
}

/// How many rows of `E` belong to `parent`.
pub async fn count_children<E, C>(conn: &C, parent: Uuid) -> Result<u64, DbErr>
where
    E: ChildRows,
    E::Model: Sync,
    C: ConnectionTrait,
{
    sea_orm::PaginatorTrait::count(
        E::find().filter(sea_orm::ColumnTrait::eq(&E::PARENT, parent)),
        conn,
    )
    .await
}

/// The rows `query` finds, grouped by the parent `parent_of` reads from each
/// (in the query's order within each parent).
pub async fn grouped<E, C>(
    conn: &C,
    query: sea_orm::Select<E>,
    parent_of: fn(&E::Model) -> Uuid,
) -> Result<HashMap<Uuid, Vec<E::Model>>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    Ok(group_rows(query.all(conn).await?, parent_of))
}

/// `rows` grouped by the parent `parent_of` reads from each, in their order.
pub fn group_rows<M>(rows: Vec<M>, parent_of: fn(&M) -> Uuid) -> HashMap<Uuid, Vec<M>> {
    let mut out: HashMap<Uuid, Vec<M>> = HashMap::new();
    for row in rows {
        out.entry(parent_of(&row)).or_default().push(row);
    }
    out
}

/// Counting the statements that touch given tables, so a test can hold a
/// read to a fixed number of queries (DataLoader batching). Off unless a
/// watch is running; one watch at a time per process. A running total of
/// every statement is always kept (one relaxed atomic add) for benchmarks.
pub mod statements {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    struct Watch {
        tables: Vec<String>,
        seen: Vec<String>,
    }

    static WATCH: Mutex<Option<Watch>> = Mutex::new(None);
    /// Whether a watch runs: read on every statement, so the mutex is only
    /// taken while a test watches.
    static WATCHING: AtomicBool = AtomicBool::new(false);
    static TOTAL: AtomicU64 = AtomicU64::new(0);

    /// Statements this process has run since it started.
    pub fn total() -> u64 {
        TOTAL.load(Ordering::Relaxed)
    }

    pub(super) fn observe(info: &sea_orm::metric::Info<'_>) {
        TOTAL.fetch_add(1, Ordering::Relaxed);
        if !WATCHING.load(Ordering::Acquire) {
            return;
        }
        let mut watch = WATCH.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = watch.as_mut() {
            let sql = &info.statement.sql;
            if w.tables.iter().any(|t| sql.contains(t.as_str())) {
                w.seen.push(sql.chars().take(160).collect());
            }
        }
    }

    /// Start counting statements that name any of `tables` (quoted as the
    /// query builder quotes them).
    pub fn watch(tables: &[&str]) {
        let tables = tables.iter().map(|t| format!("\"{t}\"")).collect();
        *WATCH.lock().unwrap_or_else(|e| e.into_inner()) = Some(Watch {
            tables,
            seen: Vec::new(),
        });
        WATCHING.store(true, Ordering::Release);
    }

    /// Stop counting; the statements counted (their first 160 characters).
    pub fn finish() -> Vec<String> {
        WATCHING.store(false, Ordering::Release);
        WATCH
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .map_or_else(Vec::new, |w| w.seen)
    }
}

/// A row by id, locked for update when `lock` (see [`find_for_update`]).
pub async fn find_row<E, C>(conn: &C, id: uuid::Uuid, lock: bool) -> Result<Option<E::Model>, DbErr>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<uuid::Uuid>,
{
    if lock {
        find_for_update::<E, C>(conn, id).await
    } else {
        E::find_by_id(id).one(conn).await
    }
}

/// A row by id, locked until this transaction ends on PostgreSQL, so two
/// writers of one record queue (SQLite's write transaction already holds
/// the whole database).
pub async fn find_for_update<E, C>(conn: &C, id: uuid::Uuid) -> Result<Option<E::Model>, DbErr>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<uuid::Uuid>,
{
    use sea_orm::QuerySelect;
    let mut query = E::find_by_id(id);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query.one(conn).await
}
