//! E-mail: templates, composing the day's reminders into messages, building
//! Internet messages, the transports, and the outbox sender.

pub mod message;
pub mod oauth2;
pub mod sender;
pub mod transport;

pub use sender::{SendReport, Sender};
pub use transport::{SendError, Transport};
