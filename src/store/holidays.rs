//! Bank holidays imported from GOV.UK files, and the calendar they make
//! together with the built-in data and the local closures.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::{Store, StoreError, with_pool};
use crate::calendar::{Calendar, Division, HolidayDay};
use crate::settings::CalendarSettings;

/// The years and days an import stored for one division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionImport {
    pub division: Division,
    /// The years the file covers, ascending; their stored days replace the
    /// built-in ones.
    pub years: Vec<i32>,
    pub days: usize,
}

/// What the store holds for one division: the years imported and their days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredHolidays {
    pub years: Vec<i32>,
    pub days: Vec<HolidayDay>,
}

impl Store {
    /// Stores the days of a parsed GOV.UK file in one transaction: for each
    /// division and year the file covers, the days stored before are
    /// replaced by the file's. Years the file does not cover are untouched.
    pub async fn import_holidays(
        &self,
        days: &[(Division, HolidayDay)],
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<DivisionImport>, StoreError> {
        let mut by_year: BTreeMap<(Division, i32), Vec<&HolidayDay>> = BTreeMap::new();
        for (division, day) in days {
            by_year
                .entry((*division, day.date.year()))
                .or_default()
                .push(day);
        }
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for (&(division, year), days) in &by_year {
                // Explicit deletes rather than relying on the cascade, so the
                // replacement does not depend on SQLite's foreign_keys pragma.
                for sql in [
                    "DELETE FROM holidays WHERE division = $1 AND year = $2",
                    "DELETE FROM holiday_years WHERE division = $1 AND year = $2",
                ] {
                    sqlx::query(sql)
                        .bind(division.as_str())
                        .bind(year)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO holiday_years (division, year, source, imported_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(division.as_str())
                .bind(year)
                .bind(source)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for day in days {
                    sqlx::query(
                        "INSERT INTO holidays (division, year, day, title) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(division.as_str())
                    .bind(year)
                    .bind(day.date)
                    .bind(&day.title)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
        });
        let mut imports: Vec<DivisionImport> = Vec::new();
        for (&(division, year), days) in &by_year {
            match imports.last_mut() {
                Some(last) if last.division == division => {
                    last.years.push(year);
                    last.days += days.len();
                }
                _ => imports.push(DivisionImport {
                    division,
                    years: vec![year],
                    days: days.len(),
                }),
            }
        }
        Ok(imports)
    }

    /// The imported years and days of `division`.
    pub async fn stored_holidays(&self, division: Division) -> Result<StoredHolidays, StoreError> {
        let years: Vec<i32> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT year FROM holiday_years WHERE division = $1 ORDER BY year")
                .bind(division.as_str())
                .fetch_all(pool)
                .await?
        });
        let rows: Vec<(NaiveDate, String)> = with_pool!(self, |pool| {
            sqlx::query_as("SELECT day, title FROM holidays WHERE division = $1 ORDER BY day")
                .bind(division.as_str())
                .fetch_all(pool)
                .await?
        });
        let days = rows
            .into_iter()
            .map(|(date, title)| HolidayDay::new(date, title))
            .collect();
        Ok(StoredHolidays { years, days })
    }

    /// The calendar in force for `division`: imported years, then the
    /// built-in data and rules, plus the local closures from the settings.
    pub async fn calendar(
        &self,
        settings: &CalendarSettings,
        division: Division,
    ) -> Result<Calendar, StoreError> {
        let stored = self.stored_holidays(division).await?;
        Ok(Calendar::build(
            division,
            &stored.days,
            &stored.years,
            &settings.closure_days(),
        ))
    }
}
