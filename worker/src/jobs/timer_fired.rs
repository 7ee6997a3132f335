//! A timer came due (its outbox row, written when the sweep fired it): do
//! what its kind names. Each area that plans timers adds its kind here.

use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::business_time::daily::DailyRun;
use domain::business_time::timers::{TimerFired, kind};
use entity::outbox;

pub fn handle(_deps: &Deps, row: &outbox::Model) -> Result<(), BoxDynError> {
    let fired: TimerFired = serde_json::from_str(&row.payload)?;
    match fired.kind.as_str() {
        kind::DAILY_RUN => {
            // The next run was planned when this one fired; the once-a-day
            // work (closure and archive runs) joins here as it is built.
            let run: DailyRun = serde_json::from_value(fired.payload)?;
            tracing::info!(business_date = %run.business_date, "daily run");
        }
        other => {
            tracing::warn!(timer_id = %fired.timer_id, kind = other, "no handler for timer kind")
        }
    }
    Ok(())
}
