//! Connection and write-transaction helpers shared by every use case.

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Open a pool for `url` (sqlite: or postgres:).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        .max_connections(if url.starts_with("sqlite") { 8 } else { 20 });
    let mut db = Database::connect(opts).await?;
    db.set_metric_callback(statements::observe);
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL (a property of the file) lets readers run beside the one writer.
        // sqlx already sets busy_timeout and foreign_keys on every connection.
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
