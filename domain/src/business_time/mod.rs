//! Business time: the public holidays every deadline skips (data, edited by
//! ADMIN, kept loaded in every process) and the timers every later deadline
//! is planned as (rows written with the change, fired once by the worker).

pub mod calendar;
pub mod daily;
pub mod holidays;
pub mod sweep;
pub mod timers;

pub use calendar::SharedCalendar;
