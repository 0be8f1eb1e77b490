//! The key-by-key reader behind [`super::Settings::read`]: it remembers which
//! keys were used (the rest are unknown) and every problem, each with the
//! source its value came from.

use std::collections::{BTreeMap, BTreeSet};

use config::{Value, ValueKind};

use super::{ENV_PREFIX, Problem, SettingsError};

/// Reads merged settings key by key, remembering which keys were used (the
/// rest are unknown) and every problem met on the way.
pub(super) struct Reader {
    values: BTreeMap<String, Value>,
    /// The settings file's full path (the config crate keeps only its name).
    file: String,
    used: BTreeSet<String>,
    problems: Vec<Problem>,
}

impl Reader {
    pub(super) fn new(table: config::Map<String, Value>, file: String) -> Self {
        let mut values = BTreeMap::new();
        flatten("", table, &mut values);
        Self {
            values,
            file,
            used: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    pub(super) fn has_problem(&self, key: &str) -> bool {
        self.problems.iter().any(|p| p.key == key)
    }

    pub(super) fn has_prefix(&self, prefix: &str) -> bool {
        let dotted = format!("{prefix}.");
        self.values.keys().any(|k| k.starts_with(&dotted))
    }

    /// Parses a key that the defaults always provide. On a problem the
    /// fallback `T::default()` is returned; `finish` then fails, so the
    /// fallback never escapes.
    pub(super) fn get<T: Default>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> T {
        match self.optional(key, parse) {
            Some(value) => value,
            None => {
                if !self.problems.iter().any(|p| p.key == key) {
                    self.problem(key, "is missing".to_owned());
                }
                T::default()
            }
        }
    }

    pub(super) fn optional<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.values.get(key)?;
        self.used.insert(key.to_owned());
        match parse(value) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                let origin = self.origin_of(key, value);
                self.problems.push(Problem {
                    key: key.to_owned(),
                    origin,
                    message,
                });
                None
            }
        }
    }

    pub(super) fn problem(&mut self, key: &str, message: String) {
        let origin = self
            .values
            .get(key)
            .map_or_else(|| "the settings".to_owned(), |v| self.origin_of(key, v));
        self.problems.push(Problem {
            key: key.to_owned(),
            origin,
            message,
        });
    }

    /// Describes where a value came from in words an admin can act on.
    fn origin_of(&self, key: &str, value: &Value) -> String {
        match value.origin() {
            None => "built-in defaults".to_owned(),
            Some("the environment") => format!(
                "environment variable {ENV_PREFIX}__{}",
                key.replace('.', "__").to_uppercase()
            ),
            Some(_) => self.file.clone(),
        }
    }

    pub(super) fn finish(mut self) -> Result<(), SettingsError> {
        let unknown: Vec<Problem> = self
            .values
            .iter()
            .filter(|(key, _)| !self.used.contains(*key))
            .map(|(key, value)| Problem {
                key: key.clone(),
                origin: self.origin_of(key, value),
                message: "unknown setting (check the spelling against config/default.toml)"
                    .to_owned(),
            })
            .collect();
        self.problems.extend(unknown);
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(SettingsError {
                problems: self.problems,
            })
        }
    }
}

fn flatten(prefix: &str, table: config::Map<String, Value>, out: &mut BTreeMap<String, Value>) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value.kind {
            ValueKind::Table(inner) => flatten(&full, inner, out),
            _ => {
                out.insert(full, value);
            }
        }
    }
}

pub(super) fn string(value: &Value) -> Result<String, String> {
    match &value.kind {
        ValueKind::String(s) => Ok(s.clone()),
        ValueKind::Table(_) | ValueKind::Array(_) => Err("expected a single value".to_owned()),
        other => Ok(other.to_string()),
    }
}

pub(super) fn int_in<T: TryFrom<i64> + Default>(
    value: &Value,
    min: i64,
    max: i64,
) -> Result<T, String> {
    let n = value
        .clone()
        .into_int()
        .map_err(|_| format!("expected a whole number from {min} to {max}"))?;
    if !(min..=max).contains(&n) {
        return Err(format!("{n} is outside {min}-{max}"));
    }
    T::try_from(n).map_err(|_| format!("{n} is outside {min}-{max}"))
}

pub(super) fn boolean(value: &Value) -> Result<bool, String> {
    value
        .clone()
        .into_bool()
        .map_err(|_| "expected true or false".to_owned())
}
