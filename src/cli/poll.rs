//! `casewatch poll --once`: one poll and one drain of the outbox, by hand or
//! from a timer, with `--as-of` to replay a day.

use std::io::Write;

use anyhow::anyhow;

use chrono::{NaiveDate, Utc};

use super::Failure;
use crate::domain::london_time;
use crate::feed::Feed;
use crate::mail::sender::window_opens;
use crate::mail::{Sender, Transport};
use crate::remind::Poll;
use crate::settings::Settings;
use crate::store::Store;
use crate::templates::Templates;

pub(super) async fn once(
    settings: &Settings,
    as_of: Option<NaiveDate>,
    dry_run: bool,
) -> Result<(), Failure> {
    // Everything that can be wrong with the settings is found before any
    // database work.
    let templates =
        Templates::load(settings.mail.templates_dir.as_deref()).map_err(Failure::bad_input)?;
    let transport = Transport::from_settings(&settings.mail).map_err(Failure::bad_input)?;
    let keys = crate::links::keys::load(settings)?;
    let store = Store::open(&settings.database).await?;
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await?;
    // --as-of replays that day from the moment the sending window opens.
    let now = as_of.map_or_else(Utc::now, |day| window_opens(&settings.mail.window, day));
    let (today, _) = london_time(now);
    let feed = Feed {
        store: &store,
        settings,
        templates: &templates,
    };
    let freshness = feed.freshness(&calendar, now).await?;
    let poll = Poll {
        store: &store,
        settings,
        calendar: &calendar,
        templates: &templates,
        keys: &keys,
        hold_overdue: freshness.stale,
    };
    if dry_run {
        let messages = poll.dry_run(now).await?;
        for m in &messages {
            let cc =
                m.cc.as_deref()
                    .map(|c| format!("Cc: {c}\n"))
                    .unwrap_or_default();
            writeln!(
                super::out(),
                "To: {}\n{cc}Subject: {}\n\n{}\n",
                m.recipient,
                m.subject,
                m.body_text
            )?;
        }
        writeln!(
            super::out(),
            "{today}: dry run: {} e-mail(s) would be queued; nothing was recorded",
            messages.len()
        )?;
        return Ok(());
    }
    let polled = poll.run(now).await?;
    if !polled.after_window {
        feed.warn_if_stale(&freshness, now).await?;
    }
    let sender = Sender::new(store.clone(), transport, settings.mail.clone());
    let (_keep, never) = tokio::sync::watch::channel(false);
    let sent = sender.drain(&calendar, now, &never).await?;
    store.close().await;
    writeln!(
        super::out(),
        "{today}: {} open stage(s) checked, {} reminder(s) due, {} newly recorded, {} e-mail(s) queued",
        polled.stages,
        polled.due,
        polled.recorded,
        polled.messages
    )?;
    if polled.held > 0 {
        writeln!(
            super::out(),
            "{} overdue notice(s) and escalation(s) held back: the case data is stale \
             (last refreshed {}; feed.max_age_hours is {})",
            polled.held,
            freshness.last_refresh.map_or_else(
                || "never".to_owned(),
                |t| {
                    let (day, time) = london_time(t);
                    format!("{day} {}", time.format("%H:%M"))
                }
            ),
            settings.feed.max_age_hours
        )?;
    }
    if polled.after_window {
        writeln!(
            super::out(),
            "the sending window closed at {}: nothing recorded until the next working day",
            settings.mail.window.end.format("%H:%M")
        )?;
    }
    if sent.outside_window {
        writeln!(
            super::out(),
            "outside the sending window (working days {}-{}): queued e-mails wait for it",
            settings.mail.window.start.format("%H:%M"),
            settings.mail.window.end.format("%H:%M")
        )?;
    } else {
        writeln!(
            super::out(),
            "{} sent, {} to retry, {} failed, {} expired",
            sent.sent,
            sent.retrying,
            sent.failed,
            sent.expired
        )?;
    }
    if let (held @ 1.., Some(until)) = (sent.held, sent.held_until) {
        writeln!(
            super::out(),
            "{held} e-mail(s) still claimed by another sender, which may have stopped: \
             taken over from {} (London time)",
            london_time(until).1.format("%H:%M:%S")
        )?;
    }
    match sent.login_refused {
        Some(reply) => Err(anyhow!(
            "sending stopped: {reply}. Nothing was marked failed: the e-mails wait in the \
             outbox and go once the login works (check mail.smtp.username and \
             mail.smtp.password, then run `casewatch poll --once` again)"
        )
        .into()),
        None => Ok(()),
    }
}
