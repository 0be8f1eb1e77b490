//! The weekly tracker for the complaints team: figures (pure), rendering
//! (HTML with an inline chart, CSV, XLSX), and the job that makes each ISO
//! week's tracker once, writes its files atomically and e-mails it.

mod chart;
pub mod figures;
pub mod job;
pub mod render;

pub use figures::{Builder, Details, TrackedStage, Tracker, Undelivered, iso_week};
pub use job::{Due, Made, TrackerJob};
