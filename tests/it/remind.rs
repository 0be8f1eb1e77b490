//! Reminders end to end through the binary: the poll, the outbox and the
//! file transport, on both backends, with time given by `--as-of`.

use std::path::Path;

use crate::helpers::{
    STAFF_CSV, TestDb, casewatch, import_sample, on_both_backends, stderr, stdout, write,
};

on_both_backends!(
    a_days_reminders_are_sent_once_and_escalate_later,
    the_complaints_team_is_reminded_of_acknowledgements,
    answered_stages_are_asked_for_reasons_and_learning_and_actions_reminded,
);

/// The `.eml` files written so far, by name.
fn mailbox(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .map(|p| {
                    (
                        p.file_name().unwrap().to_string_lossy().into_owned(),
                        std::fs::read_to_string(&p).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

async fn a_days_reminders_are_sent_once_and_escalate_later(db: TestDb) {
    let dir = db.dir.path();
    let mail = dir.join("mail");
    let url = db.url();
    let mail_dir = mail.to_str().unwrap().to_owned();
    let env = [
        ("CASEWATCH__DATABASE__URL", url.as_str()),
        ("CASEWATCH__MAIL__DIR", mail_dir.as_str()),
    ];
    let run = |args: &[&str]| {
        let out = casewatch(dir, &env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    import_sample(dir, &env, "2026-11-25");

    // 25 November: CSC-1 stage 2 and CORP-2 were due on the 16th, seven
    // working days ago; the adult case is not due until 15 December.
    let dry = run(&["poll", "--once", "--as-of", "2026-11-25", "--dry-run"]);
    assert!(dry.contains("2 e-mail(s) would be queued"), "{dry}");
    assert!(
        dry.contains("Subject: Complaint response overdue: CSC-1 stage 2"),
        "{dry}"
    );
    assert!(mailbox(&mail).is_empty());

    let said = run(&["poll", "--once", "--as-of", "2026-11-25"]);
    assert!(
        said.contains("2 reminder(s) due, 2 newly recorded, 2 e-mail(s) queued"),
        "{said}"
    );
    assert!(said.contains("2 sent, 0 to retry, 0 failed"), "{said}");
    let sent = mailbox(&mail);
    assert_eq!(sent.len(), 2);
    let to_ann = &sent
        .iter()
        .find(|(_, m)| header(m, "To") == Some("ann.lee@example.org"))
        .unwrap()
        .1;
    assert_eq!(
        header(to_ann, "Subject"),
        Some("Complaint response overdue: CSC-1 stage 2")
    );
    assert_eq!(header(to_ann, "Auto-Submitted"), Some("auto-generated"));
    assert_eq!(
        header(to_ann, "Reply-To"),
        Some("\"Complaints team\" <complaints@council.example>")
    );
    assert!(
        header(to_ann, "Message-ID").is_some_and(|id| id.ends_with(".20261125@council.example>"))
    );
    assert!(to_ann.contains("7 working days overdue"), "{to_ann}");
    assert!(
        to_ann.contains("statement of complaint was agreed"),
        "{to_ann}"
    );

    // Polling again the same day sends nothing twice.
    let again = run(&["poll", "--once", "--as-of", "2026-11-25"]);
    assert!(
        again.contains("0 newly recorded, 0 e-mail(s) queued"),
        "{again}"
    );
    assert_eq!(mailbox(&mail).len(), 2);

    // 30 November: ten working days overdue, but the managers had their
    // first notice only on the 25th, when casewatch first saw the cases:
    // nobody above them hears yet, and their second notice was already
    // sent, so nothing goes.
    let later = run(&["poll", "--once", "--as-of", "2026-11-30"]);
    assert!(later.contains("0 e-mail(s) queued"), "{later}");
    // 8 December: the tenth working day since the first notice (the 25th
    // counted). Ann's case goes to her escalation contact, copied to the
    // complaints team; Bo has no contact, so his goes to the complaints
    // team. Each manager gets a fourth notice (sixteen days overdue).
    let later = run(&["poll", "--once", "--as-of", "2026-12-08"]);
    assert!(
        later.contains("4 e-mail(s) queued") && later.contains("4 sent"),
        "{later}"
    );
    let all = mailbox(&mail);
    assert_eq!(all.len(), 6);
    let new: Vec<&String> = all
        .iter()
        .filter(|(name, _)| name.starts_with("2026-12-08"))
        .map(|(_, m)| m)
        .collect();
    let to_head = new
        .iter()
        .find(|m| header(m, "To") == Some("head.children@example.org"))
        .unwrap();
    assert_eq!(header(to_head, "Cc"), Some("complaints@council.example"));
    assert_eq!(
        header(to_head, "Subject"),
        Some("Complaint response escalated: CSC-1 stage 2")
    );
    assert!(
        to_head.contains("Responsible manager: Ann Lee"),
        "{to_head}"
    );
    let to_team = new
        .iter()
        .find(|m| header(m, "To") == Some("complaints@council.example"))
        .unwrap();
    assert_eq!(
        header(to_team, "Subject"),
        Some("Complaint response escalated: CORP-2 stage 1")
    );
    assert_eq!(header(to_team, "Cc"), None);
}

/// A landlord complaint under the Housing Ombudsman's code: the complaints
/// team is reminded to acknowledge it on its fifth working day and once
/// after; until it is acknowledged, its response deadline is provisional,
/// counted from the acknowledgement deadline; once acknowledged, from then.
async fn the_complaints_team_is_reminded_of_acknowledgements(db: TestDb) {
    let dir = db.dir.path();
    let mail = dir.join("mail");
    let url = db.url();
    let mail_dir = mail.to_str().unwrap().to_owned();
    let env = [
        ("CASEWATCH__DATABASE__URL", url.as_str()),
        ("CASEWATCH__MAIL__DIR", mail_dir.as_str()),
    ];
    let run = |args: &[&str]| {
        let out = casewatch(dir, &env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let staff = write(dir, "staff.csv", STAFF_CSV);
    run(&["import", "staff", staff.to_str().unwrap()]);
    // Received Wednesday 18 November 2026: acknowledge by the 25th (19,
    // 20, 23, 24, 25); provisionally due ten working days later, 9 December.
    let cases = "reference,kind,stage,received_on,team,manager_email,acknowledged_on\n\
                 HSG-1,housing,1,2026-11-18,Parks,bo.khan@example.org,\n";
    let file = write(dir, "cases.csv", cases);
    run(&[
        "import",
        "cases",
        file.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    let listed = run(&["cases", "--as-of", "2026-11-25", "--format", "csv"]);
    assert!(
        listed.contains(
            "HSG-1,housing,1,Parks,bo.khan@example.org,Bo Khan,2026-11-18,2026-12-09,,open,10,\
             housing-ombudsman-2024,2026-11-25,,acknowledged,yes"
        ),
        "{listed}"
    );

    let said = run(&["poll", "--once", "--as-of", "2026-11-25"]);
    assert!(said.contains("1 e-mail(s) queued"), "{said}");
    let said = run(&["poll", "--once", "--as-of", "2026-11-26"]);
    assert!(said.contains("1 e-mail(s) queued"), "{said}");
    let subjects: Vec<(String, String)> = mailbox(&mail)
        .iter()
        .map(|(_, m)| {
            let get = |h| header(m, h).unwrap_or_default().to_owned();
            (get("To"), get("Subject"))
        })
        .collect();
    let team = "complaints@council.example";
    assert!(
        subjects.contains(&(
            team.to_owned(),
            "Complaint acknowledgement due today: HSG-1 stage 1".to_owned()
        )),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&(
            team.to_owned(),
            "Complaint acknowledgement overdue: HSG-1 stage 1".to_owned()
        )),
        "{subjects:?}"
    );

    // Five working days before the provisional deadline, the manager is
    // told it may move.
    let dry = run(&["poll", "--once", "--as-of", "2026-12-02", "--dry-run"]);
    assert!(
        dry.contains(
            "Wednesday 9 December 2026 (provisional: counted from the acknowledgement deadline"
        ),
        "{dry}"
    );

    // Acknowledged on the 26th: the ten working days run from then (27,
    // 30 November, 1-4, 7-10 December), and no more acknowledgement
    // reminders go.
    let file = write(
        dir,
        "cases.csv",
        &cases.replace("bo.khan@example.org,", "bo.khan@example.org,2026-11-26"),
    );
    run(&[
        "import",
        "cases",
        file.to_str().unwrap(),
        "--as-of",
        "2026-11-27",
    ]);
    let listed = run(&["cases", "--as-of", "2026-11-27", "--format", "csv"]);
    assert!(
        listed.contains("2026-11-18,2026-12-10,,open,9,housing-ombudsman-2024,2026-11-25,2026-11-26,acknowledged,no"),
        "{listed}"
    );
    let said = run(&["poll", "--once", "--as-of", "2026-11-27"]);
    assert!(said.contains("0 reminder(s) due"), "{said}");
}

/// CORP-9 answered on time and upheld on 10 November, CORP-8 answered late
/// (due 15 October) on Friday 20 November, both by Ann.
const ANSWERED_CSV: &str = "\
reference,kind,stage,received_on,team,manager_email,responded_on,outcome
CORP-9,corporate,1,2026-11-02,Parks,ann.lee@example.org,2026-11-10,upheld
CORP-8,corporate,1,2026-10-01,Parks,ann.lee@example.org,2026-11-20,not upheld
";

/// After the response: a late answer's reason is asked for once, an upheld
/// one's learning on its turns until it is given, and an action's owner is
/// reminded on its date and once after.
async fn answered_stages_are_asked_for_reasons_and_learning_and_actions_reminded(db: TestDb) {
    let dir = db.dir.path();
    let mail = dir.join("mail");
    let url = db.url();
    let mail_dir = mail.to_str().unwrap().to_owned();
    let env = [
        ("CASEWATCH__DATABASE__URL", url.as_str()),
        ("CASEWATCH__MAIL__DIR", mail_dir.as_str()),
    ];
    let run = |args: &[&str]| {
        let out = casewatch(dir, &env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    import_sample(dir, &env, "2026-11-25");
    let file = write(dir, "answered.csv", ANSWERED_CSV);
    run(&[
        "import",
        "cases",
        file.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    // The day's e-mail to Ann, by the day's prefix of its file name.
    let to_ann = |day: &str| -> Option<String> {
        mailbox(&mail)
            .into_iter()
            .filter(|(name, _)| name.starts_with(day))
            .map(|(_, m)| m)
            .find(|m| header(m, "To") == Some("ann.lee@example.org"))
    };

    // Friday 20 November: CORP-8 answered late today; CORP-9 answered
    // eight working days ago, past the five before learning is asked for.
    run(&["poll", "--once", "--as-of", "2026-11-20"]);
    let ann = to_ann("2026-11-20").expect("an e-mail to Ann");
    let text = ann
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(
        text.contains("Answered late: please tell us why")
            && text.contains("Upheld: what has been learnt?"),
        "{text}"
    );
    assert!(text.contains("Give the reason for CORP-8: http"), "{text}");
    assert!(
        text.contains("Record the learning for CORP-9: http"),
        "{text}"
    );
    assert!(text.contains("/learning/"), "{text}");
    let unfolded = ann.replace("\r\n ", " ").replace("\n ", " ");
    assert_eq!(
        header(&unfolded, "Subject"),
        Some("1 complaint response overdue, 1 answered late, 1 upheld response awaiting learning")
    );

    // Monday 23rd: asked once each; nothing new about them.
    run(&["poll", "--once", "--as-of", "2026-11-23"]);
    assert!(
        to_ann("2026-11-23").is_none_or(|m| !m.contains("CORP-8") && !m.contains("CORP-9")),
        "{:?}",
        to_ann("2026-11-23")
    );
    // Tuesday 1 December, fifteen working days after CORP-9's answer: its
    // second request; still not CORP-8 again.
    run(&["poll", "--once", "--as-of", "2026-12-01"]);
    let ann = to_ann("2026-12-01").expect("an e-mail to Ann");
    assert!(ann.contains("CORP-9") && !ann.contains("CORP-8"), "{ann}");

    // The learning arrives with an action for Bo, due Thursday 3 December:
    // no more requests; Bo is reminded that day, and once after.
    let store = db.store().await;
    let corp9 = store
        .find_stage(
            &casewatch::domain::Reference::parse("CORP-9").unwrap(),
            casewatch::domain::Stage::new(1).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    let learning = casewatch::store::NewLearning {
        stage_id: corp9.stage_id,
        text: "Letters must say when bins are collected".to_owned(),
        action: Some("Update the letter template".to_owned()),
        action_owner: Some("bo.khan@example.org".to_owned()),
        action_due_on: Some("2026-12-03".parse().unwrap()),
        given_by: None,
        via: casewatch::domain::Via::Web,
    };
    assert!(
        store
            .add_learning(&learning, chrono::Utc::now())
            .await
            .unwrap()
    );
    let to_bo = |day: &str| -> Vec<String> {
        mailbox(&mail)
            .into_iter()
            .filter(|(name, _)| name.starts_with(day))
            .map(|(_, m)| m)
            .filter(|m| header(m, "To") == Some("bo.khan@example.org"))
            .collect()
    };
    run(&["poll", "--once", "--as-of", "2026-12-03"]);
    let bo = to_bo("2026-12-03").concat();
    assert!(
        bo.contains("Actions due today") && bo.contains("Update the letter template"),
        "{bo}"
    );
    run(&["poll", "--once", "--as-of", "2026-12-04"]);
    let bo = to_bo("2026-12-04").concat();
    assert!(bo.contains("Actions past their date"), "{bo}");
    run(&["poll", "--once", "--as-of", "2026-12-07"]);
    assert!(
        !to_bo("2026-12-07")
            .concat()
            .contains("Update the letter template"),
        "reminded once after its date"
    );
    // Wednesday 16 December would have been CORP-9's third request.
    run(&["poll", "--once", "--as-of", "2026-12-16"]);
    assert!(to_ann("2026-12-16").is_none_or(|m| !m.contains("CORP-9")));
}
