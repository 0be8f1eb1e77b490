//! What the templates are given: the contexts of e-mails and pages, as
//! plain serialisable data, each with a sample that every template is
//! rendered against when it is loaded. The modules that fill them (the
//! reminders, the web form, the tracker, the report) depend on these;
//! `templates` depends on nothing above it.

pub mod digest;
pub mod notice;
pub mod pages;
pub mod report;
pub mod team;
pub mod tracker;
