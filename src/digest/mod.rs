//! Digests for the people who act on reasons and learning: the learning
//! digest of upheld responses, and the heads-of-service digest of late
//! responses and their reasons. Figures (pure), rendering (HTML, text,
//! CSV), and the job that makes each once per period, writes its files and
//! queues its e-mails.

pub mod figures;
pub mod job;
pub mod render;

pub use figures::{EscalationDigest, LearningDigest, Period, Recipient};
pub use job::{DigestJob, Due, Made};
