//! A real SMTP server for the tests: aiosmtpd from PyPI, run by
//! `tests/support/smtp_server.py` in a virtual environment the harness
//! creates once under Cargo's scratch folder.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tempfile::TempDir;

use crate::helpers::HeldPort;

const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// One accepted message, as the server recorded it.
#[derive(Debug, Deserialize)]
pub struct Received {
    pub rcpt_tos: Vec<String>,
    pub authenticated: bool,
    pub tls: bool,
    pub data: String,
}

impl Received {
    /// A header's value (unfolded lines are enough for ours).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
    }
}

pub struct SmtpServer {
    pub port: u16,
    child: Child,
    out: TempDir,
}

impl SmtpServer {
    /// Starts the server with the script's extra `options` on a port the
    /// system picks; waits until it accepts connections. Fails, never
    /// skips, when it cannot start.
    pub fn start(options: &[&str]) -> Self {
        Self::launch(0, options)
    }

    /// As [`SmtpServer::start`], on the port `held` for it.
    pub fn start_on(held: &HeldPort, options: &[&str]) -> Self {
        Self::launch(held.port, &[options, &["--reuse-port"]].concat())
    }

    fn launch(port: u16, options: &[&str]) -> Self {
        let out = TempDir::new().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(port.to_string())
            .arg(out.path())
            .args(options)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start the aiosmtpd test server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the aiosmtpd test server did not start: {line:?}"));
        Self { port, child, out }
    }

    /// Every message accepted so far, in the order accepted.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        // Named by arrival time in nanoseconds, then a counter.
        names.sort_by_key(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let (ns, n) = stem.split_once('-').unwrap();
            (ns.parse::<u128>().unwrap(), n.parse::<u64>().unwrap())
        });
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// How many times a client has tried to log in.
    pub fn login_attempts(&self) -> usize {
        std::fs::read_to_string(self.out.path().join("auth-attempts"))
            .map_or(0, |text| text.lines().count())
    }

    /// Waits (up to a minute) until at least `n` messages have arrived.
    pub fn wait_for(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.received().len() < n {
            assert!(Instant::now() < deadline, "fewer than {n} messages arrived");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The virtual environment's Python, with aiosmtpd installed; created on
/// first use and kept for later runs.
fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aiosmtpd-venv");
            let python = venv.join("bin/python");
            let ready = |python: &Path| {
                Command::new(python)
                    .args(["-c", "import aiosmtpd"])
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if !ready(&python) {
                // Built aside and renamed, so a run cut short leaves no half venv.
                let building = venv.with_extension(format!("building-{}", std::process::id()));
                let run = |program: &Path, args: &[&str]| {
                    let status = Command::new(program)
                        .args(args)
                        .status()
                        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
                    assert!(status.success(), "{} {args:?} failed", program.display());
                };
                run(
                    Path::new("python3"),
                    &["-m", "venv", building.to_str().unwrap()],
                );
                run(
                    &building.join("bin/pip"),
                    &[
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        AIOSMTPD,
                    ],
                );
                let _ = std::fs::remove_dir_all(&venv);
                std::fs::rename(&building, &venv).unwrap();
            }
            python
        })
        .clone()
}
