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

/// Changes to the business settings (ADMIN); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    pub expected_version: i32,
    pub legal_name: Option<String>,
    pub abn: crate::customers::Patch<String>,
    pub gst_registered: Option<bool>,
    /// PER_LINE or PER_INVOICE.
    pub gst_rounding: Option<String>,
    pub mail_from: Option<String>,
    pub public_base_url: Option<String>,
    pub timezone: Option<String>,
}

#[derive(serde::Serialize)]
struct Snapshot<'a> {
    legal_name: &'a str,
    abn: Option<&'a str>,
    gst_registered: bool,
    gst_rounding: &'a str,
    mail_from: &'a str,
    public_base_url: &'a str,
    timezone: &'a str,
    version: i32,
}

impl<'a> From<&'a business_settings::Model> for Snapshot<'a> {
    fn from(m: &'a business_settings::Model) -> Self {
        Snapshot {
            legal_name: &m.legal_name,
            abn: m.abn.as_deref(),
            gst_registered: m.gst_registered,
            gst_rounding: &m.gst_rounding,
            mail_from: &m.mail_from,
            public_base_url: &m.public_base_url,
            timezone: &m.timezone,
            version: m.version,
        }
    }
}

/// Change the settings if `expected_version` is current; every bad field is
/// reported at once and nothing is written.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    ctx: &crate::context::Ctx,
    input: &SettingsUpdate,
) -> Result<business_settings::Model, crate::error::DomainError> {
    use crate::customers::Patch;
    use crate::error::{DomainError, ErrorCode, FieldError};
    use sea_orm::{ColumnTrait, QueryFilter, Unchanged};

    crate::access::Permission::ManageSettings.require(ctx)?;
    let mut errors = Vec::new();
    let legal_name = match input.legal_name.as_deref().map(str::trim) {
        Some("") => {
            errors.push(FieldError::new(
                &["legalName"],
                ErrorCode::Required,
                "legal name is required",
            ));
            None
        }
        other => other.map(str::to_owned),
    };
    let abn = match &input.abn {
        Patch::Set(raw) if !raw.trim().is_empty() => match crate::rules::abn::Abn::parse(raw) {
            Ok(a) => Patch::Set(a.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::from_value("abn", e));
                Patch::Keep
            }
        },
        Patch::Set(_) | Patch::Clear => Patch::Clear,
        Patch::Keep => Patch::Keep,
    };
    if let Some(rounding) = &input.gst_rounding
        && rounding != "PER_LINE"
        && rounding != "PER_INVOICE"
    {
        errors.push(FieldError::new(
            &["gstRounding"],
            ErrorCode::OutOfRange,
            "PER_LINE or PER_INVOICE",
        ));
    }
    if let Some(from) = &input.mail_from
        && !from.contains('@')
    {
        errors.push(FieldError::new(
            &["mailFrom"],
            ErrorCode::InvalidEmail,
            "an address like 'Shop <orders@shop.com.au>'",
        ));
    }
    if let Some(url) = &input.public_base_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        errors.push(FieldError::new(
            &["publicBaseUrl"],
            ErrorCode::OutOfRange,
            "must start with https:// or http://",
        ));
    }
    if let Some(tz) = &input.timezone
        && tz.parse::<chrono_tz::Tz>().is_err()
    {
        errors.push(FieldError::new(
            &["timezone"],
            ErrorCode::OutOfRange,
            format!("'{tz}' is not an IANA timezone"),
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Rejected(errors));
    }

    let txn = crate::db::begin_write(db).await?;
    let before = current(&txn).await?;
    let changed = business_settings::ActiveModel {
        id: Unchanged(SETTINGS_ID),
        legal_name: Set(legal_name.unwrap_or_else(|| before.legal_name.clone())),
        abn: Set(match abn {
            Patch::Keep => before.abn.clone(),
            Patch::Clear => None,
            Patch::Set(a) => Some(a),
        }),
        gst_registered: Set(input.gst_registered.unwrap_or(before.gst_registered)),
        gst_rounding: Set(input
            .gst_rounding
            .clone()
            .unwrap_or_else(|| before.gst_rounding.clone())),
        mail_from: Set(input
            .mail_from
            .clone()
            .unwrap_or_else(|| before.mail_from.clone())),
        public_base_url: Set(input
            .public_base_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| before.public_base_url.clone())),
        timezone: Set(input
            .timezone
            .clone()
            .unwrap_or_else(|| before.timezone.clone())),
        version: Set(input.expected_version + 1),
        updated_at: Set(ctx.clock.now()),
        ..Default::default()
    };
    let after = match business_settings::Entity::update(changed)
        .validate()?
        .filter(business_settings::Column::Version.eq(input.expected_version))
        .exec(&txn)
        .await
    {
        Err(DbErr::RecordNotUpdated) => return Err(DomainError::conflict()),
        other => other?,
    };
    crate::audit::append(
        &txn,
        ctx,
        "business_settings",
        uuid::Uuid::nil(),
        "settings.updated",
        Some(&Snapshot::from(&before)),
        Some(&Snapshot::from(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
