//! E-mail: templates, composing the day's reminders into messages, building
//! Internet messages, the transports, and the outbox sender.

pub mod compose;
mod ics;
pub mod message;
pub mod sender;
pub mod templates;
pub mod transport;

pub use compose::Composer;
pub use sender::{SendReport, Sender};
pub use templates::Templates;
pub use transport::Transport;
