//! Recording a day's reminders and storing its e-mails on PostgreSQL: a
//! statement per batch, each column bound as one array, rather than a
//! statement (or several) per e-mail or per thousand rows. Over the
//! network every statement is a round trip, and a statement of thousands
//! of bound values is parsed and planned anew each time.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use super::{NewMessage, NewReminder, StoreError};

/// Reminders recorded per statement: a few hundred kilobytes of arrays.
const REMINDERS_PER_STATEMENT: usize = 10_000;

/// Makes PostgreSQL check each linked reminder's foreign key by the
/// `outbox` primary key. The check is a query per row whose plan each
/// connection makes once and keeps: made while a fresh day's `outbox` was
/// nearly empty, it read the whole table, so linking a reminder grew from
/// 60 to 500 µs as the day's e-mails were stored (1.2 billion rows read
/// for a day of 676,660 reminders). Within this transaction only.
const INDEXED_KEY_CHECKS: &str = "SET LOCAL enable_seqscan = off";

/// `Store::add_reminders`: the reminders not recorded before, in one
/// transaction, in the order given (so their ids follow it); how many
/// were new.
pub(super) async fn add_reminders(
    pool: &PgPool,
    reminders: &[NewReminder],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut added = 0;
    let mut tx = pool.begin().await?;
    for chunk in reminders.chunks(REMINDERS_PER_STATEMENT) {
        let done = sqlx::query(
            "INSERT INTO reminders (stage_id, kind, due_on, for_day, recipient, created_at)
             SELECT stage_id, kind, due_on, $5, recipient, $6
             FROM UNNEST($1::int8[], $2::text[], $3::date[], $4::text[])
                  WITH ORDINALITY AS r (stage_id, kind, due_on, recipient, n)
             ORDER BY n
             ON CONFLICT (stage_id, kind, due_on) DO NOTHING",
        )
        .bind(chunk.iter().map(|r| r.stage_id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| &*r.kind).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| r.due_on).collect::<Vec<_>>())
        .bind(chunk.iter().map(|r| &*r.recipient).collect::<Vec<_>>())
        .bind(today)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        added += usize::try_from(done.rows_affected()).unwrap_or(0);
    }
    tx.commit().await?;
    Ok(added)
}

/// `Store::add_messages`: the e-mails and their bodies in a statement
/// each, then their links; whether each was stored.
pub(super) async fn add_messages(
    pool: &PgPool,
    messages: &[NewMessage],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<bool>, StoreError> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await?;
    sqlx::query(INDEXED_KEY_CHECKS).execute(&mut *tx).await?;
    let ids = insert_messages(&mut tx, messages, today, now).await?;
    insert_bodies(&mut tx, messages, &ids).await?;
    let stored = if carry_distinct_reminders(messages) {
        link_all(&mut tx, messages, &ids).await?
    } else {
        link_in_turn(&mut tx, messages, &ids).await?
    };
    tx.commit().await?;
    Ok(stored)
}

/// Whether no reminder is wanted twice, by one e-mail or by two: then
/// linking them all at once ends as linking one e-mail after another
/// would, as no e-mail's outcome depends on another's. `compose` gives
/// such batches; the store takes others, in turn.
fn carry_distinct_reminders(messages: &[NewMessage]) -> bool {
    let mut seen = HashSet::new();
    messages
        .iter()
        .flat_map(|m| &m.reminder_ids)
        .all(|id| seen.insert(*id))
}

/// Inserts the outbox rows; their ids, in the order of `messages`.
async fn insert_messages(
    tx: &mut Transaction<'_, Postgres>,
    messages: &[NewMessage],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO outbox (for_day, recipient, cc, subject, next_attempt_at, created_at)
         SELECT $4, recipient, cc, subject, $5, $5
         FROM UNNEST($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS m (recipient, cc, subject, n)
         ORDER BY n
         RETURNING id",
    )
    .bind(messages.iter().map(|m| m.recipient.as_str()).collect::<Vec<_>>())
    .bind(messages.iter().map(|m| m.cc.as_deref()).collect::<Vec<_>>())
    .bind(messages.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>())
    .bind(today)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    // RETURNING promises no order, but the rows were inserted in the order
    // of `n`, each taking the next value of the sequence: ascending ids.
    ids.sort_unstable();
    Ok(ids)
}

async fn insert_bodies(
    tx: &mut Transaction<'_, Postgres>,
    messages: &[NewMessage],
    ids: &[i64],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox_bodies (outbox_id, body_text, body_html, ics)
         SELECT * FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[])",
    )
    .bind(ids)
    .bind(
        messages
            .iter()
            .map(|m| m.body_text.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        messages
            .iter()
            .map(|m| m.body_html.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        messages
            .iter()
            .map(|m| m.ics.as_deref())
            .collect::<Vec<_>>(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Links every e-mail's reminders to it in one statement, where no e-mail
/// carries them yet, then deletes the e-mails that lost a race (fewer
/// linked than they carry: another poller took some); the foreign key
/// releases their reminders. Whether each was stored.
async fn link_all(
    tx: &mut Transaction<'_, Postgres>,
    messages: &[NewMessage],
    ids: &[i64],
) -> Result<Vec<bool>, StoreError> {
    let (reminders, outbox): (Vec<i64>, Vec<i64>) = messages
        .iter()
        .zip(ids)
        .flat_map(|(m, id)| m.reminder_ids.iter().map(move |r| (*r, *id)))
        .unzip();
    // The unary `+` keeps `outbox_id` out of the index search: PostgreSQL,
    // not knowing yet that the fresh reminders are nearly all unlinked,
    // would otherwise scan all of them in `reminders_outbox`.
    let counts: HashMap<i64, i64> = sqlx::query_as(
        "WITH linked AS (
             UPDATE reminders r SET outbox_id = l.outbox_id
             FROM UNNEST($1::int8[], $2::int8[]) AS l (id, outbox_id)
             WHERE r.id = l.id AND +r.outbox_id IS NULL
             RETURNING r.outbox_id)
         SELECT outbox_id, COUNT(*) FROM linked GROUP BY outbox_id",
    )
    .bind(&reminders)
    .bind(&outbox)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let stored: Vec<bool> = messages
        .iter()
        .zip(ids)
        .map(|(m, id)| {
            usize::try_from(counts.get(id).copied().unwrap_or(0)).ok() == Some(m.reminder_ids.len())
        })
        .collect();
    let raced: Vec<i64> = ids
        .iter()
        .zip(&stored)
        .filter(|(_, stored)| !**stored)
        .map(|(id, _)| *id)
        .collect();
    if !raced.is_empty() {
        sqlx::query("DELETE FROM outbox WHERE id = ANY($1)")
            .bind(&raced)
            .execute(&mut **tx)
            .await?;
    }
    Ok(stored)
}

/// Links one e-mail's reminders after another, each e-mail that lost a
/// race deleted before the next is linked, so that the reminders it
/// released may go to a later one; whether each was stored.
async fn link_in_turn(
    tx: &mut Transaction<'_, Postgres>,
    messages: &[NewMessage],
    ids: &[i64],
) -> Result<Vec<bool>, StoreError> {
    let mut stored = Vec::with_capacity(messages.len());
    for (message, id) in messages.iter().zip(ids) {
        let linked = sqlx::query(
            "UPDATE reminders SET outbox_id = $1 WHERE id = ANY($2) AND +outbox_id IS NULL",
        )
        .bind(id)
        .bind(&message.reminder_ids)
        .execute(&mut **tx)
        .await?;
        let linked_all =
            usize::try_from(linked.rows_affected()).ok() == Some(message.reminder_ids.len());
        if !linked_all {
            sqlx::query("DELETE FROM outbox WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        stored.push(linked_all);
    }
    Ok(stored)
}
