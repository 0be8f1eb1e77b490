//! `casewatch run` as systemd runs it: readiness, watchdog pings, and a
//! clean stop on SIGTERM; and a broken template refused at start-up.

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{casewatch, stderr, write};

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
