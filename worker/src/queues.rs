//! The job queues: apalis SQLite storage in the app's own file (embedded) or
//! apalis-redis (production). Queue names are explicit and prefixed, never
//! the Rust type path.

use crate::payloads::{OutboxJob, SendNotification};
use apalis::prelude::{TaskBuilder, TaskSink};
use apalis_redis::{ConnectionManager, RedisStorage};
use apalis_sqlite::{SqlitePool, SqliteStorage};
use chrono::{DateTime, Utc};

pub const OUTBOX_QUEUE: &str = "outbox";
pub const EMAIL_QUEUE: &str = "email";

pub fn queue_name(prefix: &str, queue: &str) -> String {
    format!("{prefix}:{queue}")
}

// Built once per process and cloned cheaply; the size difference between
// the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum Queues {
    Sqlite {
        db: sea_orm::DatabaseConnection,
        outbox: SqliteStorage<OutboxJob>,
        send: SqliteStorage<SendNotification>,
    },
    Redis {
        conn: ConnectionManager,
        outbox: RedisStorage<OutboxJob>,
        send: RedisStorage<SendNotification>,
        outbox_config: apalis_redis::Config,
        send_config: apalis_redis::Config,
    },
}

/// Jobs one fetch takes. apalis's default of 10 per poll capped a queue at
/// 10 jobs per relay interval (20/s) when a backlog waited (BENCHMARKS.md, P5).
const FETCH_BATCH: usize = 100;

/// How often an embedded-mode job worker proves it is alive (see `sqlite`).
const SQLITE_HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(2);

impl Queues {
    /// Queues in the app's SQLite file (creates apalis's tables).
    pub async fn sqlite(db: &sea_orm::DatabaseConnection, prefix: &str) -> anyhow::Result<Queues> {
        let pool: &SqlitePool = db.get_sqlite_connection_pool();
        SqliteStorage::setup(pool)
            .await
            .map_err(|e| anyhow::anyhow!("setting up the SQLite job tables: {e}"))?;
        // apalis-sqlite 1.0 can miss the wake-up of an idle worker after a
        // batch (seen: no fetch for 30 s while jobs waited, until the next
        // heartbeat woke it). A short heartbeat bounds that stall; it is one
        // small write per worker, and a dead worker's jobs return after two.
        let config = |q: &str| {
            apalis_sqlite::Config::default()
                .queue(queue_name(prefix, q))
                .heartbeat_interval(SQLITE_HEARTBEAT)
                .batch_size(FETCH_BATCH)
        };
        Ok(Queues::Sqlite {
            db: db.clone(),
            outbox: SqliteStorage::new(pool).with_config(config(OUTBOX_QUEUE)),
            send: SqliteStorage::new(pool).with_config(config(EMAIL_QUEUE)),
        })
    }

    /// Queues on Redis.
    pub async fn redis(url: &str, prefix: &str) -> anyhow::Result<Queues> {
        let conn = apalis_redis::connect(url)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to Redis (REDIS_URL): {e}"))?;
        // Results are kept in our own tables; don't let done sets grow forever.
        let config = |q: &str| {
            apalis_redis::Config::default()
                .queue(queue_name(prefix, q))
                .persist_results(false)
                .batch_size(FETCH_BATCH)
        };
        let (outbox_config, send_config) = (config(OUTBOX_QUEUE), config(EMAIL_QUEUE));
        Ok(Queues::Redis {
            outbox: RedisStorage::new(conn.clone()).with_config(outbox_config.clone()),
            send: RedisStorage::new(conn.clone()).with_config(send_config.clone()),
            conn,
            outbox_config,
            send_config,
        })
    }

    pub async fn push_outbox(&self, job: OutboxJob) -> Result<(), String> {
        match self {
            Queues::Sqlite { outbox, .. } => {
                outbox.clone().push(job).await.map_err(|e| e.to_string())
            }
            Queues::Redis { outbox, .. } => {
                outbox.clone().push(job).await.map_err(|e| e.to_string())
            }
        }
    }

    /// Queue a send, not before `run_at` when given (backoff that survives a
    /// crash: it lives in the queue, not in a sleeping task).
    pub async fn push_send(
        &self,
        job: SendNotification,
        run_at: Option<DateTime<Utc>>,
    ) -> Result<(), String> {
        let mut task = TaskBuilder::new(job);
        if let Some(at) = run_at {
            task = task.run_at_timestamp(at.timestamp().max(0) as u64);
        }
        let task = task.build();
        match self {
            Queues::Sqlite { send, .. } => send
                .clone()
                .push_task(task)
                .await
                .map_err(|e| e.to_string()),
            Queues::Redis { send, .. } => send
                .clone()
                .push_task(task)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// Forget finished job rows older than `before` (the SQLite queue keeps a
    /// row per job until then). The Redis queue is not trimmed here yet: it
    /// keeps each job's payload in its `{queue}:data` hash.
    pub async fn purge_finished(&self, before: DateTime<Utc>) -> Result<u64, String> {
        let Queues::Sqlite { db, .. } = self else {
            return Ok(0);
        };
        use sea_orm::ConnectionTrait;
        let result = db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Sqlite,
                "DELETE FROM Jobs WHERE status = 'Done' AND done_at < ?",
                [before.timestamp().into()],
            ))
            .await
            .map_err(|e| e.to_string())?;
        Ok(result.rows_affected())
    }

    /// Jobs waiting (for metrics); `None` when it cannot be read.
    pub async fn depth(&self) -> Option<u64> {
        match self {
            Queues::Sqlite { db, .. } => {
                use sea_orm::ConnectionTrait;
                let row = db
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Sqlite,
                        "SELECT COUNT(*) AS n FROM Jobs WHERE status IN ('Pending', 'Running', 'Queued')",
                    ))
                    .await
                    .ok()??;
                row.try_get::<i64>("", "n").ok().map(|n| n.max(0) as u64)
            }
            Queues::Redis {
                conn,
                outbox_config,
                send_config,
                ..
            } => {
                let mut conn = conn.clone();
                let mut total = 0u64;
                for config in [outbox_config, send_config] {
                    let active: u64 = redis::cmd("LLEN")
                        .arg(config.active_jobs_list())
                        .query_async(&mut conn)
                        .await
                        .ok()?;
                    let scheduled: u64 = redis::cmd("ZCARD")
                        .arg(config.scheduled_jobs_set())
                        .query_async(&mut conn)
                        .await
                        .ok()?;
                    total += active + scheduled;
                }
                Some(total)
            }
        }
    }

    /// Is the queue backend reachable? (readiness)
    pub async fn ping(&self) -> Result<(), String> {
        match self {
            Queues::Sqlite { db, .. } => db.ping().await.map_err(|e| e.to_string()),
            Queues::Redis { conn, .. } => {
                let mut conn = conn.clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }
}
