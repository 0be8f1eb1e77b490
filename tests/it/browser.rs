//! End to end in headless Chromium (Debian's chromium and chromedriver):
//! a manager opens the link in an overdue notice, fills in the form, sends
//! it and sees the confirmation; the reason is in the store.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use casewatch::calendar::{Calendar, Division};
use casewatch::domain::london_time;
use chrono::Utc;
use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{TestDb, casewatch, stderr};
use crate::web::{PUBLIC_URL, env, load, stage_id, start};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver(Child);

impl Driver {
    /// Starts chromedriver on a port it picks itself (`--port=0`), and reads
    /// the port from the line it prints once started.
    fn start() -> (Self, u16) {
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let driver = Self(child);
        let mut line = String::new();
        let port = loop {
            line.clear();
            let read = out.read_line(&mut line).unwrap();
            assert!(read > 0, "chromedriver ended without saying its port");
            // "ChromeDriver was started successfully on port 45431."
            if let Some(rest) = line.split_once("started successfully on port ") {
                break rest.1.trim().trim_end_matches('.').parse().unwrap();
            }
        };
        // Whatever else it prints must not fill the pipe and stop it.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        (driver, port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The text part of the e-mail to `to`, with quoted-printable undone.
fn email_text_to(dir: &std::path::Path, to: &str) -> String {
    for entry in std::fs::read_dir(dir).unwrap() {
        let raw = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        if raw.lines().any(|l| l == format!("To: {to}")) {
            return raw
                .replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=");
        }
    }
    panic!("no e-mail to {to} in {}", dir.display());
}

#[tokio::test]
async fn a_manager_gives_a_reason_from_the_link_in_an_overdue_notice() {
    for program in [CHROMEDRIVER, CHROMIUM] {
        assert!(
            std::path::Path::new(program).exists(),
            "{program} is needed (Debian packages chromium and chromium-driver; bash tests/setup.sh installs them)"
        );
    }
    let db = TestDb::sqlite().await;
    load(&db);
    let mut vars = env(&db);
    vars.push((
        "CASEWATCH__WEB__PUBLIC_URL".to_owned(),
        PUBLIC_URL.to_owned(),
    ));
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The latest working day: reminders only go out on working days, and
    // the link must still be valid today.
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let today = london_time(Utc::now()).0;
    let day = today
        .iter_days()
        .rev()
        .find(|d| calendar.is_working_day(*d).unwrap())
        .unwrap();
    let out = casewatch(
        db.dir.path(),
        &env,
        &["poll", "--once", "--as-of", &day.to_string()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = email_text_to(&db.dir.path().join("mail"), "ann.lee@example.org");
    let link = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Give the reason for CSC-1: "))
        .unwrap_or_else(|| panic!("no link in\n{text}"))
        .to_owned();
    // The service's port is known only once it listens: the link goes to
    // it as through a proxy in front of the service.
    let server = start(&db).await;
    let link = link.replace(PUBLIC_URL, &server.base);
    assert!(
        link.starts_with(&format!("{}/reasons/", server.base)),
        "{link}"
    );

    let (_driver, driver_port) = Driver::start();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": CHROMIUM,
            // Root in a container: no sandbox; small /dev/shm: use /tmp.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=390,844"]
        }),
    );
    let webdriver = format!("http://127.0.0.1:{driver_port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let browser = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&webdriver)
            .await
        {
            Ok(client) => break client,
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "cannot start Chromium through chromedriver: {e}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };

    browser.goto(&link).await.unwrap();
    let heading = browser
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Why is the response to CSC-1 late?");
    // Sending the empty form shows the error summary.
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = browser
        .wait()
        .for_element(Locator::Css(".summary"))
        .await
        .unwrap();
    assert!(
        summary
            .text()
            .await
            .unwrap()
            .contains("Choose the main reason for the delay")
    );
    // Labels are clickable: choose the category by its label.
    browser
        .find(Locator::Css("label[for=category-awaiting_other_agency]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find(Locator::Id("text"))
        .await
        .unwrap()
        .send_keys("Waiting for the health visitor's report")
        .await
        .unwrap();
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let panel = browser
        .wait()
        .for_element(Locator::Css(".panel h1"))
        .await
        .unwrap();
    assert_eq!(panel.text().await.unwrap(), "Reason received");
    browser.close().await.unwrap();

    let store = db.store().await;
    let reasons = store
        .reasons_of(stage_id(&store, "CSC-1", 2).await)
        .await
        .unwrap();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].category, "awaiting_other_agency");
    assert_eq!(reasons[0].text, "Waiting for the health visitor's report");
    assert_eq!(reasons[0].via, "web");
}
