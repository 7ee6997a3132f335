//! Every migration's `down` undoes its `up`: all the way down leaves only the
//! migrations table, and up again gives the same schema as the first time.
//! On SQLite always; on PostgreSQL too when `TEST_DATABASE_URL` is set.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

/// The schema as rows of text, in a stable order.
async fn schema(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS row FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        }
        _ => {
            "SELECT row FROM ( \
               SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' \
                 || is_nullable || ' ' || COALESCE(column_default, '') AS row \
               FROM information_schema.columns WHERE table_schema = 'public' \
               UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
               UNION ALL SELECT 'trigger ' || event_object_table || ' ' || trigger_name || ' ' \
                 || event_manipulation FROM information_schema.triggers \
               UNION ALL SELECT 'function ' || proname FROM pg_proc p \
                 JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' \
             ) s ORDER BY row"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("read schema");
    rows.iter()
        .map(|r| r.try_get::<String>("", "row").expect("row text"))
        .collect()
}

async fn down_then_up_again(db: &DatabaseConnection) {
    Migrator::up(db, None).await.expect("up");
    let first = schema(db).await;
    assert!(first.iter().any(|r| r.contains("sales_order")), "{first:?}");

    Migrator::down(db, None).await.expect("all the way down");
    let left: Vec<String> = schema(db)
        .await
        .into_iter()
        .filter(|r| !r.contains("seaql_migrations"))
        .collect();
    assert!(left.is_empty(), "down left behind: {left:#?}");

    Migrator::up(db, None).await.expect("up again");
    assert_eq!(schema(db).await, first, "up after down differs");
}

#[tokio::test]
async fn on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let db = Database::connect(url).await.expect("connect");
    down_then_up_again(&db).await;
}

#[tokio::test]
async fn on_postgres_when_configured() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    let admin = Database::connect(&admin_url).await.expect("connect admin");
    let name = format!("migration_round_trip_{}", std::process::id());
    let create = format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}");
    for statement in create.split("; ") {
        admin.execute_unprepared(statement).await.expect(statement);
    }
    let base = admin_url.rsplit_once('/').expect("a database in the URL").0;
    let db = Database::connect(format!("{base}/{name}"))
        .await
        .expect("connect");
    down_then_up_again(&db).await;
    db.close().await.expect("close");
    admin
        .execute_unprepared(&format!("DROP DATABASE {name}"))
        .await
        .expect("drop");
}
