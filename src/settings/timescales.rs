//! `[procedures]`: the complaint procedure of each kind, by preset name;
//! `[timescales.KIND.stageN]`: the council's own numbers laid over it.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::reader::{Reader, int_in, string};
use crate::timescale::{
    ClockStart, Extension, KindProcedure, Preset, Procedure, Response, StageRule, Timescales,
};

const KINDS: [&str; 5] = ["statutory", "corporate", "send", "adult", "housing"];

pub(super) fn read(r: &mut Reader) -> Timescales {
    let mut kind = |name: &str| -> KindProcedure {
        let key = format!("procedures.{name}");
        // A bad name is recorded as a problem and `load` fails, so the
        // stand-in never escapes.
        let preset = r
            .get(&key, |v| Preset::parse(&string(v)?).map(Some))
            .unwrap_or(Preset::Corporate2019);
        let mut procedure = Procedure::preset(preset);
        for (i, slot) in procedure.stages.iter_mut().enumerate() {
            let prefix = format!("timescales.{name}.stage{}", i + 1);
            if r.has_prefix(&prefix) {
                *slot = overridden(r, &prefix, preset, *slot);
            }
        }
        KindProcedure::new(procedure)
    };
    let [statutory, corporate, send, adult, housing] = KINDS.map(&mut kind);
    Timescales {
        statutory,
        corporate,
        send,
        adult,
        housing,
        agreed_default_months: r.get("timescales.adult.default_response_months", |v| {
            int_in(v, 1, 24)
        }),
    }
}

/// A preset's stage with the numbers the settings give under `prefix`; a
/// stage the preset lacks is added when `working_days` is given.
fn overridden(
    r: &mut Reader,
    prefix: &str,
    preset: Preset,
    stage: Option<StageRule>,
) -> Option<StageRule> {
    let key = |name: &str| format!("{prefix}.{name}");
    let working_days = r.optional(&key("working_days"), |v| int_in(v, 1, 1000));
    let to = r.optional(&key("extendable_to"), |v| int_in(v, 1, 1000));
    let by = r.optional(&key("extendable_by"), |v| int_in(v, 1, 1000));
    let acknowledge_within = r.optional(&key("acknowledge_within"), |v| int_in(v, 1, 100));
    let clock_starts = r.optional(&key("clock_starts"), |v| ClockStart::parse(&string(v)?));
    let mut rule = match (stage, working_days) {
        (Some(rule), _) => rule,
        (None, Some(_)) => StageRule {
            response: Response::WorkingDays(1),
            acknowledge_within: None,
            clock_starts: ClockStart::Received,
            extension: Extension::None,
        },
        (None, None) => {
            r.problem(
                &key("working_days"),
                format!("{preset} has no such stage: give working_days to add it"),
            );
            return None;
        }
    };
    if let Some(days) = working_days {
        rule.response = Response::WorkingDays(days);
    }
    match (to, by) {
        (Some(_), Some(_)) => r.problem(
            &key("extendable_by"),
            "give extendable_to (a cap in all) or extendable_by (at most so many more), not both"
                .to_owned(),
        ),
        (Some(cap), None) => rule.extension = Extension::To(cap),
        (None, Some(more)) => rule.extension = Extension::More(more),
        (None, None) => {}
    }
    if let (Extension::To(cap), Some(days)) = (rule.extension, rule.working_days())
        && cap <= days
    {
        r.problem(
            &key("extendable_to"),
            format!("must be more than working_days ({days})"),
        );
    }
    if acknowledge_within.is_some() {
        rule.acknowledge_within = acknowledge_within;
    }
    if let Some(start) = clock_starts {
        rule.clock_starts = start;
    }
    Some(rule)
}

/// The procedures as `check-config` prints them: `[procedures]`, and the
/// numbers in force under the keys that set them
/// (`[timescales.KIND.stageN]`), so the output reads back as settings.
pub(super) fn serialize<S: Serializer>(t: &Timescales, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Shown {
        #[serde(skip_serializing_if = "Option::is_none")]
        working_days: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        extendable_to: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        extendable_by: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        acknowledge_within: Option<u16>,
        clock_starts: ClockStart,
    }
    fn shown(rule: &StageRule) -> Shown {
        Shown {
            working_days: rule.working_days(),
            extendable_to: match rule.extension {
                Extension::To(cap) => Some(cap),
                _ => None,
            },
            extendable_by: match rule.extension {
                Extension::More(more) => Some(more),
                _ => None,
            },
            acknowledge_within: rule.acknowledge_within,
            clock_starts: rule.clock_starts,
        }
    }
    let mut all: BTreeMap<&str, BTreeMap<String, Shown>> = BTreeMap::new();
    let kinds = [&t.statutory, &t.corporate, &t.send, &t.adult, &t.housing];
    for (name, kind) in KINDS.into_iter().zip(kinds) {
        let stages = kind
            .current
            .stages
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| rule.as_ref().map(|r| (format!("stage{}", i + 1), shown(r))))
            .collect();
        all.insert(name, stages);
    }
    // `adult` holds both the kind's stages and the default months: merged
    // by hand, as a map cannot hold a key twice.
    let adult_stages = all.remove("adult").unwrap_or_default();
    #[derive(Serialize)]
    struct AdultAll {
        #[serde(flatten)]
        stages: BTreeMap<String, Shown>,
        default_response_months: u32,
    }
    #[derive(Serialize)]
    struct Numbers<'a> {
        #[serde(flatten)]
        kinds: BTreeMap<&'a str, BTreeMap<String, Shown>>,
        adult: AdultAll,
    }
    #[derive(Serialize)]
    struct Out<'a> {
        procedures: BTreeMap<&'a str, Preset>,
        timescales: Numbers<'a>,
    }
    Out {
        procedures: KINDS
            .into_iter()
            .zip(kinds.map(|k| k.current.preset))
            .collect(),
        timescales: Numbers {
            kinds: all,
            adult: AdultAll {
                stages: adult_stages,
                default_response_months: t.agreed_default_months,
            },
        },
    }
    .serialize(s)
}
