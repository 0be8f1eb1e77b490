//! One way to read a row's values by position, for both kinds of row the
//! big reads get: PostgreSQL's through sqlx, SQLite's through its C API
//! (`raw.rs`). The rows' meaning is then decoded once, in `report.rs` and
//! `tracker.rs`.

use chrono::NaiveDate;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::StoreError;
use super::raw::RawRow;

pub(super) trait Columns {
    fn opt_i64(&self, column: usize) -> Result<Option<i64>, StoreError>;
    fn opt_i32(&self, column: usize) -> Result<Option<i32>, StoreError>;
    fn opt_text(&self, column: usize) -> Result<Option<&str>, StoreError>;
    fn opt_date(&self, column: usize) -> Result<Option<NaiveDate>, StoreError>;
    fn flag(&self, column: usize) -> Result<bool, StoreError>;

    fn i64(&self, column: usize) -> Result<i64, StoreError> {
        self.opt_i64(column)?.ok_or_else(|| null(column))
    }

    fn i32(&self, column: usize) -> Result<i32, StoreError> {
        self.opt_i32(column)?.ok_or_else(|| null(column))
    }

    fn text(&self, column: usize) -> Result<&str, StoreError> {
        self.opt_text(column)?.ok_or_else(|| null(column))
    }

    fn date(&self, column: usize) -> Result<NaiveDate, StoreError> {
        self.opt_date(column)?.ok_or_else(|| null(column))
    }
}

fn null(column: usize) -> StoreError {
    StoreError::Corrupt(format!("column {column} is NULL"))
}

impl Columns for PgRow {
    fn opt_i64(&self, column: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(column)?)
    }

    fn opt_i32(&self, column: usize) -> Result<Option<i32>, StoreError> {
        Ok(self.try_get(column)?)
    }

    fn opt_text(&self, column: usize) -> Result<Option<&str>, StoreError> {
        Ok(self.try_get(column)?)
    }

    fn opt_date(&self, column: usize) -> Result<Option<NaiveDate>, StoreError> {
        Ok(self.try_get(column)?)
    }

    fn flag(&self, column: usize) -> Result<bool, StoreError> {
        Ok(self.try_get(column)?)
    }
}

impl Columns for RawRow<'_> {
    fn opt_i64(&self, column: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.int(column_index(column)?))
    }

    fn opt_i32(&self, column: usize) -> Result<Option<i32>, StoreError> {
        self.opt_i64(column)?
            .map(|n| {
                i32::try_from(n)
                    .map_err(|_| StoreError::Corrupt(format!("column {column}: {n} is too large")))
            })
            .transpose()
    }

    fn opt_text(&self, column: usize) -> Result<Option<&str>, StoreError> {
        self.text(column_index(column)?)
    }

    /// Dates are stored as `YYYY-MM-DD` text (as sqlx writes them).
    fn opt_date(&self, column: usize) -> Result<Option<NaiveDate>, StoreError> {
        self.opt_text(column)?
            .map(|text| {
                iso_date(text).ok_or_else(|| {
                    StoreError::Corrupt(format!("column {column}: {text:?} is not a date"))
                })
            })
            .transpose()
    }

    fn flag(&self, column: usize) -> Result<bool, StoreError> {
        Ok(self.opt_i64(column)?.ok_or_else(|| null(column))? != 0)
    }
}

fn column_index(column: usize) -> Result<std::ffi::c_int, StoreError> {
    std::ffi::c_int::try_from(column).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// `YYYY-MM-DD` read directly: chrono's general parser took more time than
/// the rest of a stage's decoding. Anything else goes to chrono's `%F`, as
/// sqlx would read it.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let fast = match text.as_bytes() {
        [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] => {
            let year = digits(&[*y0, *y1, *y2, *y3])?;
            let month = digits(&[*m0, *m1])?;
            let day = digits(&[*d0, *d1])?;
            NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
        }
        _ => None,
    };
    fast.or_else(|| NaiveDate::parse_from_str(text, "%F").ok())
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::iso_date;
    use chrono::NaiveDate;

    #[test]
    fn dates_read_as_chrono_reads_them() {
        for text in [
            "2026-03-30",
            "2024-02-29",
            "2025-02-29",
            "2026-13-01",
            "0001-01-01",
            "2026-3-30",
            "+2026-03-30",
            "2026-03-3x",
            "",
        ] {
            assert_eq!(
                iso_date(text),
                NaiveDate::parse_from_str(text, "%F").ok(),
                "{text}"
            );
        }
    }
}
