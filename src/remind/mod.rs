//! Reminders: the pure policy deciding what each open stage needs today,
//! and the poll that turns the store's open stages into outbox messages.

pub mod compose;
mod ics;
pub mod policy;
pub mod poll;

pub use compose::Composer;
pub use policy::{OpenStage, Reminder, reminders_due};
pub use poll::{Poll, PollError, PollReport};
