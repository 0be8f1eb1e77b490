//! Running a program whose standard output is a CSV file.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

/// Why a program gave no CSV.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("cannot start {program}: {source}")]
    Start {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} did not finish within {seconds} s (feed.timeout_seconds) and was stopped{}", said(.stderr))]
    TimedOut {
        program: String,
        seconds: u64,
        stderr: String,
    },
    #[error("{program} {status}{}", said(.stderr))]
    Exited {
        program: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("cannot read the output of {program}: {source}")]
    Read {
        program: String,
        #[source]
        source: std::io::Error,
    },
}

fn said(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; it said: {stderr}")
    }
}

/// What standard error keeps of a failing program: its last lines.
const STDERR_KEPT: usize = 2_000;

/// The name a program goes by in messages: its file name, never its
/// arguments (they may name a server or a user).
pub fn program_name(argv: &[String]) -> String {
    argv.first()
        .map(|p| {
            std::path::Path::new(p)
                .file_name()
                .map_or_else(|| p.clone(), |n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default()
}

/// Runs `argv` (no shell) and returns its standard output, or why not: a
/// program that cannot start, exits non-zero or outlasts `timeout` (it is
/// killed). casewatch's own `CASEWATCH__*` variables, which hold its
/// secrets, are not passed on; the rest of the environment is, so the
/// program's own secrets reach it from there.
pub async fn output(argv: &[String], timeout: Duration) -> Result<Vec<u8>, CommandError> {
    let program = program_name(argv);
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CASEWATCH__") {
            command.env_remove(key);
        }
    }
    let mut child = command.spawn().map_err(|source| CommandError::Start {
        program: program.clone(),
        source,
    })?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let run = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let (read_out, read_err) =
            tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
        read_out.and(read_err)?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, out, err))
    };
    match tokio::time::timeout(timeout, run).await {
        Err(_) => {
            // The child is killed when dropped (kill_on_drop).
            Err(CommandError::TimedOut {
                program,
                seconds: timeout.as_secs(),
                stderr: String::new(),
            })
        }
        Ok(Err(source)) => Err(CommandError::Read { program, source }),
        Ok(Ok((status, out, err))) if status.success() => {
            if !err.is_empty() {
                tracing::info!(%program, stderr = %tail(&err), "the feed command wrote to standard error");
            }
            Ok(out)
        }
        Ok(Ok((status, _, err))) => Err(CommandError::Exited {
            program,
            status,
            stderr: tail(&err),
        }),
    }
}

/// The end of what a program wrote to standard error, trimmed.
fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    match text.char_indices().rev().nth(STDERR_KEPT) {
        Some((at, _)) => format!("…{}", &text[at..]),
        None => text.to_owned(),
    }
}
