//! Recording a day's reminders and storing its e-mails on PostgreSQL: a
//! statement per batch, each column bound as one array, rather than a
//! statement (or several) per e-mail or per thousand rows. Over the
//! network every statement is a round trip, and a statement of thousands
//! of bound values is parsed and planned anew each time.

use std::collections::HashMap;

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

/// `Store::add_messages`: the e-mails, their bodies and their links in a
/// statement each, then the e-mails that lost a race deleted again (the
/// foreign key releases their reminders); whether each was stored.
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
    let linked = link(&mut tx, messages, &ids).await?;
    let stored: Vec<bool> = messages
        .iter()
        .zip(&ids)
        .map(|(m, id)| linked.get(id).copied().unwrap_or(0) == m.reminder_ids.len())
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
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(stored)
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

/// Links each e-mail's reminders to it, where no e-mail carries them yet;
/// how many each e-mail (by id) linked. Fewer than it carries means another
/// poller took some (or an id was repeated).
async fn link(
    tx: &mut Transaction<'_, Postgres>,
    messages: &[NewMessage],
    ids: &[i64],
) -> Result<HashMap<i64, usize>, StoreError> {
    let (reminders, outbox): (Vec<i64>, Vec<i64>) = messages
        .iter()
        .zip(ids)
        .flat_map(|(m, id)| m.reminder_ids.iter().map(move |r| (*r, *id)))
        .unzip();
    // The unary `+` keeps `outbox_id` out of the index search: PostgreSQL,
    // not knowing yet that the fresh reminders are nearly all unlinked,
    // would otherwise scan all of them in `reminders_outbox`.
    let counts: Vec<(i64, i64)> = sqlx::query_as(
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
    .await?;
    Ok(counts
        .into_iter()
        .map(|(id, n)| (id, usize::try_from(n).unwrap_or(0)))
        .collect())
}
