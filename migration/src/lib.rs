//! Schema migrations, written with table and column names only, so an old
//! migration never changes when an entity does.

pub use sea_orm_migration::prelude::*;

mod kit;
mod m20261123_000001_core;
mod m20261123_000002_users;
mod m20261123_000003_jobs;
mod m20261202_000004_hardening;
pub mod m20261204_000005_business_time;
pub mod m20261204_000006_approvals;
mod m20261204_000007_catalogue;
mod m20261204_000008_orders;
mod m20261204_000009_order_late_risk;
mod m20261204_000010_invoices;
mod m20261204_000011_adjustment_notes;
mod m20261204_000012_payments;
mod m20261204_000013_refunds;
mod m20261204_000014_gst_basis;
mod m20261205_000015_fulfilment;
mod m20261205_000016_closeout;
mod m20261205_000017_purchasing;
mod m20261205_000018_drop_ship_closeout;
mod m20261205_000019_engagements;
mod m20261205_000020_deliverables;
mod m20261206_000021_engagement_control;
mod m20261206_000022_support;
mod m20261206_000023_sla_alarms;
mod m20261206_000024_product_safety;
mod m20261206_000025_claims_returns;
mod m20261206_000026_webhooks;
mod m20261206_000027_customer_email;
mod m20261206_000028_returns_address;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_core::Migration),
            Box::new(m20261123_000002_users::Migration),
            Box::new(m20261123_000003_jobs::Migration),
            Box::new(m20261202_000004_hardening::Migration),
            Box::new(m20261204_000005_business_time::Migration),
            Box::new(m20261204_000006_approvals::Migration),
            Box::new(m20261204_000007_catalogue::Migration),
            Box::new(m20261204_000008_orders::Migration),
            Box::new(m20261204_000009_order_late_risk::Migration),
            Box::new(m20261204_000010_invoices::Migration),
            Box::new(m20261204_000011_adjustment_notes::Migration),
            Box::new(m20261204_000012_payments::Migration),
            Box::new(m20261204_000013_refunds::Migration),
            Box::new(m20261204_000014_gst_basis::Migration),
            Box::new(m20261205_000015_fulfilment::Migration),
            Box::new(m20261205_000016_closeout::Migration),
            Box::new(m20261205_000017_purchasing::Migration),
            Box::new(m20261205_000018_drop_ship_closeout::Migration),
            Box::new(m20261205_000019_engagements::Migration),
            Box::new(m20261205_000020_deliverables::Migration),
            Box::new(m20261206_000021_engagement_control::Migration),
            Box::new(m20261206_000022_support::Migration),
            Box::new(m20261206_000023_sla_alarms::Migration),
            Box::new(m20261206_000024_product_safety::Migration),
            Box::new(m20261206_000025_claims_returns::Migration),
            Box::new(m20261206_000026_webhooks::Migration),
            Box::new(m20261206_000027_customer_email::Migration),
            Box::new(m20261206_000028_returns_address::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migration's name is its identity in `seaql_migrations`: renaming one
    /// would run it again on every existing database.
    #[test]
    fn migration_names_are_their_file_stems() {
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "m20261123_000001_core",
                "m20261123_000002_users",
                "m20261123_000003_jobs",
                "m20261202_000004_hardening",
                "m20261204_000005_business_time",
                "m20261204_000006_approvals",
                "m20261204_000007_catalogue",
                "m20261204_000008_orders",
                "m20261204_000009_order_late_risk",
                "m20261204_000010_invoices",
                "m20261204_000011_adjustment_notes",
                "m20261204_000012_payments",
                "m20261204_000013_refunds",
                "m20261204_000014_gst_basis",
                "m20261205_000015_fulfilment",
                "m20261205_000016_closeout",
                "m20261205_000017_purchasing",
                "m20261205_000018_drop_ship_closeout",
                "m20261205_000019_engagements",
                "m20261205_000020_deliverables",
                "m20261206_000021_engagement_control",
                "m20261206_000022_support",
                "m20261206_000023_sla_alarms",
                "m20261206_000024_product_safety",
                "m20261206_000025_claims_returns",
                "m20261206_000026_webhooks",
                "m20261206_000027_customer_email",
                "m20261206_000028_returns_address"
            ]
        );
    }
}
