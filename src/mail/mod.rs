//! E-mail: templates, composing the day's reminders into messages, building
//! Internet messages, the transports, and the outbox sender.

pub mod compose;
mod ics;
pub mod message;
pub mod notice;
pub mod sender;
pub mod transport;

pub use crate::templates::Templates;
pub use compose::Composer;
pub use sender::{SendReport, Sender};
pub use transport::Transport;
