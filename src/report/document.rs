//! The report as a document for a scrutiny committee, laid out from the
//! figures: a summary, then a section per subject, each opening with
//! sentences that compare the period with the one before, then its table
//! and, where a picture reads better, a chart.
//!
//! Only what a council may publish: counts and shares, never a case's
//! reference or anything about a complainant.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::chart::{self, Series, Unit};
use super::sentences::{
    self, Before, Counted, Noun, ShareOf, list, long_period, number, period_name,
};
use super::{COMPLAINT_KINDS, Figures, Period, UNCATEGORISED};
use crate::domain::Kind;
use crate::format::percent_text;
use crate::views::report::{Cell, Chart, Document, Row, Section, Table, Value};

/// How the tables name complaints with no category.
const NOT_RECORDED: &str = "Area not recorded";

/// How many categories or reasons a chart shows; the table lists them all.
const CHART_TOP: usize = 10;

impl Document {
    /// The document for `current`, compared with `previous` when that
    /// period (`compared`) had any data; `reason_label` turns a reason
    /// category's short name into words.
    pub fn new(
        current: &Figures,
        previous: Option<&Figures>,
        compared: Option<Period>,
        reason_label: &dyn Fn(&str) -> String,
    ) -> Self {
        let b = Builder::new(current, previous, compared, reason_label);
        let sections = vec![
            b.summary(),
            b.received(),
            b.compliments(),
            b.timeliness(),
            b.outcomes(),
            b.areas(),
            b.delays(),
            b.learning(),
            b.teams(),
            b.about(),
        ];
        Self {
            title: format!(
                "Complaints, comments and compliments: report for {}",
                period_name(&current.period.days())
            ),
            period: long_period(&current.period.days()),
            comparison: b.comparison(),
            sections: numbered(sections),
        }
    }
}

/// Numbers the tables and the figures through the document, as a
/// committee paper refers to them ("see table 3").
fn numbered(mut sections: Vec<Section>) -> Vec<Section> {
    let (mut tables, mut charts) = (0, 0);
    for section in &mut sections {
        for table in &mut section.tables {
            tables += 1;
            table.caption = format!("Table {tables}: {}", table.caption);
        }
        for chart in &mut section.charts {
            charts += 1;
            chart.caption = format!("Figure {charts}: {}", chart.caption);
        }
    }
    sections
}

#[derive(Clone)]
struct Builder<'a> {
    now: &'a Figures,
    before: Option<&'a Figures>,
    /// The period compared with, in words; kept when it had no figures, so
    /// the sentences can say so.
    then: String,
    /// The periods' names, the report's first.
    names: Vec<String>,
    reason_label: &'a dyn Fn(&str) -> String,
    /// Whether a sentence says that the previous period had no figures:
    /// the summary does; the sections after it need not repeat it.
    say_missing: bool,
}

impl<'a> Builder<'a> {
    fn new(
        now: &'a Figures,
        before: Option<&'a Figures>,
        compared: Option<Period>,
        reason_label: &'a dyn Fn(&str) -> String,
    ) -> Self {
        let then = before
            .map(|f| f.period.days())
            .or(compared)
            .map_or_else(|| "an earlier period".to_owned(), |p| period_name(&p));
        let names = std::iter::once(now)
            .chain(before)
            .map(|f| period_name(&f.period.days()))
            .collect();
        Self {
            now,
            before,
            then,
            names,
            reason_label,
            say_missing: false,
        }
    }

    fn periods(&self) -> impl Iterator<Item = &'a Figures> {
        std::iter::once(self.now).chain(self.before)
    }

    fn comparison(&self) -> String {
        let mut words = self.compared_with();
        if self.now.period.partial {
            words.push_str(" The period is not over yet: its figures are for part of it.");
        }
        if self.before.is_some_and(|f| f.period.partial) {
            words.push_str(&format!(
                " The figures for {} cover only part of it.",
                self.then
            ));
        }
        words
    }

    fn compared_with(&self) -> String {
        match (self.before, self.then.as_str()) {
            (Some(f), name) if name != long_period(&f.period.days()) => format!(
                "Figures are compared with {name} ({}).",
                long_period(&f.period.days())
            ),
            (Some(f), _) => format!(
                "Figures are compared with {}.",
                long_period(&f.period.days())
            ),
            (None, name) => format!("There are no figures for {name} to compare with."),
        }
    }

    /// The previous period's value of a figure, for a sentence.
    fn was<T>(&self, figure: impl Fn(&Figures) -> T) -> Before<'_, T> {
        match self.before {
            Some(f) => Before::Was {
                value: figure(f),
                period: &self.then,
            },
            None if self.say_missing => Before::NoFigures { period: &self.then },
            None => Before::Unstated,
        }
    }

    fn count(&self, what: &Counted, figure: impl Fn(&Figures) -> u64) -> String {
        sentences::count(what, figure(self.now), self.was(figure))
    }

    fn share(
        &self,
        what: &ShareOf,
        part: impl Fn(&Figures) -> u64,
        whole: impl Fn(&Figures) -> u64,
        pct: impl Fn(&Figures) -> Option<f64>,
    ) -> String {
        sentences::share(what, part(self.now), whole(self.now), self.was(pct))
    }

    fn count_row(&self, label: &str, figure: impl Fn(&Figures) -> u64) -> Row {
        Row {
            label: label.to_owned(),
            cells: self.periods().map(|f| count_cell(figure(f))).collect(),
        }
    }

    fn share_row(&self, label: &str, figure: impl Fn(&Figures) -> Option<f64>) -> Row {
        Row {
            label: label.to_owned(),
            cells: self
                .periods()
                .map(|f| {
                    let p = figure(f);
                    Cell {
                        text: percent_text(p),
                        value: Value::Share(p),
                    }
                })
                .collect(),
        }
    }

    fn decimal_row(&self, label: &str, figure: impl Fn(&Figures) -> Option<f64>) -> Row {
        Row {
            label: label.to_owned(),
            cells: self
                .periods()
                .map(|f| {
                    let v = figure(f);
                    Cell {
                        text: v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}")),
                        value: Value::Decimal(v),
                    }
                })
                .collect(),
        }
    }

    fn table(&self, caption: &str, heading: &str, rows: Vec<Row>) -> Table {
        Table {
            caption: caption.to_owned(),
            columns: std::iter::once(heading.to_owned())
                .chain(self.names.iter().cloned())
                .collect(),
            rows,
        }
    }

    /// A chart of the rows of `table` (counts or shares alike).
    fn chart(&self, id: &str, caption: &str, rows: &[Row], unit: Unit) -> Chart {
        let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
        let series = self
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| Series {
                name: name.clone(),
                values: rows
                    .iter()
                    .map(|r| match r.cells.get(i).map(|c| c.value) {
                        Some(Value::Count(n)) => Some(n as f64),
                        Some(Value::Share(p) | Value::Decimal(p)) => p,
                        None => None,
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        Chart {
            caption: caption.to_owned(),
            svg: chart::bars(id, caption, &labels, &series, unit),
        }
    }

    fn summary(&self) -> Section {
        let b = Self {
            say_missing: true,
            ..self.clone()
        };
        let rows = vec![
            self.count_row("Complaints received", |f| f.complaints.total),
            self.count_row("Compliments received", |f| f.compliments),
            self.count_row("Responses to complaints", |f| f.responses),
            self.share_row("Responses within 20 working days", |f| {
                f.within_20_working_days_pct
            }),
            self.share_row("Responses over 20 working days with a reason given", |f| {
                f.over_20_with_reason_pct
            }),
        ];
        section(
            "summary",
            "Summary",
            vec![
                b.count(&COMPLAINTS, |f| f.complaints.total),
                b.within_20(),
                b.count(&COMPLIMENTS, |f| f.compliments),
            ],
            vec![self.table("Key figures", "Measure", rows)],
            vec![],
        )
    }

    fn within_20(&self) -> String {
        self.share(
            &WITHIN_20,
            |f| f.within_20_working_days,
            |f| f.responses,
            |f| f.within_20_working_days_pct,
        )
    }

    fn received(&self) -> Section {
        let mut paragraphs = vec![self.count(&COMPLAINTS, |f| f.complaints.total)];
        let by_kind = |kind: Kind| move |f: &Figures| kind_count(f, kind);
        // A kind no council uses (housing, in a council without homes)
        // would only add "unchanged at 0".
        let used: Vec<Kind> = COMPLAINT_KINDS
            .into_iter()
            .filter(|k| self.periods().any(|f| kind_count(f, *k) > 0))
            .collect();
        paragraphs.extend(
            used.iter()
                .map(|&k| self.count(&kind_counted(k), by_kind(k))),
        );
        paragraphs.push(self.count(&STAGE_2, |f| f.stage2));
        paragraphs.push(self.count(&STAGE_3, |f| f.stage3));
        paragraphs.push(self.count(&COMMENTS, |f| f.comments));
        let mut rows = vec![self.count_row("All complaints", |f| f.complaints.total)];
        rows.extend(
            COMPLAINT_KINDS
                .into_iter()
                .map(|k| self.count_row(k.label(), by_kind(k))),
        );
        let charted: Vec<Row> = used
            .iter()
            .map(|&k| self.count_row(k.label(), by_kind(k)))
            .collect();
        rows.extend([
            self.count_row("Requests to go to stage 2", |f| f.stage2),
            self.count_row("Requests to go to stage 3", |f| f.stage3),
            self.count_row("Comments", |f| f.comments),
        ]);
        if self.now.rates.complaints_per_1000_contacts.is_some() {
            rows.push(self.decimal_row("Complaints per 1,000 contacts", |f| {
                f.rates.complaints_per_1000_contacts
            }));
        }
        if self.now.rates.complaints_per_1000_residents.is_some() {
            rows.push(self.decimal_row("Complaints per 1,000 residents", |f| {
                f.rates.complaints_per_1000_residents
            }));
        }
        section(
            "received",
            "Complaints and comments received",
            paragraphs,
            vec![self.table("Complaints and comments received", "Received", rows)],
            chart_if_any(
                self,
                "chart-received",
                "Complaints received by kind",
                &charted,
            ),
        )
    }

    fn compliments(&self) -> Section {
        let rows = vec![
            self.count_row("Compliments", |f| f.compliments),
            self.count_row("Teams complimented", |f| f.compliment_teams),
        ];
        section(
            "compliments",
            "Compliments",
            vec![
                self.count(&COMPLIMENTS, |f| f.compliments),
                self.count(&TEAMS_COMPLIMENTED, |f| f.compliment_teams),
            ],
            vec![self.table("Compliments received", "Received", rows)],
            vec![],
        )
    }

    fn timeliness(&self) -> Section {
        let mut paragraphs = vec![
            self.within_20(),
            self.share(&LATE, |f| f.late, |f| f.responses, late_pct),
        ];
        for (i, what) in STAGE_IN_TIME.iter().enumerate() {
            let stage = move |f: &Figures| *f.by_stage.all()[i];
            if self.periods().any(|f| stage(f).responses > 0) {
                paragraphs.push(self.share(
                    what,
                    |f| stage(f).within_timescale,
                    |f| stage(f).responses,
                    |f| stage(f).within_timescale_pct,
                ));
            }
        }
        if self.periods().any(|f| f.acknowledgements > 0) {
            paragraphs.push(self.share(
                &ACKNOWLEDGED,
                |f| f.acknowledged_on_time,
                |f| f.acknowledgements,
                |f| f.acknowledged_on_time_pct,
            ));
        }
        paragraphs.push(self.count(&EXTENDED, |f| f.extended));
        if self.periods().any(|f| f.left_case_system > 0) {
            paragraphs.push(self.count(&LEFT, |f| f.left_case_system));
        }
        let shares = vec![
            self.share_row("Within 20 working days", |f| f.within_20_working_days_pct),
            self.share_row("Stage 1 within its procedure's time", |f| {
                f.by_stage.stage1.within_timescale_pct
            }),
            self.share_row("Stage 2 within its procedure's time", |f| {
                f.by_stage.stage2.within_timescale_pct
            }),
            self.share_row("Stage 3 within its procedure's time", |f| {
                f.by_stage.stage3.within_timescale_pct
            }),
            self.share_row("Acknowledged within the procedure's time", |f| {
                f.acknowledged_on_time_pct
            }),
        ];
        let counts = vec![
            self.count_row("Responses", |f| f.responses),
            self.count_row("Within 20 working days", |f| f.within_20_working_days),
            self.count_row("Over 20 working days", |f| f.over_20_working_days),
            self.count_row("After their own deadline (late)", |f| f.late),
            self.count_row("After an extension of time", |f| f.extended),
            self.count_row("Stage 1 responses", |f| f.by_stage.stage1.responses),
            self.count_row("Stage 2 responses", |f| f.by_stage.stage2.responses),
            self.count_row("Stage 3 responses", |f| f.by_stage.stage3.responses),
            self.count_row("No longer in the case system, no response recorded", |f| {
                f.left_case_system
            }),
            self.count_row("Withdrawn (not responses)", |f| f.withdrawn),
            self.decimal_row("Average (mean) working days to respond", |f| {
                f.working_days_to_respond.mean
            }),
            self.decimal_row("Median working days to respond", |f| {
                f.working_days_to_respond.median
            }),
        ];
        // Quarters line up by their place in the period: Q1 with Q1.
        let quarters: Vec<Row> = (0..self.now.by_quarter.len())
            .map(|i| {
                let label = &self.now.by_quarter[i].label;
                self.share_row(label, move |f| {
                    f.by_quarter.get(i).and_then(|q| q.on_time_pct)
                })
            })
            .collect();
        let mut charts = vec![self.chart(
            "chart-timeliness",
            "Share of responses within the time allowed",
            &shares,
            Unit::Percent,
        )];
        let mut tables = vec![
            self.table("Responses to complaints", "Responses", counts),
            self.table(
                "Responses within the time allowed",
                "Share of responses",
                shares.clone(),
            ),
        ];
        let by_stage = self.stage_timeliness_rows();
        if !by_stage.is_empty() {
            tables.push(self.table(
                "Timeliness by kind and stage",
                "Kind, stage and time allowed",
                by_stage,
            ));
        }
        // A period of days has no quarters to show.
        if !quarters.is_empty() {
            charts.push(self.chart(
                "chart-quarters",
                "Responses on time by quarter",
                &quarters,
                Unit::Percent,
            ));
            tables.push(self.table("Responses on time by quarter", "Quarter", quarters));
        }
        section(
            "timeliness",
            "Responding on time",
            paragraphs,
            tables,
            charts,
        )
    }

    /// Each kind and stage against its own procedure's times: within its
    /// working days, within its longest extension, acknowledged in time
    /// (where the procedure sets each), as councils publish them ("stage 1
    /// within 10 and within 20 working days"). A row of the previous
    /// period is the same kind, stage and procedure.
    fn stage_timeliness_rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for t in &self.now.timeliness {
            let key = (t.kind, t.stage, t.timescale.procedure);
            let find = move |f: &Figures| {
                f.timeliness
                    .iter()
                    .find(|x| (x.kind, x.stage, x.timescale.procedure) == key)
                    .cloned()
            };
            let name = format!(
                "{}, stage {} ({})",
                t.kind.label(),
                t.stage,
                t.timescale.procedure.name()
            );
            let line = |what: String| format!("{name}: {what}");
            match t.timescale.working_days {
                Some(days) => rows.push(
                    self.share_row(&line(format!("within {days} working days")), move |f| {
                        find(f).and_then(|x| x.within_working_days_pct)
                    }),
                ),
                None => rows.push(
                    self.share_row(&line("by the agreed date".to_owned()), move |f| {
                        find(f).and_then(|x| x.within_working_days_pct)
                    }),
                ),
            }
            if let Some(to) = t.timescale.extendable_to {
                rows.push(self.share_row(
                    &line(format!("within {to} working days, extension included")),
                    move |f| find(f).and_then(|x| x.within_extension_pct),
                ));
            }
            if let Some(days) = t.timescale.acknowledge_within {
                rows.push(self.share_row(
                    &line(format!("acknowledged within {days} working days")),
                    move |f| find(f).and_then(|x| x.acknowledged_on_time_pct),
                ));
            }
        }
        rows
    }

    /// Upheld, partly upheld and not upheld, of the responses with an
    /// outcome, for each kind and stage; withdrawals counted apart.
    fn stage_outcome_rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for o in &self.now.outcomes {
            let key = (o.kind, o.stage);
            let find = move |f: &Figures| {
                f.outcomes
                    .iter()
                    .find(|x| (x.kind, x.stage) == key)
                    .cloned()
            };
            let name = format!("{}, stage {}", o.kind.label(), o.stage);
            rows.push(self.share_row(&format!("{name}: upheld"), move |f| {
                find(f).and_then(|x| x.upheld_pct)
            }));
            rows.push(self.share_row(&format!("{name}: partly upheld"), move |f| {
                find(f).and_then(|x| x.partially_upheld_pct)
            }));
            rows.push(self.share_row(&format!("{name}: not upheld"), move |f| {
                find(f).and_then(|x| x.not_upheld_pct)
            }));
            rows.push(self.count_row(&format!("{name}: withdrawn"), move |f| {
                find(f).map_or(0, |x| x.withdrawn)
            }));
        }
        rows
    }

    fn outcomes(&self) -> Section {
        let pct =
            |kind: Kind| move |f: &Figures| f.upheld_or_partly_pct.get(kind).copied().flatten();
        let paragraphs = COMPLAINT_KINDS
            .into_iter()
            .filter(|&k| self.periods().any(|f| pct(k)(f).is_some()))
            .map(|k| {
                let of = format!("{} with an outcome", kind_counted(k).noun.many);
                sentences::rate(
                    &of,
                    "upheld or partly upheld",
                    pct(k)(self.now),
                    self.was(pct(k)),
                )
            })
            .collect::<Vec<_>>();
        let rows = COMPLAINT_KINDS
            .into_iter()
            .map(|k| self.share_row(k.label(), pct(k)))
            .collect();
        section(
            "outcomes",
            "Outcomes",
            if paragraphs.is_empty() {
                vec!["No complaint was answered with an outcome in the period.".to_owned()]
            } else {
                paragraphs
            },
            vec![
                self.table(
                    "Complaints upheld or partly upheld, of responses with an outcome",
                    "Kind of complaint",
                    rows,
                ),
                self.table(
                    "Outcomes by kind and stage",
                    "Kind, stage and outcome",
                    self.stage_outcome_rows(),
                ),
            ],
            vec![],
        )
    }

    fn areas(&self) -> Section {
        let label = |key: &str| {
            if key == UNCATEGORISED {
                NOT_RECORDED.to_owned()
            } else {
                key.to_owned()
            }
        };
        let rows = self.keyed_rows(|f| &f.categories, &label);
        let top = top_of(&rows, Some(NOT_RECORDED));
        let paragraphs = vec![match top.as_slice() {
            [] if self.now.complaints.total > 0 => {
                "No area of complaint was recorded for the complaints received.".to_owned()
            }
            [] => "No complaints were received in the period.".to_owned(),
            [one] => format!("The most common area of complaint was {one}."),
            many => format!("The most common areas of complaint were {}.", list(many)),
        }];
        let charted = &rows[..rows.len().min(CHART_TOP)];
        section(
            "areas",
            "Areas of complaint",
            paragraphs,
            vec![self.table("Complaints by area", "Area of complaint", rows.clone())],
            chart_if_any(
                self,
                "chart-areas",
                "The most common areas of complaint",
                charted,
            ),
        )
    }

    fn delays(&self) -> Section {
        let label = self.reason_label;
        let mut rows = self.keyed_rows(|f| &f.reason_categories, label);
        let mut paragraphs = vec![
            self.share(
                &OVER_20_WITH_REASON,
                |f| f.over_20_with_reason,
                |f| f.over_20_working_days,
                |f| f.over_20_with_reason_pct,
            ),
            self.share(
                &LATE_WITH_REASON,
                |f| f.late_with_reason,
                |f| f.late,
                |f| f.late_with_reason_pct,
            ),
        ];
        match top_of(&rows, None).as_slice() {
            [] => {}
            [one] => paragraphs.push(format!("The reason given most often was {one}.")),
            many => paragraphs.push(format!("The reasons given most often were {}.", list(many))),
        }
        rows.push(self.count_row("No reason given", |f| f.late_without_reason));
        let charted = &rows[..rows.len().min(CHART_TOP)];
        section(
            "delays",
            "Reasons for delay",
            paragraphs,
            vec![self.table("Reasons given for late responses", "Reason", rows.clone())],
            chart_if_any(
                self,
                "chart-delays",
                "Reasons given for late responses",
                charted,
            ),
        )
    }

    fn learning(&self) -> Section {
        let without = |f: &Figures| f.upheld_without_learning.len() as u64;
        section(
            "learning",
            "Learning and service improvements",
            vec![
                self.share(
                    &WITH_LEARNING,
                    |f| f.learning.with_learning,
                    |f| f.learning.upheld,
                    |f| f.learning.with_learning_pct,
                ),
                self.count(&WITHOUT_LEARNING, without),
                self.count(&ACTIONS, |f| f.learning.actions),
            ],
            vec![self.table(
                "Learning from upheld complaints",
                "Responses",
                vec![
                    self.count_row("Upheld or partly upheld", |f| f.learning.upheld),
                    self.count_row("With learning recorded", |f| f.learning.with_learning),
                    self.share_row("With learning recorded, share", |f| {
                        f.learning.with_learning_pct
                    }),
                    self.count_row("Upheld or partly upheld, no learning recorded", without),
                    self.count_row("Actions agreed", |f| f.learning.actions),
                ],
            )],
            vec![],
        )
    }

    fn teams(&self) -> Section {
        let mut names: Vec<&String> = self.periods().flat_map(|f| f.by_team.keys()).collect();
        names.sort();
        names.dedup();
        let team = |f: &Figures, name: &str| f.by_team.get(name).cloned().unwrap_or_default();
        let received: Vec<Row> = names
            .iter()
            .map(|n| self.count_row(n, |f| team(f, n).received))
            .collect();
        let on_time: Vec<Row> = names
            .iter()
            .map(|n| self.share_row(n, |f| team(f, n).answered_on_time_pct))
            .collect();
        let compliments: Vec<Row> = names
            .iter()
            .map(|n| self.count_row(n, |f| team(f, n).compliments))
            .collect();
        section(
            "teams",
            "By team or service",
            vec![format!(
                "{} {} received complaints or compliments in the period.",
                number(self.now.by_team.len() as u64),
                if self.now.by_team.len() == 1 {
                    "team"
                } else {
                    "teams"
                }
            )],
            vec![
                self.table("Complaints received by team", "Team", received),
                self.table("Responses on time by team", "Team", on_time),
                self.table("Compliments by team", "Team", compliments),
            ],
            vec![],
        )
    }

    fn about(&self) -> Section {
        section(
            "about",
            "About these figures",
            ABOUT.iter().map(|p| (*p).to_owned()).collect(),
            vec![],
            vec![],
        )
    }

    /// One row per key found in either period, most frequent first.
    fn keyed_rows(
        &self,
        counts: impl Fn(&Figures) -> &BTreeMap<String, u64>,
        label: &dyn Fn(&str) -> String,
    ) -> Vec<Row> {
        let mut keys: Vec<&String> = self.periods().flat_map(|f| counts(f).keys()).collect();
        keys.sort();
        keys.dedup();
        let get = |f: &Figures, key: &str| counts(f).get(key).copied().unwrap_or(0);
        // A stable sort: ties stay in alphabetical order.
        keys.sort_by_key(|k| {
            let before = self.before.map_or(0, |f| get(f, k));
            (Reverse(get(self.now, k)), Reverse(before))
        });
        keys.into_iter()
            .map(|key| self.count_row(&label(key), |f| get(f, key)))
            .collect()
    }
}

/// The three largest of the report period, as "Communication (3)",
/// leaving out the row labelled `skip`.
fn top_of(rows: &[Row], skip: Option<&str>) -> Vec<String> {
    rows.iter()
        .filter(|r| Some(r.label.as_str()) != skip)
        .filter_map(|r| match r.cells.first().map(|c| c.value) {
            Some(Value::Count(n)) if n > 0 => Some(format!("{} ({})", r.label, number(n))),
            _ => None,
        })
        .take(3)
        .collect()
}

fn chart_if_any(b: &Builder<'_>, id: &str, caption: &str, rows: &[Row]) -> Vec<Chart> {
    if rows.is_empty() {
        Vec::new()
    } else {
        vec![b.chart(id, caption, rows, Unit::Count)]
    }
}

fn section(
    id: &str,
    heading: &str,
    paragraphs: Vec<String>,
    tables: Vec<Table>,
    charts: Vec<Chart>,
) -> Section {
    Section {
        id: id.to_owned(),
        heading: heading.to_owned(),
        paragraphs,
        tables,
        charts,
    }
}

fn count_cell(n: u64) -> Cell {
    Cell {
        text: number(n),
        value: Value::Count(n),
    }
}

fn kind_count(f: &Figures, kind: Kind) -> u64 {
    f.complaints.by_kind.get(kind).copied().unwrap_or(0)
}

/// Late responses as a share of all responses (the figures give the count).
fn late_pct(f: &Figures) -> Option<f64> {
    crate::format::percent(f.late, f.responses)
}

fn kind_counted(kind: Kind) -> Counted {
    let noun = match kind {
        Kind::Statutory => Noun::new(
            "children's social care (statutory) complaint",
            "children's social care (statutory) complaints",
        ),
        Kind::Corporate => Noun::new("corporate complaint", "corporate complaints"),
        Kind::Send => Noun::new("SEND complaint", "SEND complaints"),
        Kind::Adult => Noun::new(
            "adult social care complaint",
            "adult social care complaints",
        ),
        Kind::Housing => Noun::new("housing complaint", "housing complaints"),
        Kind::Comment | Kind::Compliment => Noun::new("case", "cases"),
    };
    Counted {
        noun,
        verb: "received",
    }
}

const COMPLAINTS: Counted = Counted {
    noun: Noun::new("complaint", "complaints"),
    verb: "received",
};
const COMPLIMENTS: Counted = Counted {
    noun: Noun::new("compliment", "compliments"),
    verb: "received",
};
const TEAMS_COMPLIMENTED: Counted = Counted {
    noun: Noun::new("team", "teams"),
    verb: "complimented",
};
const COMMENTS: Counted = Counted {
    noun: Noun::new("comment", "comments"),
    verb: "received",
};
const STAGE_2: Counted = Counted {
    noun: Noun::new("request to go to stage 2", "requests to go to stage 2"),
    verb: "received",
};
const STAGE_3: Counted = Counted {
    noun: Noun::new("request to go to stage 3", "requests to go to stage 3"),
    verb: "received",
};
const EXTENDED: Counted = Counted {
    noun: Noun::new("response", "responses"),
    verb: "sent after an extension of time",
};
const LEFT: Counted = Counted {
    noun: Noun::new("complaint stage", "complaint stages"),
    verb: "closed in the case system with no response recorded",
};
const WITHOUT_LEARNING: Counted = Counted {
    noun: Noun::new("upheld response", "upheld responses"),
    verb: "with no learning recorded",
};
const WITHIN_20: ShareOf = ShareOf {
    whole: Noun::new("response", "responses"),
    predicate: "sent within 20 working days",
};
const LATE: ShareOf = ShareOf {
    whole: Noun::new("response", "responses"),
    predicate: "sent after the deadline of their own procedure, extensions included",
};
const STAGE_IN_TIME: [ShareOf; 3] = [
    ShareOf {
        whole: Noun::new("stage 1 response", "stage 1 responses"),
        predicate: "sent within the time their procedure sets",
    },
    ShareOf {
        whole: Noun::new("stage 2 response", "stage 2 responses"),
        predicate: "sent within the time their procedure sets",
    },
    ShareOf {
        whole: Noun::new("stage 3 response", "stage 3 responses"),
        predicate: "sent within the time their procedure sets",
    },
];
const ACKNOWLEDGED: ShareOf = ShareOf {
    whole: Noun::new(
        "complaint stage to be acknowledged",
        "complaint stages to be acknowledged",
    ),
    predicate: "acknowledged in time",
};
const OVER_20_WITH_REASON: ShareOf = ShareOf {
    whole: Noun::new(
        "response over 20 working days",
        "responses over 20 working days",
    ),
    predicate: "given a reason for the delay",
};
const LATE_WITH_REASON: ShareOf = ShareOf {
    whole: Noun::new("late response", "late responses"),
    predicate: "given a reason for the delay",
};

const WITH_LEARNING: ShareOf = ShareOf {
    whole: Noun::new(
        "response upheld or partly upheld",
        "responses upheld or partly upheld",
    ),
    predicate: "recorded with what the council learnt",
};
const ACTIONS: Counted = Counted {
    noun: Noun::new("action", "actions"),
    verb: "agreed to improve services",
};

const ABOUT: [&str; 4] = [
    "A complaint is counted once, in the period its first stage was received. A response is a complaint stage answered in the period, whenever it was received; withdrawn complaints are not responses.",
    "Working days leave out weekends, bank holidays and the council's own closure days. The council's measure is a response within 20 working days of receipt, whatever the kind of complaint; a response is late when it comes after the deadline its own procedure sets, extensions included.",
    "A share changes by percentage points: 41% against 51% is a fall of 10 percentage points. A count changes by per cent of what it was.",
    "Figures are compared with the same dates a year earlier. The document names no complainant and no case.",
];
