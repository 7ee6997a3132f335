//! The business this deployment serves: one settings row, seeded from
//! configuration on first start and edited by ADMIN afterwards.

use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Patch, Permission, Versioned, Write,
};
use crate::rules::abn::Abn;
use crate::rules::error::ValueError;
use crate::rules::money::Money;
use chrono::Utc;
pub use entity::GstRounding;
use entity::business_settings;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Set, Unchanged};

pub const SETTINGS_ID: i32 = 1;
pub const SUBJECT_TYPE: &str = "business_settings";
/// Longest returns address (a few lines).
const MAX_RETURNS_ADDRESS: usize = 500;

/// What configuration seeds the settings row with on first start.
#[derive(Debug, Clone)]
pub struct SettingsSeed {
    pub legal_name: String,
    pub abn: Option<Abn>,
    pub mail_from: String,
    pub public_base_url: String,
}

/// A settings row as the migration seeds it, for a registered seller with
/// an example name and addresses: what previews and unit tests start from
/// (overriding the fields they are about).
pub fn example() -> business_settings::Model {
    business_settings::Model {
        id: SETTINGS_ID,
        legal_name: "Harbour Homewares Pty Ltd".into(),
        abn: Some("51824753556".into()),
        gst_registered: true,
        gst_rounding: entity::GstRounding::PerLine,
        mail_from: "hello@example.com.au".into(),
        public_base_url: "https://shop.example.com.au".into(),
        timezone: "Australia/Sydney".into(),
        support_hours_open: "09:00".into(),
        support_hours_close: "17:00".into(),
        shipping_standard_cents: 995,
        shipping_express_cents: 1995,
        shipping_overnight_cents: 3495,
        reservation_hold_hours: 48,
        gst_basis: entity::GstBasis::Accrual,
        follow_up_kind: entity::FollowUpKind::Feedback,
        follow_up_after_days: 3,
        close_after_days: 14,
        archive_after_days: 90,
        escalation_grace_hours: 8,
        significant_delay_days: 5,
        change_of_mind_return_days: 0,
        claim_remedy_business_days: 10,
        returns_address: None,
        version: 1,
        updated_at: chrono::DateTime::UNIX_EPOCH,
    }
}

impl Versioned for business_settings::Entity {
    fn version_column() -> business_settings::Column {
        business_settings::Column::Version
    }
}

/// Insert the settings row if there is none; an existing row is left alone,
/// so ADMIN edits survive restarts.
pub async fn ensure_seeded<C: ConnectionTrait>(
    conn: &C,
    seed: &SettingsSeed,
) -> Result<business_settings::Model, DbErr> {
    if let Some(row) = business_settings::Entity::find_by_id(SETTINGS_ID)
        .one(conn)
        .await?
    {
        return Ok(row);
    }
    let row = business_settings::ActiveModel {
        id: Set(SETTINGS_ID),
        legal_name: Set(seed.legal_name.clone()),
        abn: Set(seed.abn.as_ref().map(|a| a.as_str().to_owned())),
        gst_registered: Set(true),
        gst_rounding: Set(GstRounding::PerLine),
        mail_from: Set(seed.mail_from.clone()),
        public_base_url: Set(seed.public_base_url.clone()),
        timezone: Set("Australia/Sydney".into()),
        support_hours_open: Set("09:00".into()),
        support_hours_close: Set("17:00".into()),
        // As the orders migration seeds them: GST-inclusive charges per speed.
        shipping_standard_cents: Set(995),
        shipping_express_cents: Set(1_995),
        shipping_overnight_cents: Set(3_495),
        reservation_hold_hours: Set(48),
        gst_basis: Set(entity::GstBasis::Accrual),
        // As the closeout migration seeds them.
        follow_up_kind: Set(entity::FollowUpKind::Feedback),
        follow_up_after_days: Set(3),
        close_after_days: Set(14),
        archive_after_days: Set(90),
        // As the engagement-control migration seeds them.
        escalation_grace_hours: Set(8),
        significant_delay_days: Set(5),
        // As the claims-and-returns migration seeds them.
        change_of_mind_return_days: Set(0),
        claim_remedy_business_days: Set(10),
        returns_address: Set(None),
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
    current(conn).await
}

/// The settings row (seeded at start-up).
pub async fn current<C: ConnectionTrait>(conn: &C) -> Result<business_settings::Model, DbErr> {
    business_settings::Entity::find_by_id(SETTINGS_ID)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("business_settings".into()))
}

/// The settings for a staff reader.
pub async fn read(
    db: &DatabaseConnection,
    ctx: &Ctx,
) -> Result<business_settings::Model, DomainError> {
    Permission::ReadSettings.require(ctx)?;
    Ok(current(db).await?)
}

/// Changes to the business settings (ADMIN); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    pub expected_version: i32,
    pub legal_name: Option<String>,
    pub abn: Patch<String>,
    pub gst_registered: Option<bool>,
    pub gst_rounding: Option<GstRounding>,
    pub gst_basis: Option<entity::GstBasis>,
    pub mail_from: Option<String>,
    pub public_base_url: Option<String>,
    pub timezone: Option<String>,
    /// What standard, express and overnight shipping charge, GST included
    /// (dollars, e.g. "9.95"; "0" ships free).
    pub shipping_standard: Option<String>,
    pub shipping_express: Option<String>,
    pub shipping_overnight: Option<String>,
    /// The one follow-up a delivered order gets.
    pub follow_up_kind: Option<entity::FollowUpKind>,
    /// Days after delivery the follow-up goes out (0–60).
    pub follow_up_after_days: Option<i32>,
    /// Days after delivery a delivered order closes (1–365).
    pub close_after_days: Option<i32>,
    /// Days after closure a closed order is archived (1–3650).
    pub archive_after_days: Option<i32>,
    /// Business hours an overdue engagement stage waits before ADMIN is
    /// told (1–400).
    pub escalation_grace_hours: Option<i32>,
    /// Business days of delay that escalate at once (1–250).
    pub significant_delay_days: Option<i32>,
    /// Days after delivery a change-of-mind return is accepted (0: not
    /// accepted; 0–365).
    pub change_of_mind_return_days: Option<i32>,
    /// Business days to remedy a minor failure before the customer may
    /// reject the goods (1–60).
    pub claim_remedy_business_days: Option<i32>,
    /// Where returned goods are sent (several lines, at most 500
    /// characters); blank or `Clear` removes it.
    pub returns_address: Patch<String>,
}

/// A shipping charge as given: dollars, not negative, at most $10,000.
fn shipping_charge(raw: &str) -> Result<Money, ValueError> {
    let m = Money::parse(raw)?;
    if m.is_negative() || m.cents() > 1_000_000 {
        return Err(ValueError::new(
            ErrorCode::OutOfRange,
            "a shipping charge is between $0 and $10,000",
        ));
    }
    Ok(m)
}

/// Change the settings if `expected_version` is current; every bad field is
/// reported at once and nothing is written.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &SettingsUpdate,
) -> Result<Committed<business_settings::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSettings).await?;
    let mut fields = Fields::new();
    let legal_name = input
        .legal_name
        .as_deref()
        .and_then(|n| fields.text("legalName", n, 200));
    let abn = fields.patch("abn", &input.abn, Abn::parse);
    if let Some(from) = &input.mail_from {
        fields.ensure(
            from.contains('@'),
            "mailFrom",
            ErrorCode::InvalidEmail,
            "an address like 'Shop <orders@shop.com.au>'",
        );
    }
    if let Some(url) = &input.public_base_url {
        fields.ensure(
            url.starts_with("https://") || url.starts_with("http://"),
            "publicBaseUrl",
            ErrorCode::OutOfRange,
            "must start with https:// or http://",
        );
    }
    if let Some(tz) = &input.timezone {
        fields.ensure(
            tz.parse::<chrono_tz::Tz>().is_ok(),
            "timezone",
            ErrorCode::OutOfRange,
            format!("'{tz}' is not an IANA timezone"),
        );
    }
    let mut charge = |name: &str, raw: &Option<String>| {
        raw.as_deref()
            .and_then(|r| fields.optional(name, Some(r), shipping_charge))
            .map(|m| m.cents())
    };
    let standard = charge("shippingStandard", &input.shipping_standard);
    let express = charge("shippingExpress", &input.shipping_express);
    let overnight = charge("shippingOvernight", &input.shipping_overnight);
    for (name, value, range) in [
        ("followUpAfterDays", input.follow_up_after_days, 0..=60),
        ("closeAfterDays", input.close_after_days, 1..=365),
        ("archiveAfterDays", input.archive_after_days, 1..=3650),
        (
            "significantDelayDays",
            input.significant_delay_days,
            1..=250,
        ),
        (
            "changeOfMindReturnDays",
            input.change_of_mind_return_days,
            0..=365,
        ),
        (
            "claimRemedyBusinessDays",
            input.claim_remedy_business_days,
            1..=60,
        ),
    ] {
        fields.ensure(
            value.is_none_or(|d| range.contains(&d)),
            name,
            ErrorCode::OutOfRange,
            format!("{name} is {} to {} days", range.start(), range.end()),
        );
    }
    fields.ensure(
        input
            .escalation_grace_hours
            .is_none_or(|h| (1..=400).contains(&h)),
        "escalationGraceHours",
        ErrorCode::OutOfRange,
        "escalationGraceHours is 1 to 400 business hours",
    );
    let returns_address = match &input.returns_address {
        Patch::Keep => Patch::Keep,
        Patch::Clear => Patch::Clear,
        Patch::Set(raw) => {
            let path = ["returnsAddress"];
            match fields.free_text(&path, "returns address", Some(raw), MAX_RETURNS_ADDRESS) {
                Some(address) => Patch::Set(address),
                None if raw.trim().is_empty() => Patch::Clear,
                None => Patch::Keep,
            }
        }
    };
    fields.finish(|| Some(()))?;

    let before = current(w.conn()).await?;
    let keep = |new: &Option<String>, old: &String| new.clone().unwrap_or_else(|| old.clone());
    let changed = business_settings::ActiveModel {
        id: Unchanged(SETTINGS_ID),
        legal_name: Set(legal_name.unwrap_or_else(|| before.legal_name.clone())),
        abn: Set(abn.map(|a| a.as_str().to_owned()).apply(before.abn.clone())),
        gst_registered: Set(input.gst_registered.unwrap_or(before.gst_registered)),
        gst_rounding: Set(input.gst_rounding.unwrap_or(before.gst_rounding)),
        gst_basis: Set(input.gst_basis.unwrap_or(before.gst_basis)),
        mail_from: Set(keep(&input.mail_from, &before.mail_from)),
        public_base_url: Set(keep(
            &input
                .public_base_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned()),
            &before.public_base_url,
        )),
        timezone: Set(keep(&input.timezone, &before.timezone)),
        shipping_standard_cents: Set(standard.unwrap_or(before.shipping_standard_cents)),
        shipping_express_cents: Set(express.unwrap_or(before.shipping_express_cents)),
        shipping_overnight_cents: Set(overnight.unwrap_or(before.shipping_overnight_cents)),
        follow_up_kind: Set(input.follow_up_kind.unwrap_or(before.follow_up_kind)),
        follow_up_after_days: Set(input
            .follow_up_after_days
            .unwrap_or(before.follow_up_after_days)),
        close_after_days: Set(input.close_after_days.unwrap_or(before.close_after_days)),
        archive_after_days: Set(input
            .archive_after_days
            .unwrap_or(before.archive_after_days)),
        escalation_grace_hours: Set(input
            .escalation_grace_hours
            .unwrap_or(before.escalation_grace_hours)),
        significant_delay_days: Set(input
            .significant_delay_days
            .unwrap_or(before.significant_delay_days)),
        change_of_mind_return_days: Set(input
            .change_of_mind_return_days
            .unwrap_or(before.change_of_mind_return_days)),
        claim_remedy_business_days: Set(input
            .claim_remedy_business_days
            .unwrap_or(before.claim_remedy_business_days)),
        returns_address: Set(returns_address.apply(before.returns_address.clone())),
        updated_at: Set(w.now()),
        ..Default::default()
    };
    let after = w
        .update_versioned::<business_settings::Entity>(changed, input.expected_version)
        .await?;
    w.commit_audited(
        SUBJECT_TYPE,
        uuid::Uuid::nil(),
        "settings.updated",
        Some(&before),
        after,
    )
    .await
}
