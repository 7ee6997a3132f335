//! Schema migrations, written with table and column names only, so an old
//! migration never changes when an entity does.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_core;
mod m20261123_000002_users;
mod m20261123_000003_jobs;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_core::Migration),
            Box::new(m20261123_000002_users::Migration),
            Box::new(m20261123_000003_jobs::Migration),
        ]
    }
}
