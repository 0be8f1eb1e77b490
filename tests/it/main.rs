//! The one integration-test binary: the store on real SQLite files and a
//! real PostgreSQL server, and the `casewatch` binary run as a user would.

mod browser;
mod cli;
mod daemon;
mod digest;
mod feed;
mod feed_sql;
mod helpers;
mod mail;
mod oauth2;
mod remind;
mod report;
mod smtp;
mod store;
mod tracker;
mod web;
