//! `casewatch run` as systemd runs it: readiness, watchdog pings, a clean
//! stop on SIGTERM, a broken template refused at start-up; and the faults
//! it must survive: a database unreachable at start or lost while running,
//! an unwritable tracker folder, settings re-read on SIGHUP, and a second
//! instance on one SQLite file.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::{
    CASES_CSV, HeldPort, STAFF_CSV, TestDb, casewatch, listening_port, stderr, write,
};
use crate::smtp::SmtpServer;
use casewatch::store::SingleJob;

/// Receives notification datagrams until one equals `wanted`.
fn expect(socket: &UnixDatagram, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0_u8; 512];
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(n) = socket.recv(&mut buf) {
            let message = String::from_utf8_lossy(&buf[..n]).into_owned();
            if message.lines().any(|l| l == wanted) {
                return;
            }
            seen.push(message);
        }
    }
    panic!("no {wanted} from casewatch run; got {seen:?}");
}

#[test]
fn run_tells_systemd_it_is_ready_answers_the_watchdog_and_stops_on_sigterm() {
    let dir = tempfile::TempDir::new().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .arg("run")
        .current_dir(dir.path())
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000")
        .env_remove("WATCHDOG_PID")
        .env("CASEWATCH__DATA_DIR", dir.path().join("data"))
        .env("CASEWATCH__WEB__BIND", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    expect(&socket, "READY=1");
    expect(&socket, "WATCHDOG=1");

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let stopping_from = Instant::now();
    expect(&socket, "STOPPING=1");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopping_from.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        log.contains("casewatch is running") && log.contains("stopped"),
        "{log}"
    );
}

#[test]
fn run_refuses_a_broken_template_naming_it() {
    let dir = tempfile::TempDir::new().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    write(
        &templates,
        "reminder.txt",
        "Dear {{ recipient_name }},\n{% for x in sections %}\n",
    );
    let out = casewatch(
        dir.path(),
        &[(
            "CASEWATCH__MAIL__TEMPLATES_DIR",
            templates.to_str().unwrap(),
        )],
        &["run"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("template reminder.txt") && err.contains("line"),
        "{err}"
    );
}

/// `casewatch run` in a scratch folder, with its log in a file and its
/// systemd notifications on a socket of the test's.
struct Service {
    child: Child,
    log: PathBuf,
    notify: UnixDatagram,
    port: u16,
}

impl Service {
    /// Polls every second, so the tests need not wait for a trigger.
    fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        let socket_path = dir.join(format!("notify-{}.sock", fastrand::u32(..)));
        let notify = UnixDatagram::bind(&socket_path).unwrap();
        notify.set_nonblocking(true).unwrap();
        let log = dir.join(format!("run-{}.log", fastrand::u32(..)));
        let mut command = Command::new(env!("CARGO_BIN_EXE_casewatch"));
        for (key, _) in std::env::vars() {
            // RUST_LOG could hide the info line that gives the port.
            if key.starts_with("CASEWATCH")
                || key.starts_with("NOTIFY")
                || key.starts_with("WATCHDOG")
                || key == "RUST_LOG"
            {
                command.env_remove(key);
            }
        }
        let mut child = command
            .arg("run")
            .current_dir(dir)
            .env("NOTIFY_SOCKET", &socket_path)
            .env("CASEWATCH__DATA_DIR", dir.join("data"))
            .env("CASEWATCH__WEB__BIND", "127.0.0.1:0")
            .env("CASEWATCH__SCHEDULE__POLL", "* * * * * *")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let port = listening_port(&log, &mut child);
        Self {
            child,
            log,
            notify,
            port,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The notifications received so far.
    fn notifications(&self) -> Vec<String> {
        let mut buf = [0_u8; 1024];
        let mut seen = Vec::new();
        while let Ok(n) = self.notify.recv(&mut buf) {
            seen.extend(
                String::from_utf8_lossy(&buf[..n])
                    .lines()
                    .map(str::to_owned),
            );
        }
        seen
    }

    /// Waits up to 20 seconds for `done`, failing with the log.
    fn wait(&mut self, what: &str, mut done: impl FnMut(&mut Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if done(self) {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "casewatch run exited ({status}) before {what}:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no {what} within 20 s:\n{}", self.log());
    }

    fn wait_for_log(&mut self, text: &str) {
        self.wait(&format!("{text:?} in the log"), |s| s.log().contains(text));
    }

    fn wait_until_ready(&mut self) {
        self.wait("READY=1", |s| {
            s.notifications().iter().any(|l| l == "READY=1")
        });
    }

    /// GET `path` from the service's web server: the status and the body.
    fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let code = response
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
        (code, body.unwrap_or_default())
    }

    /// Waits until `path` answers `code`, returning the body.
    fn wait_for_status(&mut self, path: &str, code: u16) -> String {
        self.wait_for_reply(path, code, "")
    }

    /// Waits for `code` with a body that holds `needle`: a service still
    /// starting may answer the same code for another reason.
    fn wait_for_reply(&mut self, path: &str, code: u16, needle: &str) -> String {
        let mut body = String::new();
        self.wait(&format!("{code} from {path} saying {needle:?}"), |s| {
            let (got, text) = s.get(path);
            body = text;
            got == code && body.contains(needle)
        });
        body
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args([name, &pid])
                .status()
                .unwrap()
                .success()
        );
    }

    /// SIGTERM, then the exit code.
    fn stop(mut self) -> Option<i32> {
        self.signal("-TERM");
        let status = self.child.wait().unwrap();
        status.code()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_second_instance_on_one_sqlite_file_is_refused() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut first = Service::start(dir.path(), &[]);
    first.wait_until_ready();
    let data = dir.path().join("data");
    let second = casewatch(
        dir.path(),
        &[
            ("CASEWATCH__DATA_DIR", data.to_str().unwrap()),
            ("CASEWATCH__WEB__BIND", "127.0.0.1:0"),
        ],
        &["run"],
    );
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another casewatch")
            && err.contains("casewatch.db")
            && err.contains("PostgreSQL"),
        "{err}"
    );
    assert_eq!(first.stop(), Some(0));
}

/// A TCP relay to PostgreSQL that the test can cut and restore, standing
/// in for a database server that goes away. Its port is held from the
/// start, so while it is cut connections are refused, as by a server that
/// is down.
struct Relay {
    held: HeldPort,
    running: Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn new() -> Self {
        Self {
            held: HeldPort::new(),
            running: None,
            streams: Arc::default(),
        }
    }

    fn port(&self) -> u16 {
        self.held.port
    }

    fn open(&mut self) {
        let listener = self.held.listen();
        listener.set_nonblocking(true).unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let streams = self.streams.clone();
        let accepting = open.clone();
        let thread = std::thread::spawn(move || {
            while accepting.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let server = TcpStream::connect("127.0.0.1:5432").unwrap();
                let mut all = streams.lock().unwrap();
                all.push(client.try_clone().unwrap());
                all.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        self.running = Some((open, thread));
    }

    /// Stops accepting and drops every connection, as a server that dies.
    fn cut(&mut self) {
        if let Some((open, thread)) = self.running.take() {
            open.store(false, Ordering::SeqCst);
            thread.join().unwrap();
        }
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

#[tokio::test]
async fn run_waits_for_the_database_and_carries_on_when_it_comes_back() {
    let db = TestDb::postgres().await;
    let mut relay = Relay::new();
    let url = db.url().replace(":5432/", &format!(":{}/", relay.port()));
    let dir = db.dir.path();
    let mut service = Service::start(dir, &[("CASEWATCH__DATABASE__URL", &url)]);

    // Nothing listens yet: it waits, says why, and is not ready.
    service.wait_for_log("cannot reach the database; waiting for it");
    let told = service.notifications();
    assert!(
        told.iter()
            .any(|l| l.starts_with("STATUS=waiting for the database")),
        "{told:?}"
    );
    assert!(!told.iter().any(|l| l == "READY=1"), "{told:?}");

    relay.open();
    service.wait_until_ready();
    service.wait_for_status("/healthz", 200);

    // The database goes away while it runs, and comes back.
    relay.cut();
    service.wait_for_reply("/healthz", 503, "unreachable");
    relay.open();
    service.wait_for_status("/healthz", 200);
    assert_eq!(service.stop(), Some(0));
    relay.cut();
}

#[test]
fn sighup_puts_good_settings_in_force_and_keeps_the_old_ones_when_bad() {
    let dir = tempfile::TempDir::new().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    let config = write(dir.path(), "casewatch.toml", "");
    let config = config.to_str().unwrap();
    let mut service = Service::start(dir.path(), &[("CASEWATCH_CONFIG", config)]);
    service.wait_until_ready();
    let (code, page) = service.get("/reasons/not-a-token");
    assert_eq!(code, 403);
    assert!(!page.contains("RELOADED"), "{page}");

    write(&templates, "refused.html", "RELOADED: {{ title }}\n");
    write(
        dir.path(),
        "casewatch.toml",
        &format!(
            "[mail]\ntemplates_dir = {:?}\n",
            templates.to_str().unwrap()
        ),
    );
    service.signal("-HUP");
    service.wait_for_log("settings and templates read again");
    let (code, page) = service.get("/reasons/not-a-token");
    assert_eq!(code, 403);
    assert!(
        page.starts_with("RELOADED: This link is not valid"),
        "{page}"
    );

    // A broken template: refused, named, and the running set kept.
    write(&templates, "refused.html", "{% if %}\n");
    service.signal("-HUP");
    service.wait_for_log("keeping the ones in force");
    assert!(service.log().contains("refused.html"), "{}", service.log());
    let (_, page) = service.get("/reasons/not-a-token");
    assert!(
        page.starts_with("RELOADED: This link is not valid"),
        "{page}"
    );
    assert_eq!(service.stop(), Some(0));
}

#[test]
fn an_unwritable_tracker_folder_shows_on_healthz_and_is_retried() {
    let dir = tempfile::TempDir::new().unwrap();
    // A file where the folder should be: no permission check can wave this
    // through, not even root's.
    let blocker = write(dir.path(), "reports", "not a folder");
    let out = blocker.join("trackers");
    let mut service = Service::start(
        dir.path(),
        &[
            ("CASEWATCH__TRACKER__DIR", out.to_str().unwrap()),
            // Due from the start of every week, so the test never waits for Monday.
            ("CASEWATCH__TRACKER__DAY", "monday"),
            ("CASEWATCH__TRACKER__TIME", "00:00"),
        ],
    );
    service.wait_until_ready();
    // Unhealthy at first for want of a poll; then for the tracker.
    let body = service.wait_for_reply("/healthz", 503, "tracker_error");
    assert!(body.contains("trackers"), "{body}");

    std::fs::remove_file(&blocker).unwrap();
    service.wait_for_status("/healthz", 200);
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(
        files
            .iter()
            .all(|f| f.starts_with("tracker-") && !f.contains("partial")),
        "{files:?}"
    );
    assert_eq!(service.stop(), Some(0));
}

/// A feed that has brought no data yet is stale on `/healthz`; files that
/// land in its folder are taken on the feed's schedule, and the service is
/// healthy once they are in.
#[test]
fn run_takes_the_feed_on_its_schedule_and_healthz_shows_stale_data() {
    let dir = tempfile::TempDir::new().unwrap();
    let folder = dir.path().join("drop");
    std::fs::create_dir(&folder).unwrap();
    let mut service = Service::start(
        dir.path(),
        &[
            ("CASEWATCH__FEED__KIND", "folder"),
            ("CASEWATCH__FEED__FOLDER", folder.to_str().unwrap()),
            ("CASEWATCH__FEED__SETTLE_SECONDS", "1"),
            ("CASEWATCH__FEED__SCHEDULE", "* * * * * *"),
        ],
    );
    service.wait_until_ready();
    let body = service.wait_for_reply("/healthz", 503, "feed_stale");
    assert!(body.contains("\"data_last_refreshed\":null"), "{body}");

    write(&folder, "staff.csv", STAFF_CSV);
    write(&folder, "cases.csv", CASES_CSV);
    let body = service.wait_for_status("/healthz", 200);
    assert!(body.contains("\"feed_stale\":false"), "{body}");
    let (_, metrics) = service.get("/metrics");
    assert!(
        metrics.contains("casewatch_feed_runs_total{outcome=\"imported\"} 2"),
        "{metrics}"
    );
    assert!(!folder.join("staff.csv").exists() && !folder.join("cases.csv").exists());
    assert_eq!(service.stop(), Some(0));
}

#[tokio::test]
async fn one_instance_at_a_time_holds_a_single_job() {
    let db = TestDb::postgres().await;
    let (first, second) = (db.store().await, db.store().await);
    let held = first
        .try_lock(SingleJob::Poll)
        .await
        .unwrap()
        .expect("free at first");
    assert!(second.try_lock(SingleJob::Poll).await.unwrap().is_none());
    held.release().await;
    let again = second.try_lock(SingleJob::Poll).await.unwrap();
    assert!(again.is_some());
    // Dropped unreleased (a cancelled task): its connection goes, and so does the lock.
    drop(again);
    // The server lets go once it sees the connection close.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(lock) = first.try_lock(SingleJob::Poll).await.unwrap() {
            lock.release().await;
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the lock outlived its connection"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// libfaketime (Debian's faketime), which `tests/setup.sh` installs: `run` keeps
/// to the sending window, so its clock is set inside one.
fn fake_clock(at: &str) -> Vec<(&'static str, String)> {
    let library = ["x86_64", "aarch64"]
        .iter()
        .map(|arch| format!("/usr/lib/{arch}-linux-gnu/faketime/libfaketime.so.1"))
        .find(|path| Path::new(path).exists())
        .expect("libfaketime is needed (Debian package faketime; bash tests/setup.sh installs it)");
    vec![
        ("LD_PRELOAD", library),
        ("FAKETIME", format!("@{at}")),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
        ("TZ", "UTC".to_owned()),
    ]
}

#[test]
fn mail_waits_while_the_smtp_server_is_down_and_goes_when_it_returns() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("data");
    // Held, so the mail server is down at first and comes up on it later.
    let port = HeldPort::new();
    let port_text = port.port.to_string();
    let mut env = vec![
        ("CASEWATCH__DATA_DIR", data.to_str().unwrap().to_owned()),
        ("CASEWATCH__MAIL__TRANSPORT", "smtp".to_owned()),
        ("CASEWATCH__MAIL__SMTP__HOST", "127.0.0.1".to_owned()),
        ("CASEWATCH__MAIL__SMTP__PORT", port_text),
        ("CASEWATCH__MAIL__SMTP__SECURITY", "none".to_owned()),
        (
            "CASEWATCH__MAIL__FROM",
            "casewatch <casewatch@northmere.gov.uk>".to_owned(),
        ),
        (
            "CASEWATCH__MAIL__REPLY_TO",
            "Complaints <complaints@northmere.gov.uk>".to_owned(),
        ),
        (
            "CASEWATCH__MAIL__COMPLAINTS_TEAM",
            "Complaints <complaints@northmere.gov.uk>".to_owned(),
        ),
        ("CASEWATCH__MAIL__RETRY_DELAY_SECONDS", "1".to_owned()),
        (
            "CASEWATCH__WEB__PUBLIC_URL",
            "https://complaints.northmere.gov.uk".to_owned(),
        ),
    ];
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // One stage due on Wednesday 25 November 2026: received on the 11th,
    // ten working days.
    let staff = write(dir.path(), "staff.csv", crate::helpers::STAFF_CSV);
    let cases = write(
        dir.path(),
        "cases.csv",
        "reference,kind,stage,received_on,team,manager_email\n\
         CSC-9,statutory,1,2026-11-11,Fostering,ann.lee@example.org\n",
    );
    for args in [
        vec!["import", "staff", staff.to_str().unwrap()],
        vec![
            "import",
            "cases",
            cases.to_str().unwrap(),
            "--as-of",
            "2026-11-25",
        ],
    ] {
        let out = casewatch(dir.path(), &borrowed, &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    // The trigger fires once a day at 03:00: only a retry can send today.
    env.push(("CASEWATCH__SCHEDULE__POLL", "0 0 3 * * *".to_owned()));
    env.extend(fake_clock("2026-11-25 09:00:00"));
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut service = Service::start(dir.path(), &borrowed);
    service.wait_until_ready();
    service.wait_for_log("temporary failure");
    assert!(
        service.log().contains("Connection refused"),
        "{}",
        service.log()
    );

    let server = SmtpServer::start_on(&port, &[]);
    server.wait_for(1);
    let received = server.received();
    assert_eq!(received[0].rcpt_tos, ["ann.lee@example.org"]);
    assert!(
        received[0]
            .header("Subject")
            .is_some_and(|s| s.contains("due today")),
        "{:?}",
        received[0].header("Subject")
    );
    assert_eq!(service.stop(), Some(0));
}

/// A wrong SMTP password in `run`: one login attempt, `/healthz` says
/// `smtp_auth_failed`, no more attempts with the same settings; mended and
/// read again on SIGHUP, the same e-mail goes.
#[test]
fn a_refused_login_shows_on_healthz_and_waits_for_new_settings() {
    let dir = tempfile::TempDir::new().unwrap();
    let (ca_file, cert_file, key_file) = crate::mail::tls_files(dir.path());
    let server = SmtpServer::start(&[
        "--tls",
        cert_file.to_str().unwrap(),
        key_file.to_str().unwrap(),
        "--user",
        "casewatch",
        "--password",
        "s3cret-Pa55",
    ]);
    let settings = |password: &str| {
        format!(
            "[mail]\ntransport = \"smtp\"\nfrom = \"casewatch <casewatch@northmere.gov.uk>\"\n\
             reply_to = \"complaints@northmere.gov.uk\"\ncomplaints_team = \"complaints@northmere.gov.uk\"\n\
             [mail.smtp]\nhost = \"localhost\"\nport = {}\nsecurity = \"starttls\"\nca_file = {:?}\n\
             username = \"casewatch\"\npassword = {password:?}\n\
             [web]\npublic_url = \"https://complaints.northmere.gov.uk\"\n",
            server.port,
            ca_file.to_str().unwrap()
        )
    };
    let config = write(dir.path(), "casewatch.toml", &settings("wrong-password"));
    let config = config.to_str().unwrap().to_owned();
    let data = dir.path().join("data");
    let mut env = vec![
        ("CASEWATCH_CONFIG", config.clone()),
        ("CASEWATCH__DATA_DIR", data.to_str().unwrap().to_owned()),
    ];
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // CSC-9 is due on Wednesday 25 November 2026.
    let staff = write(dir.path(), "staff.csv", crate::helpers::STAFF_CSV);
    let cases = write(
        dir.path(),
        "cases.csv",
        "reference,kind,stage,received_on,team,manager_email\n\
         CSC-9,statutory,1,2026-11-11,Fostering,ann.lee@example.org\n",
    );
    for args in [
        vec!["import", "staff", staff.to_str().unwrap()],
        vec![
            "import",
            "cases",
            cases.to_str().unwrap(),
            "--as-of",
            "2026-11-25",
        ],
    ] {
        let out = casewatch(dir.path(), &borrowed, &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    env.extend(fake_clock("2026-11-25 09:00:00"));
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut service = Service::start(dir.path(), &borrowed);
    service.wait_until_ready();
    let body = service.wait_for_reply("/healthz", 503, "smtp_auth_failed");
    assert!(body.contains("refused the login as casewatch"), "{body}");
    assert!(!body.contains("wrong-password") && !service.log().contains("wrong-password"));
    // The poll runs every second; the login is not tried again.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(server.login_attempts(), 1);
    assert!(server.received().is_empty());

    write(dir.path(), "casewatch.toml", &settings("s3cret-Pa55"));
    service.signal("-HUP");
    // The reminder, and the week's tracker for the complaints team.
    server.wait_for(2);
    let to: Vec<Vec<String>> = server.received().into_iter().map(|m| m.rcpt_tos).collect();
    assert!(
        to.contains(&vec!["ann.lee@example.org".to_owned()]),
        "{to:?}"
    );
    let body = service.wait_for_status("/healthz", 200);
    assert!(!body.contains("smtp_auth_failed"), "{body}");
    assert_eq!(service.stop(), Some(0));
}
