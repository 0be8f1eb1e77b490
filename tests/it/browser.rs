//! End to end in headless Chromium (Debian's chromium and chromedriver),
//! at a phone's width: a manager opens the links in the day's e-mail, gives
//! the reason for an overdue case and for one answered late, and the
//! learning from an upheld one with an action; the duplicate guard; what
//! was given is in the store.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use casewatch::calendar::{Calendar, Division};
use casewatch::domain::london_time;
use chrono::{Days, Utc};
use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{TestDb, casewatch, stderr};
use crate::web::{PUBLIC_URL, env, load, stage_id, start};

pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

pub(crate) struct Driver(Child);

impl Driver {
    /// Starts chromedriver on a port it picks itself (`--port=0`), and reads
    /// the port from the line it prints once started.
    pub(crate) fn start() -> (Self, u16) {
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
    // CORP-9 answered on time and upheld six working days ago: its
    // learning is asked for. CORP-8 answered late today: its reason is.
    let before = |n: usize| {
        day.iter_days()
            .rev()
            .skip(1)
            .filter(|d| calendar.is_working_day(*d).unwrap())
            .nth(n - 1)
            .unwrap()
    };
    let upheld_on = before(6);
    let answered = format!(
        "reference,kind,stage,received_on,team,manager_email,responded_on,outcome\n\
         CORP-9,corporate,1,{},Parks,ann.lee@example.org,{upheld_on},upheld\n\
         CORP-8,corporate,1,{},Parks,ann.lee@example.org,{day},not upheld\n",
        upheld_on - Days::new(7),
        day - Days::new(60),
    );
    let file = crate::helpers::write(db.dir.path(), "answered.csv", &answered);
    let out = casewatch(
        db.dir.path(),
        &env,
        &[
            "import",
            "cases",
            file.to_str().unwrap(),
            "--as-of",
            &day.to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = casewatch(
        db.dir.path(),
        &env,
        &["poll", "--once", "--as-of", &day.to_string()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = email_text_to(&db.dir.path().join("mail"), "ann.lee@example.org");
    // The service's port is known only once it listens: the links go to
    // it as through a proxy in front of the service.
    let server = start(&db).await;
    let link_for = |words: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(words))
            .unwrap_or_else(|| panic!("no {words:?} in\n{text}"))
            .replace(PUBLIC_URL, &server.base)
    };
    let link = link_for("Give the reason for CSC-1: ");
    let late_link = link_for("Give the reason for CORP-8: ");
    let learning_link = link_for("Record the learning for CORP-9: ");
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

    // The link again: the reason is shown, and a different one is added
    // only when the manager ticks the box.
    browser.goto(&link).await.unwrap();
    let given = text_of(&browser, ".given").await;
    assert!(given.contains("Waiting for the health visitor"), "{given}");
    click(&browser, "label[for=category-legal_advice]").await;
    type_into(&browser, "text", "Legal advice on disclosure needed").await;
    click(&browser, "button[type=submit]").await;
    let summary = text_of(&browser, ".summary").await;
    assert!(summary.contains("tick the box"), "{summary}");
    click(&browser, "label[for=add_another]").await;
    click(&browser, "button[type=submit]").await;
    assert_eq!(text_of(&browser, ".panel h1").await, "Reason received");

    // The reason for a response sent late: no date to expect.
    browser.goto(&late_link).await.unwrap();
    assert_eq!(
        text_of(&browser, "h1").await,
        "Why was the response to CORP-8 late?"
    );
    assert!(
        browser
            .find(Locator::Id("expected_response_on"))
            .await
            .is_err()
    );
    click(&browser, "label[for=category-complex_case]").await;
    type_into(&browser, "text", "Three services had to reply").await;
    click(&browser, "button[type=submit]").await;
    assert_eq!(text_of(&browser, ".panel h1").await, "Reason received");

    // The learning, with an action for Bo. Errors are tied to their fields.
    browser.goto(&learning_link).await.unwrap();
    assert_eq!(
        text_of(&browser, "h1").await,
        "What has been learnt from CORP-9?"
    );
    click(&browser, "button[type=submit]").await;
    let summary = text_of(&browser, ".summary").await;
    assert!(
        summary.contains("Say what the service has learnt"),
        "{summary}"
    );
    let field = browser.find(Locator::Id("text")).await.unwrap();
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        field.attr("aria-describedby").await.unwrap().as_deref(),
        Some("text-hint text-error")
    );
    let due = calendar.deadline(today, 5).unwrap();
    let fill = |browser: &fantoccini::Client| {
        let browser = browser.clone();
        async move {
            type_into(&browser, "text", "Letters must say when bins are collected").await;
            type_into(&browser, "action", "Update the letter template").await;
            type_into(&browser, "action_owner", "bo.khan@example.org").await;
            // A date field's typing follows the browser's locale: set it.
            browser
                .execute(
                    "document.getElementById('action_due_on').value = arguments[0]",
                    vec![serde_json::json!(due.to_string())],
                )
                .await
                .unwrap();
            click(&browser, "button[type=submit]").await;
        }
    };
    fill(&browser).await;
    assert_eq!(text_of(&browser, ".panel h1").await, "Learning received");
    let done = text_of(&browser, "main").await;
    assert!(
        done.contains("bo.khan@example.org will be reminded"),
        "{done}"
    );
    // Sent again (as a second click would): kept once.
    browser.goto(&learning_link).await.unwrap();
    fill(&browser).await;
    assert_eq!(text_of(&browser, ".panel h1").await, "Learning received");
    let done = text_of(&browser, "main").await;
    assert!(done.contains("already on record"), "{done}");

    // The e-mail itself at a phone's width: nothing runs off the side, and
    // each link is a button naming its case.
    let html = &text[text.find("<!DOCTYPE html>").unwrap()..];
    let html = &html[..html.find("</html>").unwrap() + "</html>".len()];
    let page = db.dir.path().join("email.html");
    std::fs::write(&page, html).unwrap();
    browser
        .goto(&format!("file://{}", page.display()))
        .await
        .unwrap();
    let fits = browser
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true));
    let button = text_of(&browser, "td[bgcolor] a").await;
    assert_eq!(button, "Give the reason for CSC-1");
    browser.close().await.unwrap();

    let store = db.store().await;
    let reasons = store
        .reasons_of(stage_id(&store, "CSC-1", 2).await)
        .await
        .unwrap();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].category, "awaiting_other_agency");
    assert_eq!(reasons[0].text, "Waiting for the health visitor's report");
    assert_eq!(reasons[0].via, "web");
    assert_eq!(reasons[1].category, "legal_advice");
    let late = store
        .reasons_of(stage_id(&store, "CORP-8", 1).await)
        .await
        .unwrap();
    assert_eq!(late.len(), 1, "{late:?}");
    let learning = store
        .learning_of(stage_id(&store, "CORP-9", 1).await)
        .await
        .unwrap();
    assert_eq!(learning.len(), 1, "{learning:?}");
    assert_eq!(
        learning[0].action_owner.as_deref(),
        Some("bo.khan@example.org")
    );
    assert_eq!(learning[0].action_due_on, Some(due));
}

async fn click(browser: &fantoccini::Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_into(browser: &fantoccini::Client, id: &str, text: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// The text of the first `css` element, once the page shows one.
async fn text_of(browser: &fantoccini::Client, css: &str) -> String {
    browser
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}
