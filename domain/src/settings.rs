//! The business this deployment serves: one settings row, seeded from
//! configuration on first start and edited by ADMIN afterwards.

use crate::config::Config;
use chrono::Utc;
use entity::business_settings;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

pub const SETTINGS_ID: i32 = 1;

/// Insert the settings row if there is none; an existing row is left alone,
/// so ADMIN edits survive restarts.
pub async fn ensure_seeded<C: ConnectionTrait>(
    conn: &C,
    config: &Config,
) -> Result<business_settings::Model, DbErr> {
    if let Some(row) = business_settings::Entity::find_by_id(SETTINGS_ID)
        .one(conn)
        .await?
    {
        return Ok(row);
    }
    let row = business_settings::ActiveModel {
        id: Set(SETTINGS_ID),
        legal_name: Set(config.seller_name.clone()),
        abn: Set(config.seller_abn.as_ref().map(|a| a.as_str().to_owned())),
        gst_registered: Set(true),
        gst_rounding: Set("PER_LINE".into()),
        mail_from: Set(config.mail_from.clone()),
        public_base_url: Set(config.public_base_url.clone()),
        timezone: Set("Australia/Sydney".into()),
        support_hours_open: Set("09:00".into()),
        support_hours_close: Set("17:00".into()),
        version: Set(1),
        updated_at: Set(Utc::now()),
    };
    // Two processes may start at once: a lost insert race is fine.
    match business_settings::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec(conn)
        .await
    {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e),
    }
    business_settings::Entity::find_by_id(SETTINGS_ID)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("business_settings".into()))
}

/// The settings row (seeded at start-up).
pub async fn current<C: ConnectionTrait>(conn: &C) -> Result<business_settings::Model, DbErr> {
    business_settings::Entity::find_by_id(SETTINGS_ID)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("business_settings".into()))
}
