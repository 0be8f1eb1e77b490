//! Big reads (the report's and the tracker's million stages) split into
//! parts by id range, read at once on separate pooled connections and
//! merged into one stream.
//!
//! On SQLite each connection steps its statement on its own worker thread,
//! so two parts use both cores; most of such a read is that thread copying
//! values out of SQLite (see BENCHMARKS.md). On PostgreSQL each part is a
//! merge join of the two tables' id index ranges, on its own server process.
//! The parts come in any order, interleaved: whoever reads them must not
//! depend on the order of the rows.

use super::{Store, StoreError, with_pool};

/// How many parts a big read is split into, at most: one per core of the
/// machines casewatch is run on, and within the smallest pool allowed.
const PARTS: u32 = 2;

/// The condition a big read adds to its `WHERE`, with the range's bounds
/// as `$3` and `$4`. SQLite ranges over the stages' ids, its tables' row
/// order, so each part is a straight read of `case_stages`. PostgreSQL
/// ranges over the cases' ids, both sides of the join, and orders by case:
/// it then merges the two id indexes instead of hashing 900,000 cases
/// (which with the default `work_mem` spilled to disk, twice as slow).
pub(super) fn part_condition(store: &Store) -> &'static str {
    match store {
        Store::Sqlite(_) => " AND s.id BETWEEN $3 AND $4",
        Store::Postgres(_) => {
            " AND s.case_id BETWEEN $3 AND $4 AND c.id BETWEEN $3 AND $4 ORDER BY s.case_id"
        }
    }
}

impl Store {
    /// The id ranges a big read is split into, each to be read on its own
    /// connection: as many as the pool allows, up to [`PARTS`].
    pub(super) async fn part_ranges(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let (sql, connections) = match self {
            Store::Sqlite(pool) => (
                "SELECT MIN(id), MAX(id) FROM case_stages",
                pool.options().get_max_connections(),
            ),
            Store::Postgres(pool) => (
                "SELECT MIN(id), MAX(id) FROM cases",
                pool.options().get_max_connections(),
            ),
        };
        let (lo, hi): (Option<i64>, Option<i64>) =
            with_pool!(self, |pool| sqlx::query_as(sql).fetch_one(pool).await?);
        let parts = PARTS.min(connections).max(1);
        Ok(match (lo, hi) {
            (Some(lo), Some(hi)) => split(lo, hi, parts),
            // No rows: one range that matches none.
            _ => vec![(1, 0)],
        })
    }
}

/// `lo..=hi` cut into `parts` ranges of about as many ids, in order.
fn split(lo: i64, hi: i64, parts: u32) -> Vec<(i64, i64)> {
    let parts = i64::from(parts);
    let size = (hi - lo) / parts + 1;
    (0..parts)
        .map(|i| (lo + i * size, (lo + (i + 1) * size - 1).min(hi)))
        .filter(|(a, b)| a <= b)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn ranges_cover_every_id_once() {
        for (lo, hi, parts) in [
            (1, 1, 2),
            (1, 2, 2),
            (1, 1_000_000, 2),
            (5, 17, 3),
            (-3, 3, 2),
        ] {
            let ranges = split(lo, hi, parts);
            assert!(ranges.len() as u32 <= parts);
            assert_eq!(ranges.first().unwrap().0, lo);
            assert_eq!(ranges.last().unwrap().1, hi);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].1 + 1, pair[1].0, "{ranges:?}");
            }
        }
    }
}
