//! What each named procedure allows, as its code or regulations set it.
//! A council picks one per kind of complaint (`[procedures]`) and may
//! override any number (`[timescales…]`).
//!
//! Each preset's source is cited in the README beside its figures; where a
//! code leaves a choice to the council (a longer extension by agreement, a
//! local acknowledgement target), the preset takes the code's own default
//! and the council's settings say otherwise.

use super::{ClockStart, Extension, Preset, Response, StageRule};

/// A procedure's stages 1 to 3, as its code sets them.
pub fn stages(preset: Preset) -> [Option<StageRule>; 3] {
    use ClockStart::{Acknowledged, Received};
    use Extension::{Agreed, More, To};
    let days = |working_days, acknowledge_within, clock_starts, extension| {
        Some(StageRule {
            response: Response::WorkingDays(working_days),
            acknowledge_within,
            clock_starts,
            extension,
        })
    };
    match preset {
        Preset::ChildrenStatutory2006 => [
            days(10, None, Received, To(20)),
            days(25, None, Received, To(65)),
            // The review panel meets within 30 working days of the request.
            days(30, None, Received, Extension::None),
        ],
        Preset::Adults2009 => [
            Some(StageRule {
                response: Response::AgreedDate,
                acknowledge_within: Some(3),
                clock_starts: Received,
                extension: Extension::None,
            }),
            None,
            None,
        ],
        Preset::Send => [days(20, None, Received, Extension::None), None, None],
        Preset::Corporate2019 => [
            days(10, None, Received, To(20)),
            days(20, None, Received, To(40)),
            None,
        ],
        Preset::Lgsco2024 | Preset::HousingOmbudsman2024 => [
            days(10, Some(5), Acknowledged, More(10)),
            days(20, Some(5), Acknowledged, More(20)),
            None,
        ],
        Preset::Spso2020 => [
            days(5, None, Received, To(10)),
            days(20, Some(3), Received, Agreed),
            None,
        ],
        Preset::Psow => [
            days(10, None, Received, Extension::None),
            days(20, Some(5), Received, Agreed),
            None,
        ],
        Preset::WalesSocialServices2014 => [
            // Local resolution: a discussion within 10 working days of
            // the acknowledgement, longer only by agreement.
            days(10, Some(2), Acknowledged, Agreed),
            days(25, None, Received, Agreed),
            None,
        ],
        Preset::Nipso => [
            days(5, None, Received, To(10)),
            days(20, Some(3), Received, Agreed),
            None,
        ],
    }
}
