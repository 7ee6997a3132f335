//! Public holidays: read by every deadline, changed by ADMIN (audited). A
//! change is announced on the live-update channel under [`CHANGED`], and
//! every api and worker process reloads its calendar.

use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Write,
    fetch_page,
};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::NaiveDate;
use entity::public_holiday;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "public_holiday";
const MAX_NAME_LEN: usize = 100;

/// The live-update subject every process follows: "the holidays changed".
pub const CHANGED: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_686f_6c69_6479);

/// A holiday's id: a UUIDv7 whose time is the date's midnight (UTC) and
/// whose other bits are zero, as the seeding migration makes them: one id per
/// date (its audit trail survives a remove and re-add), and id order is date order.
pub fn holiday_id(date: NaiveDate) -> Uuid {
    let millis = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis();
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(millis).unwrap_or(0), &[0; 10])
        .into_uuid()
}

/// Every holiday date, for the calendar.
pub async fn all_dates<C: ConnectionTrait>(conn: &C) -> Result<Vec<NaiveDate>, DbErr> {
    Ok(public_holiday::Entity::find()
        .order_by_asc(public_holiday::Column::HolidayDate)
        .all(conn)
        .await?
        .into_iter()
        .map(|h| h.holiday_date)
        .collect())
}

/// `calendar` with the holidays as committed, not as this process last
/// reloaded them: for a statutory deadline fixed once (an injury report's,
/// a recall's ACCC notification), where an edit another process just made
/// must count.
pub async fn as_committed<C: ConnectionTrait>(
    conn: &C,
    calendar: &BusinessCalendar,
) -> Result<BusinessCalendar, DbErr> {
    Ok(calendar.clone().with_holidays(all_dates(conn).await?))
}

/// One year's holidays in date order (staff).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    year: i32,
    page: PageRequest,
) -> Result<Page<public_holiday::Model>, DomainError> {
    Permission::ReadSettings.require(ctx)?;
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(DomainError::rejected(
            &["year"],
            ErrorCode::OutOfRange,
            "year is out of range",
        ));
    };
    let query = public_holiday::Entity::find()
        .filter(public_holiday::Column::HolidayDate.between(first, last));
    // Ids are stamped with their date, so id order is date order.
    Ok(fetch_page(db, query, public_holiday::Column::Id, page, |h| h.id).await?)
}

/// A new holiday as a client sent it.
#[derive(Debug, Clone)]
pub struct NewHoliday {
    pub date: NaiveDate,
    pub name: String,
}

/// Add a holiday (ADMIN); a date that already has one is ALREADY_EXISTS.
pub async fn add(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewHoliday,
) -> Result<Committed<public_holiday::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSettings).await?;
    let mut fields = Fields::new();
    let name = fields.text("name", &input.name, MAX_NAME_LEN);
    let name = fields.finish(|| name)?;
    if find_on(w.conn(), input.date).await?.is_some() {
        return Err(DomainError::rejected(
            &["date"],
            ErrorCode::AlreadyExists,
            format!("{} is already a public holiday", input.date),
        ));
    }
    let holiday = w
        .insert(public_holiday::ActiveModel {
            id: Set(holiday_id(input.date)),
            holiday_date: Set(input.date),
            name: Set(name),
            created_at: Set(w.now()),
        })
        .await?;
    w.audit(
        SUBJECT_TYPE,
        holiday.id,
        "public_holiday.added",
        None,
        Some(&holiday),
    )
    .await?;
    w.touch(CHANGED);
    w.emit(topic::CALENDAR_CHANGED, holiday.id, &serde_json::json!({}))
        .await?;
    w.commit(holiday).await
}

/// Remove the holiday on `date` (ADMIN); none there is NOT_FOUND.
pub async fn remove(
    db: &DatabaseConnection,
    ctx: &Ctx,
    date: NaiveDate,
) -> Result<Committed<public_holiday::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSettings).await?;
    let holiday = find_on(w.conn(), date)
        .await?
        .ok_or_else(|| DomainError::not_found("date", "public holiday"))?;
    public_holiday::Entity::delete_by_id(holiday.id)
        .exec(w.conn())
        .await?;
    w.audit(
        SUBJECT_TYPE,
        holiday.id,
        "public_holiday.removed",
        Some(&holiday),
        None,
    )
    .await?;
    w.touch(CHANGED);
    w.emit(topic::CALENDAR_CHANGED, holiday.id, &serde_json::json!({}))
        .await?;
    w.commit(holiday).await
}

async fn find_on<C: ConnectionTrait>(
    conn: &C,
    date: NaiveDate,
) -> Result<Option<public_holiday::Model>, DbErr> {
    public_holiday::Entity::find()
        .filter(public_holiday::Column::HolidayDate.eq(date))
        .one(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use migration::m20261204_000005_business_time as seed;

    #[test]
    fn ids_are_made_like_the_seeded_ones_and_sort_by_date() {
        let date = NaiveDate::from_ymd_opt(2029, 1, 1).unwrap();
        assert_eq!(holiday_id(date), seed::holiday_id(date));
        assert_eq!(holiday_id(date).get_version_num(), 7);
        let earlier = holiday_id(NaiveDate::from_ymd_opt(2028, 12, 26).unwrap());
        assert!(earlier < holiday_id(date));
    }
}
