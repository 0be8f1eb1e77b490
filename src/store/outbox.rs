//! Reminders and the outbox: what the poll recorded, the e-mails carrying
//! it, and the sender's claims and results.
//!
//! A reminder is recorded once per (stage, kind, deadline): the unique key
//! makes a repeated poll, or a second poller, record nothing twice. E-mails
//! are composed from the day's reminders that no e-mail carries yet, and
//! linked to them in the same transaction; a poller whose e-mail finds one
//! of its reminders taken by another withdraws that e-mail. Every step can
//! be cut short and run again without losing or doubling anything.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::QueryBuilder;

use super::cases::StageListed;
use super::{StageRow, Store, StoreError, with_pool};
use crate::domain::Reminder;

/// An open stage as the poll reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenStageRow {
    pub stage: StageRow,
    pub escalation_email: Option<String>,
    /// Whether a reason for the delay has been given for this stage.
    pub reason_given: bool,
}

#[derive(sqlx::FromRow)]
struct OpenStageListed {
    #[sqlx(flatten)]
    stage: StageListed,
    escalation_email: Option<String>,
    reason_given: bool,
}

/// A stage answered lately: what the poll needs to ask for a late answer's
/// reason, or an upheld one's learning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredStageRow {
    pub stage: StageRow,
    pub reason_given: bool,
    pub learning_given: bool,
}

#[derive(sqlx::FromRow)]
struct AnsweredListed {
    #[sqlx(flatten)]
    stage: StageListed,
    reason_given: bool,
    learning_given: bool,
}

/// An action from learning, due lately, whose owner is on the staff list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRow {
    pub stage: StageRow,
    pub owner: String,
    pub action: String,
    pub due_on: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct ActionListed {
    #[sqlx(flatten)]
    stage: StageListed,
    action_owner: String,
    action: String,
    action_due_on: NaiveDate,
}

/// A reminder the poll found due, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReminder {
    pub stage_id: i64,
    pub kind: Reminder,
    pub due_on: NaiveDate,
    pub recipient: String,
}

/// A recorded reminder no e-mail carries yet, with what an e-mail says
/// about its stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsentReminder {
    pub id: i64,
    pub kind: Reminder,
    pub due_on: NaiveDate,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub stage: StageRow,
    /// The action an action reminder is about.
    pub action: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UnsentListed {
    #[sqlx(flatten)]
    stage: StageListed,
    reminder_id: i64,
    #[sqlx(try_from = "String")]
    reminder_kind: Reminder,
    reminder_due_on: NaiveDate,
    recipient: String,
    recipient_name: Option<String>,
    action: Option<String>,
}

impl TryFrom<UnsentListed> for UnsentReminder {
    type Error = StoreError;

    fn try_from(r: UnsentListed) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.reminder_id,
            kind: r.reminder_kind,
            due_on: r.reminder_due_on,
            recipient: r.recipient,
            recipient_name: r.recipient_name,
            stage: StageRow::try_from(r.stage)?,
            action: r.action,
        })
    }
}

/// A composed e-mail, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub recipient: String,
    pub cc: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub ics: Option<String>,
    /// The reminders (`UnsentReminder::id`) it carries.
    pub reminder_ids: Vec<i64>,
}

/// Where an e-mail stands. Stored as the same words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for its first attempt, or for a retry.
    Pending,
    /// Claimed by a sender until its claim runs out.
    Sending,
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
    /// Its day passed unsent; its reminders were released.
    Expired,
}

impl OutboxStatus {
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Sending,
        Self::Sent,
        Self::Failed,
        Self::Expired,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }
}

impl fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for OutboxStatus {
    type Error = StoreError;

    fn try_from(text: String) -> Result<Self, StoreError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| StoreError::Corrupt(format!("{text:?} is not an outbox status")))
    }
}

/// A claimed e-mail, as the sender needs it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub for_day: NaiveDate,
    pub recipient: String,
    pub cc: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub ics: Option<String>,
    /// Attempts before this one.
    pub attempts: i32,
}

/// Where an e-mail stands, for people (and the tracker) to read.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageStatus {
    pub id: i64,
    pub for_day: NaiveDate,
    pub recipient: String,
    pub subject: String,
    #[sqlx(try_from = "String")]
    pub status: OutboxStatus,
    pub attempts: i32,
    /// The last reply from the mail server (or the transport's words).
    pub last_reply: Option<String>,
}

/// How one attempt to send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        reply: String,
    },
    /// Try again at `at`.
    Retry {
        reply: String,
        at: DateTime<Utc>,
    },
    Failed {
        reply: String,
    },
}

/// A sender's claim of up to `limit` of `today`'s e-mails: those due for an
/// attempt by `due_by`, and those whose earlier claim ran out before `now`
/// (that sender died). The claim lasts until `until`.
///
/// `now` and `until` are the real clock even when a day is replayed
/// (`poll --once --as-of`, whose `due_by` is that day's morning): a claim
/// made by a replay that was killed must run out for the next replay.
#[derive(Debug, Clone, Copy)]
pub struct OutboxClaim<'a> {
    pub worker: &'a str,
    pub today: NaiveDate,
    pub due_by: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub limit: i64,
}

/// E-mails held by claims: how many, and when the last claim runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub count: usize,
    pub until: Option<DateTime<Utc>>,
}

const OPEN_STAGES: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", m.escalation_email,
       EXISTS (SELECT 1 FROM delay_reasons r WHERE r.stage_id = s.id) AS reason_given",
    stages_with_case!(),
    "WHERE c.kind NOT IN ('comment', 'compliment')
       AND s.received_on <= $1
       AND (s.responded_on IS NULL OR s.responded_on > $1)
       AND (s.left_source_on IS NULL OR s.left_source_on > $1)
       AND (s.outcome IS NULL OR s.outcome <> 'withdrawn' OR s.responded_on IS NOT NULL)"
);

/// An e-mail for day $1 to $2 (cc $3) with subject $4, due at $5; and its
/// bodies, kept apart: also how the digests queue theirs.
pub(super) const INSERT_MESSAGE: &str =
    "INSERT INTO outbox (for_day, recipient, cc, subject, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
pub(super) const INSERT_BODY: &str =
    "INSERT INTO outbox_bodies (outbox_id, body_text, body_html, ics) VALUES ($1, $2, $3, $4)";

/// Stages answered between $1 and $2, as the case system last showed
/// them (withdrawn ones and those gone from it aside).
const ANSWERED_STAGES: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", EXISTS (SELECT 1 FROM delay_reasons r WHERE r.stage_id = s.id) AS reason_given,
       EXISTS (SELECT 1 FROM learning l WHERE l.stage_id = s.id) AS learning_given",
    stages_with_case!(),
    "WHERE c.kind NOT IN ('comment', 'compliment')
       AND s.responded_on BETWEEN $1 AND $2
       AND s.left_source_on IS NULL
       AND (s.outcome IS NULL OR s.outcome <> 'withdrawn')"
);

/// Actions due between $1 and $2 whose owner is a member of staff.
const DUE_ACTIONS: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", l.action_owner, l.action, l.action_due_on",
    stages_with_case!(),
    "JOIN learning l ON l.stage_id = s.id
     JOIN staff o ON o.email = l.action_owner
     WHERE l.action_due_on BETWEEN $1 AND $2 AND l.action IS NOT NULL"
);

/// The unsent reminders' columns, for the two reads below.
macro_rules! unsent {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            stage_columns!(),
            ", r.id AS reminder_id, r.kind AS reminder_kind, r.due_on AS reminder_due_on,
               r.recipient, p.name AS recipient_name,
               (SELECT MIN(l.action) FROM learning l
                WHERE l.stage_id = s.id AND l.action_due_on = r.due_on
                  AND r.kind IN ('action_due', 'action_overdue')) AS action",
            stages_with_case!(),
            "JOIN reminders r ON r.stage_id = s.id
             LEFT JOIN staff p ON p.email = r.recipient
             WHERE r.for_day = $1 AND r.outbox_id IS NULL AND ",
            $condition
        )
    };
}

/// The first unsent reminders of recipients after $2, by recipient and id.
const UNSENT_AFTER: &str = unsent!("r.recipient > $2 ORDER BY r.recipient, r.id LIMIT $3");

/// The rest of recipient $2's unsent reminders, after reminder $3.
const UNSENT_REST: &str = unsent!("r.recipient = $2 AND r.id > $3 ORDER BY r.id");

/// New reminders after which the planner's statistics are refreshed at once.
const ANALYZE_AFTER: usize = 10_000;

/// Rows written, or ids linked, per statement: 6,000 bound values, within
/// SQLite's 32,766 and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 1_000;

/// The claim. PostgreSQL lets concurrent senders skip each other's rows;
/// SQLite has one writer at a time, so the UPDATE alone is atomic there.
/// Claims that ran out come first, so that the e-mails of a sender that
/// died are not overtaken by the day's later ones.
macro_rules! claim {
    ($lock:literal) => {
        concat!(
            "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_until = $5
             WHERE id IN (
                SELECT id FROM (SELECT id FROM outbox
                    WHERE for_day = $2 AND status = 'sending' AND claimed_until < $4
                    ORDER BY next_attempt_at, id LIMIT $6",
            $lock,
            ") AS ran_out
                UNION ALL
                SELECT id FROM (SELECT id FROM outbox
                    WHERE for_day = $2 AND status = 'pending' AND next_attempt_at <= $3
                    ORDER BY next_attempt_at, id LIMIT $6",
            $lock,
            ") AS due
                LIMIT $6)
             RETURNING id, for_day, recipient, cc, subject, attempts,
                (SELECT body_text FROM outbox_bodies WHERE outbox_id = outbox.id) AS body_text,
                (SELECT body_html FROM outbox_bodies WHERE outbox_id = outbox.id) AS body_html,
                (SELECT ics FROM outbox_bodies WHERE outbox_id = outbox.id) AS ics"
        )
    };
}

impl Store {
    /// Calls `each` with every stage open on `as_of` (complaints received by
    /// then, not answered or withdrawn by then), streaming so that memory
    /// stays flat however many there are; returns how many.
    pub async fn for_each_open_stage(
        &self,
        as_of: NaiveDate,
        mut each: impl FnMut(OpenStageRow),
    ) -> Result<usize, StoreError> {
        let mut count = 0;
        with_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, OpenStageListed>(OPEN_STAGES)
                .bind(as_of)
                .fetch(pool);
            while let Some(row) = rows.try_next().await? {
                count += 1;
                each(OpenStageRow {
                    stage: StageRow::try_from(row.stage)?,
                    escalation_email: row.escalation_email,
                    reason_given: row.reason_given,
                });
            }
        });
        Ok(count)
    }

    /// For each stage with an overdue notice, the latest deadline one was
    /// recorded for and the day the first notice about it was: what the
    /// escalation waits on. Read in one pass before the open stages,
    /// rather than looked up stage by stage in the poll's stream.
    pub async fn first_overdue_notices(
        &self,
    ) -> Result<HashMap<i64, (NaiveDate, NaiveDate)>, StoreError> {
        let rows: Vec<(i64, NaiveDate, NaiveDate)> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT stage_id, due_on, MIN(for_day) FROM reminders
                 WHERE kind LIKE 'overdue_%' GROUP BY stage_id, due_on",
            )
            .fetch_all(pool)
            .await?
        });
        let mut latest: HashMap<i64, (NaiveDate, NaiveDate)> = HashMap::new();
        for (stage_id, due_on, first) in rows {
            let entry = latest.entry(stage_id).or_insert((due_on, first));
            if due_on > entry.0 {
                *entry = (due_on, first);
            }
        }
        Ok(latest)
    }

    /// The stages answered from `from` to `to`, both included.
    pub async fn answered_stages(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<AnsweredStageRow>, StoreError> {
        let rows: Vec<AnsweredListed> = with_pool!(self, |pool| {
            sqlx::query_as(ANSWERED_STAGES)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(AnsweredStageRow {
                    stage: StageRow::try_from(r.stage)?,
                    reason_given: r.reason_given,
                    learning_given: r.learning_given,
                })
            })
            .collect()
    }

    /// The actions due from `from` to `to`, both included, whose owner is
    /// on the staff list (only they can be reminded).
    pub async fn due_actions(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ActionRow>, StoreError> {
        let rows: Vec<ActionListed> = with_pool!(self, |pool| {
            sqlx::query_as(DUE_ACTIONS)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(ActionRow {
                    stage: StageRow::try_from(r.stage)?,
                    owner: r.action_owner,
                    action: r.action,
                    due_on: r.action_due_on,
                })
            })
            .collect()
    }

    /// Every reminder recorded so far, as (stage, kind, deadline).
    pub async fn recorded_reminders(
        &self,
    ) -> Result<HashSet<(i64, Reminder, NaiveDate)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Key {
            stage_id: i64,
            #[sqlx(try_from = "String")]
            kind: Reminder,
            due_on: NaiveDate,
        }
        let keys: Vec<Key> = with_pool!(self, |pool| {
            sqlx::query_as("SELECT stage_id, kind, due_on FROM reminders")
                .fetch_all(pool)
                .await?
        });
        Ok(keys
            .into_iter()
            .map(|k| (k.stage_id, k.kind, k.due_on))
            .collect())
    }

    /// Records the reminders not recorded before, in one transaction, in the
    /// order given; returns how many were new.
    pub async fn add_reminders(
        &self,
        reminders: &[NewReminder],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut added = 0;
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in reminders.chunks(ROWS_PER_STATEMENT) {
                let done = QueryBuilder::new(
                    "INSERT INTO reminders (stage_id, kind, due_on, for_day, recipient, created_at) ",
                )
                .push_values(chunk, |mut row, r| {
                    row.push_bind(r.stage_id)
                        .push_bind(r.kind.to_string())
                        .push_bind(r.due_on)
                        .push_bind(today)
                        .push_bind(&r.recipient)
                        .push_bind(now);
                })
                .push(" ON CONFLICT (stage_id, kind, due_on) DO NOTHING")
                .build()
                .execute(&mut *tx)
                .await?;
                added += usize::try_from(done.rows_affected()).unwrap_or(0);
            }
            tx.commit().await?;
            // Composing next links the new reminders to their e-mails by id.
            // A planner that has not seen the day's reminders (PostgreSQL's
            // statistics are refreshed by autovacuum a minute or so later;
            // SQLite keeps none until asked) scanned every unlinked reminder
            // for each list of ids.
            if added >= ANALYZE_AFTER {
                sqlx::query("ANALYZE reminders").execute(pool).await?;
            }
        });
        Ok(added)
    }

    /// The next of `today`'s reminders that no e-mail carries yet, in order
    /// of recipient (as the database sorts text) and id: those of the
    /// recipients after `after` (`""` for the first), at least `at_least`
    /// of them where there are so many, and never part of a recipient's.
    /// Empty when none is left. Composing goes through the day a batch at
    /// a time, so that memory follows the batch, not the day.
    pub async fn unsent_reminders(
        &self,
        today: NaiveDate,
        after: &str,
        at_least: usize,
    ) -> Result<Vec<UnsentReminder>, StoreError> {
        let limit = i64::try_from(at_least.max(1)).unwrap_or(i64::MAX);
        let mut rows: Vec<UnsentListed> = with_pool!(self, |pool| {
            sqlx::query_as(UNSENT_AFTER)
                .bind(today)
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        // A full batch may have cut the last recipient's reminders short.
        if let Some(last) = rows.last().filter(|_| rows.len() >= at_least.max(1)) {
            let (recipient, id) = (last.recipient.clone(), last.reminder_id);
            let rest: Vec<UnsentListed> = with_pool!(self, |pool| {
                sqlx::query_as(UNSENT_REST)
                    .bind(today)
                    .bind(&recipient)
                    .bind(id)
                    .fetch_all(pool)
                    .await?
            });
            rows.extend(rest);
        }
        rows.into_iter().map(UnsentReminder::try_from).collect()
    }

    /// Stores `message` and links its reminders to it, unless another poller
    /// linked any of them first; returns whether it was stored.
    pub async fn add_message(
        &self,
        message: &NewMessage,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .add_messages(std::slice::from_ref(message), today, now)
            .await?
            == [true])
    }

    /// `add_message` for each of `messages`, in one transaction: whether
    /// each was stored. An e-mail that lost a race is deleted again within
    /// it, and the foreign key (`ON DELETE SET NULL`) releases the reminders
    /// it had linked, for a later e-mail of the batch or the next poll.
    pub async fn add_messages(
        &self,
        messages: &[NewMessage],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        let mut stored = Vec::with_capacity(messages.len());
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for message in messages {
                let id: i64 = sqlx::query_scalar(INSERT_MESSAGE)
                    .bind(today)
                    .bind(&message.recipient)
                    .bind(message.cc.as_deref())
                    .bind(&message.subject)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(INSERT_BODY)
                    .bind(id)
                    .bind(&message.body_text)
                    .bind(&message.body_html)
                    .bind(message.ics.as_deref())
                    .execute(&mut *tx)
                    .await?;
                let mut linked_all = true;
                for chunk in message.reminder_ids.chunks(ROWS_PER_STATEMENT) {
                    let mut link = QueryBuilder::new("UPDATE reminders SET outbox_id = ");
                    link.push_bind(id)
                        .push(" WHERE outbox_id IS NULL AND id IN (");
                    let mut list = link.separated(", ");
                    for reminder in chunk {
                        list.push_bind(*reminder);
                    }
                    list.push_unseparated(")");
                    let linked = link.build().execute(&mut *tx).await?.rows_affected();
                    // Fewer rows than ids: another poller took some (or an
                    // id was repeated).
                    if usize::try_from(linked).ok() != Some(chunk.len()) {
                        linked_all = false;
                        break;
                    }
                }
                if !linked_all {
                    sqlx::query("DELETE FROM outbox WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                stored.push(linked_all);
            }
            tx.commit().await?;
        });
        Ok(stored)
    }

    /// When the next of `today`'s unsent e-mails may be tried: the time of a
    /// retry, or when the claim of a sender that stopped runs out.
    pub async fn next_send_at(
        &self,
        today: NaiveDate,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        const SQL: &str = "
            SELECT MIN(at) FROM (
                SELECT next_attempt_at AS at FROM outbox WHERE for_day = $1 AND status = 'pending'
                UNION ALL
                SELECT claimed_until FROM outbox WHERE for_day = $1 AND status = 'sending'
            ) waiting";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(SQL).bind(today).fetch_one(pool).await?
        }))
    }

    /// `today`'s e-mails held by a claim: being sent, or claimed by a
    /// sender that stopped (then taken over once the claim runs out).
    pub async fn held_messages(&self, today: NaiveDate) -> Result<Held, StoreError> {
        let (count, until): (i64, Option<DateTime<Utc>>) = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT COUNT(*), MAX(claimed_until) FROM outbox
                 WHERE for_day = $1 AND status = 'sending'",
            )
            .bind(today)
            .fetch_one(pool)
            .await?
        });
        Ok(Held {
            count: usize::try_from(count).unwrap_or(0),
            until,
        })
    }

    /// Retires e-mails whose day passed unsent, and reminders no e-mail took
    /// up, so the next poll decides afresh what still makes sense. Returns
    /// how many e-mails expired.
    pub async fn expire_before(&self, today: NaiveDate) -> Result<usize, StoreError> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let expired: Vec<i64> = sqlx::query_scalar(
                "UPDATE outbox SET status = 'expired', claimed_by = NULL, claimed_until = NULL
                 WHERE status IN ('pending', 'sending') AND for_day < $1 RETURNING id",
            )
            .bind(today)
            .fetch_all(&mut *tx)
            .await?;
            for id in &expired {
                sqlx::query("DELETE FROM reminders WHERE outbox_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM reminders WHERE outbox_id IS NULL AND for_day < $1")
                .bind(today)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(expired.len())
        })
    }

    /// Makes `claim`, in one statement that also returns the e-mails'
    /// bodies; the claimed e-mails in id order.
    pub async fn claim_messages(
        &self,
        claim: &OutboxClaim<'_>,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = match self {
            Store::Sqlite(_) => claim!(""),
            Store::Postgres(_) => claim!(" FOR UPDATE SKIP LOCKED"),
        };
        let mut claimed: Vec<OutboxMessage> = with_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(claim.worker)
                .bind(claim.today)
                .bind(claim.due_by)
                .bind(claim.now)
                .bind(claim.until)
                .bind(claim.limit)
                .fetch_all(pool)
                .await?
        });
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    /// Records how `worker`'s attempts ended, in one transaction; `None`
    /// gives back a claimed e-mail that was not attempted (the sender is
    /// stopping), so the next sender takes it at once. A claim that ran out
    /// and was taken over is left to its new owner.
    pub async fn record_attempts(
        &self,
        results: &[(i64, Option<Outcome>)],
        worker: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for (id, outcome) in results {
                let Some(outcome) = outcome else {
                    sqlx::query(
                        "UPDATE outbox SET status = 'pending', claimed_by = NULL, claimed_until = NULL
                         WHERE id = $1 AND status = 'sending' AND claimed_by = $2",
                    )
                    .bind(id)
                    .bind(worker)
                    .execute(&mut *tx)
                    .await?;
                    continue;
                };
                let (status, reply, next, sent_at) = match outcome {
                    Outcome::Sent { reply } => (OutboxStatus::Sent, reply, now, Some(now)),
                    Outcome::Retry { reply, at } => (OutboxStatus::Pending, reply, *at, None),
                    Outcome::Failed { reply } => (OutboxStatus::Failed, reply, now, None),
                };
                sqlx::query(
                    "UPDATE outbox SET status = $3, last_reply = $4, next_attempt_at = $5,
                            sent_at = $6, attempts = attempts + 1,
                            claimed_by = NULL, claimed_until = NULL
                     WHERE id = $1 AND status = 'sending' AND claimed_by = $2",
                )
                .bind(id)
                .bind(worker)
                .bind(status.as_str())
                .bind(reply)
                .bind(next)
                .bind(sent_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every e-mail of `day`, oldest first.
    pub async fn messages_of(&self, day: NaiveDate) -> Result<Vec<MessageStatus>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, for_day, recipient, subject, status, attempts, last_reply
                 FROM outbox WHERE for_day = $1 ORDER BY id",
            )
            .bind(day)
            .fetch_all(pool)
            .await?
        }))
    }
}
