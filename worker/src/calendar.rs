//! Keeping a process's business calendar current: loaded at start, reloaded
//! whenever any process announces a holiday change on the live-update
//! channel (and after a reconnect, when announcements may have been missed).

use crate::broker::Broker;
use domain::business_time::SharedCalendar;
use domain::business_time::holidays::CHANGED;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// Load the calendar, warn when the current or next year has no holidays,
/// and follow changes until the broker closes.
pub async fn load_and_follow(
    db: &DatabaseConnection,
    broker: &Broker,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(SharedCalendar, JoinHandle<()>), sea_orm::DbErr> {
    // Subscribe before loading, so a change in between is not missed.
    let mut events = broker.subscribe();
    let calendar = SharedCalendar::load(db).await?;
    warn_if_missing(&calendar, now);
    let follower = {
        let (calendar, db) = (calendar.clone(), db.clone());
        tokio::spawn(async move {
            loop {
                let reload = match events.recv().await {
                    Ok(event) => event.subject_id.is_none_or(|id| id == CHANGED),
                    // Missed some: reload to be safe.
                    Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => return,
                };
                if reload {
                    match calendar.reload(&db).await {
                        Ok(()) => {
                            tracing::info!("public holidays reloaded");
                            warn_if_missing(&calendar, chrono::Utc::now());
                        }
                        Err(e) => tracing::warn!(error = %e, "reloading public holidays failed"),
                    }
                }
            }
        })
    };
    Ok((calendar, follower))
}

fn warn_if_missing(calendar: &SharedCalendar, now: chrono::DateTime<chrono::Utc>) {
    if let Some(warning) = calendar.holiday_warning(now) {
        tracing::warn!("{warning}");
    }
}
