//! PostgreSQL's big reads (the report's and the tracker's million stages)
//! split into parts by case id range, read at once on separate pooled
//! connections and merged into one stream, so that two server processes
//! share the work. The parts come interleaved: whoever reads them must not
//! depend on the order of the rows. (SQLite reads in one part, through its
//! C API: `raw.rs`.)

use futures_util::TryStreamExt;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, PgPool, Postgres};

use super::StoreError;

/// A query with some of its parameters bound.
type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// Runs `sql`, a query that ends in its `WHERE` conditions, on each part
/// at once: `bind` binds its `bound` parameters ($1 to $`bound`), and the
/// part's range follows them. Calls `each` with every row as it comes, in
/// no set order, until one returns an error.
pub(super) async fn for_each_row<E: From<StoreError>>(
    pool: &PgPool,
    sql: &str,
    bound: u8,
    bind: impl for<'q> Fn(PgQuery<'q>) -> PgQuery<'q>,
    mut each: impl FnMut(&PgRow) -> Result<(), E>,
) -> Result<(), E> {
    let ranges = part_ranges(pool).await?;
    // Made of the caller's query and constants.
    let sql = format!("{sql}{}", part_condition(bound + 1));
    let parts = ranges.iter().map(|&(lo, hi)| {
        let query = bind(sqlx::query(AssertSqlSafe(sql.as_str())));
        query.bind(lo).bind(hi).fetch(pool)
    });
    let mut rows = futures_util::stream::select_all(parts);
    while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
        each(&row)?;
    }
    Ok(())
}

/// How many parts a big read is split into, at most: one per core of the
/// machines casewatch is run on, and within the smallest pool allowed.
const PARTS: u32 = 2;

/// The condition a big read adds to its `WHERE`, with the range's bounds
/// bound as the parameters numbered `first` and the one after: the range
/// covers both sides of the join, and the order by case lets PostgreSQL
/// merge the two id indexes instead of hashing 900,000 cases (which with
/// the default `work_mem` spilled to disk, twice as slow).
fn part_condition(first: u8) -> String {
    let (lo, hi) = (first, first + 1);
    format!(
        " AND s.case_id BETWEEN ${lo} AND ${hi} AND c.id BETWEEN ${lo} AND ${hi} ORDER BY s.case_id"
    )
}

/// The case id ranges a big read is split into, each to be read on its
/// own connection: as many as the pool allows, up to [`PARTS`].
async fn part_ranges(pool: &PgPool) -> Result<Vec<(i64, i64)>, StoreError> {
    let (lo, hi): (Option<i64>, Option<i64>) = sqlx::query_as("SELECT MIN(id), MAX(id) FROM cases")
        .fetch_one(pool)
        .await?;
    let parts = PARTS.min(pool.options().get_max_connections()).max(1);
    Ok(match (lo, hi) {
        (Some(lo), Some(hi)) => split(lo, hi, parts),
        // No rows: one range that matches none.
        _ => vec![(1, 0)],
    })
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
    use super::{part_condition, split};

    #[test]
    fn the_condition_numbers_its_bounds_from_first() {
        let condition = part_condition(3);
        assert!(
            condition.contains("s.case_id BETWEEN $3 AND $4"),
            "{condition}"
        );
        assert!(condition.contains("c.id BETWEEN $3 AND $4"), "{condition}");
    }

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
