//! The drop folder: which files are ready, and where they go afterwards.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::NaiveDate;

/// What a file in the folder holds, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holds {
    /// `staff*.csv`: imported before cases, which name the staff.
    Staff,
    /// `cases*.csv`.
    Cases,
}

/// A file that stopped changing and can be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    pub path: PathBuf,
    pub name: String,
    pub holds: Holds,
    pub modified: SystemTime,
}

/// What one look at the folder found.
#[derive(Debug, Default)]
pub struct Found {
    /// Ready files: staff first, then cases, each oldest first.
    pub ready: Vec<Ready>,
    /// CSV files that are not taken because of their names, so that a
    /// misnamed export is seen rather than silently ignored.
    pub ignored: Vec<String>,
    /// Files to take that could not be looked at (a broken link, no
    /// permission): reported, never skipped silently.
    pub unreadable: Vec<(String, std::io::Error)>,
}

/// The files a person or program is still writing, and Office's lock
/// files, are never taken.
fn in_progress(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || lower.ends_with(".tmp")
        || lower.ends_with(".part")
}

/// What `name` holds, if it is a file to take.
pub fn holds(name: &str) -> Option<Holds> {
    let lower = name.to_lowercase();
    if in_progress(name) || !lower.ends_with(".csv") {
        None
    } else if lower.starts_with("staff") {
        Some(Holds::Staff)
    } else if lower.starts_with("cases") {
        Some(Holds::Cases)
    } else {
        None
    }
}

type Look = Vec<(PathBuf, String, Holds, u64, SystemTime)>;

/// Looks at `dir` twice, `settle` apart, and returns the files whose size
/// and modification time did not change in between: an export still being
/// written or copied changes, and is taken at a later run.
pub async fn look(dir: &Path, settle: Duration) -> std::io::Result<Found> {
    let (first, ignored, unreadable) = candidates(dir)?;
    if first.is_empty() {
        return Ok(Found {
            ready: Vec::new(),
            ignored,
            unreadable,
        });
    }
    tokio::time::sleep(settle).await;
    let (second, _, _) = candidates(dir)?;
    let mut ready: Vec<Ready> = second
        .into_iter()
        .filter(|now| {
            first
                .iter()
                .any(|then| then.0 == now.0 && then.3 == now.3 && then.4 == now.4)
        })
        .map(|(path, name, holds, _, modified)| Ready {
            path,
            name,
            holds,
            modified,
        })
        .collect();
    ready.sort_by(|a, b| (a.holds, a.modified, &a.name).cmp(&(b.holds, b.modified, &b.name)));
    Ok(Found {
        ready,
        ignored,
        unreadable,
    })
}

type Unreadable = Vec<(String, std::io::Error)>;

fn candidates(dir: &Path) -> std::io::Result<(Look, Vec<String>, Unreadable)> {
    let mut files = Vec::new();
    let mut ignored = Vec::new();
    let mut unreadable = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(holds) = holds(&name) else {
            if name.to_lowercase().ends_with(".csv") && !in_progress(&name) {
                ignored.push(name);
            }
            continue;
        };
        // Followed through links: an SFTP drop folder may hold them.
        let meta = match std::fs::metadata(entry.path()).and_then(|m| Ok((m.modified()?, m))) {
            Ok((modified, meta)) if meta.is_file() => (meta.len(), modified),
            Ok(_) => continue,
            Err(e) => {
                unreadable.push((name, e));
                continue;
            }
        };
        files.push((entry.path(), name, holds, meta.0, meta.1));
    }
    ignored.sort();
    Ok((files, ignored, unreadable))
}

/// Moves a taken file to `done/DAY/` or `rejected/DAY/` under the folder;
/// returns where it went. A file of the same name there already (the same
/// export dropped twice) is kept, and this one is named after it.
pub fn set_aside(file: &Path, dir: &Path, to: &str, day: NaiveDate) -> std::io::Result<PathBuf> {
    let into = dir.join(to).join(day.to_string());
    std::fs::create_dir_all(&into)?;
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let mut target = into.join(&*name);
    let mut n = 2;
    while target.exists() {
        target = into.join(format!("{n}-{name}"));
        n += 1;
    }
    std::fs::rename(file, &target)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finished_staff_and_cases_csv_files_are_taken() {
        assert_eq!(holds("staff.csv"), Some(Holds::Staff));
        assert_eq!(holds("Cases-2026-12-04.CSV"), Some(Holds::Cases));
        assert_eq!(holds("cases.csv.part"), None);
        assert_eq!(holds("cases.tmp"), None);
        assert_eq!(holds(".cases.csv"), None);
        assert_eq!(holds("~$cases.csv"), None);
        assert_eq!(holds("complaints.csv"), None);
        assert_eq!(holds("cases.xlsx"), None);
    }
}
