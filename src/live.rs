//! The settings in force while `run` runs, and what is built from them.
//!
//! SIGHUP reads the settings file and the templates again. The new set is
//! checked whole (templates rendered against sample data, transport and link
//! keys built) and replaces the old one only when all of it is good, so a
//! typo in a reload never stops a running service. Readers take the whole
//! set at once ([`Live::current`]), so one poll or one request never mixes
//! old and new settings.

use std::sync::{Arc, PoisonError, RwLock};

use secrecy::ExposeSecret;

use crate::links::LinkKeys;
use crate::mail::Transport;
use crate::settings::{DatabaseUrl, Settings};
use crate::templates::Templates;

/// Everything built from one reading of the settings.
pub struct Loaded {
    pub settings: Settings,
    pub templates: Templates,
    pub keys: LinkKeys,
    pub transport: Transport,
}

/// Why a set of settings cannot be used: bad settings or templates (exit 2
/// at start) or a failure reading something they name (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Settings(anyhow::Error),
    #[error(transparent)]
    Runtime(anyhow::Error),
}

impl Loaded {
    /// Checks the templates and builds the transport and link keys.
    pub fn new(settings: Settings) -> Result<Self, LoadError> {
        let templates = Templates::load(settings.mail.templates_dir.as_deref())
            .map_err(|e| LoadError::Settings(e.into()))?;
        let transport =
            Transport::from_settings(&settings.mail).map_err(|e| LoadError::Settings(e.into()))?;
        let keys = crate::links::keys::load(&settings).map_err(LoadError::Runtime)?;
        Ok(Self {
            settings,
            templates,
            keys,
            transport,
        })
    }

    /// The settings `new` changes that a running process cannot take up:
    /// they name the database, the listening socket, the trigger and the
    /// logs it has already set up.
    pub fn needs_restart(&self, new: &Settings) -> Vec<&'static str> {
        let old = &self.settings;
        [
            ("data_dir", old.data_dir == new.data_dir),
            (
                "database.url",
                same_url(&old.database.url, &new.database.url),
            ),
            (
                "database.max_connections",
                old.database.max_connections == new.database.max_connections,
            ),
            ("web.bind", old.web.bind == new.web.bind),
            ("schedule.poll", old.schedule.poll == new.schedule.poll),
            ("feed.schedule", old.feed.schedule == new.feed.schedule),
            (
                "feed.kind",
                old.feed.source.is_some() == new.feed.source.is_some(),
            ),
            ("log.level", old.log.level == new.log.level),
            ("log.format", old.log.format == new.log.format),
        ]
        .into_iter()
        .filter_map(|(key, same)| (!same).then_some(key))
        .collect()
    }
}

fn same_url(a: &DatabaseUrl, b: &DatabaseUrl) -> bool {
    match (a, b) {
        (DatabaseUrl::Sqlite(a), DatabaseUrl::Sqlite(b)) => a == b,
        (DatabaseUrl::Postgres(a), DatabaseUrl::Postgres(b)) => {
            a.expose_secret() == b.expose_secret()
        }
        _ => false,
    }
}

/// The set in force, shared by the poll loop and the web server.
#[derive(Clone)]
pub struct Live(Arc<RwLock<Arc<Loaded>>>);

impl Live {
    pub fn new(loaded: Loaded) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(loaded))))
    }

    pub fn current(&self) -> Arc<Loaded> {
        // The lock only guards a pointer swap; a panic cannot leave it half-done.
        Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn replace(&self, loaded: Loaded) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(loaded);
    }
}
