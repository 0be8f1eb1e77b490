use std::fmt;

use super::normalise_word;

/// Why a value could not be parsed; the caller adds the file, line and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// A case reference as the council's case-management system writes it.
///
/// References travel in emails and links, so they are kept short and free of
/// control characters; they must never carry personal details.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference(String);

impl Reference {
    const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(ParseError::new("is empty"));
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(ParseError::new(format!(
                "is longer than {} characters",
                Self::MAX_LEN
            )));
        }
        if value.chars().any(char::is_control) {
            return Err(ParseError::new("contains a control character"));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A team name, as free text: non-empty, single line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Team(String);

impl Team {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(ParseError::new("is empty"));
        }
        if value.chars().any(char::is_control) {
            return Err(ParseError::new("contains a control character"));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Team {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a closed set of words stored as text, parsed from spreadsheet
/// spellings ("Partially upheld", "partially-upheld") and printed canonically.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                let word = normalise_word(raw);
                match word.as_str() {
                    $($word => Ok($name::$variant),)+
                    _ => Err(ParseError::new(format!(
                        "unknown {} {:?}; expected one of: {}",
                        $what,
                        raw.trim(),
                        [$($word),+].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// What sort of feedback a case is; decides which timescales apply.
    Kind, "kind" {
        Statutory => "statutory",
        Corporate => "corporate",
        Send => "send",
        Adult => "adult",
        Housing => "housing",
        Comment => "comment",
        Compliment => "compliment",
    }
);

impl Kind {
    /// Complaints have stages and deadlines; comments and compliments do not.
    pub fn is_complaint(self) -> bool {
        !matches!(self, Kind::Comment | Kind::Compliment)
    }

    /// How e-mails and trackers name the kind.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Statutory => "Children's social care (statutory)",
            Kind::Corporate => "Corporate",
            Kind::Send => "Special educational needs (SEND)",
            Kind::Adult => "Adult social care",
            Kind::Housing => "Housing (landlord)",
            Kind::Comment => "Comment",
            Kind::Compliment => "Compliment",
        }
    }
}

word_enum!(
    /// How a stage ended.
    Outcome, "outcome" {
        Upheld => "upheld",
        PartiallyUpheld => "partially_upheld",
        NotUpheld => "not_upheld",
        Withdrawn => "withdrawn",
    }
);

impl Outcome {
    /// Upheld or partly upheld: the outcomes that call for learning.
    pub fn is_upheld(self) -> bool {
        matches!(self, Outcome::Upheld | Outcome::PartiallyUpheld)
    }
}

word_enum!(
    /// How a delay reason reached us.
    Via, "source" {
        Web => "web",
        Cli => "cli",
        Import => "import",
    }
);

/// A complaint stage, 1 to 3. Comments and compliments have no stage and are
/// stored as [`Stage::NONE`], so that `(reference, stage)` stays a plain key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stage(u8);

impl Stage {
    pub const NONE: Stage = Stage(0);
    pub const MAX: u8 = 3;

    pub fn new(number: u8) -> Result<Self, ParseError> {
        if (1..=Self::MAX).contains(&number) {
            Ok(Self(number))
        } else {
            Err(ParseError::new(format!(
                "stage {number} is out of range 1-{}",
                Self::MAX
            )))
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let raw = raw.trim();
        let number: u8 = raw
            .parse()
            .map_err(|_| ParseError::new(format!("{raw:?} is not a stage number 1-3")))?;
        Self::new(number)
    }

    /// Reads a stored stage number back; 0 means "no stage".
    pub fn from_stored(number: i32) -> Self {
        Self(u8::try_from(number).unwrap_or(0).min(Self::MAX))
    }

    pub fn number(self) -> u8 {
        self.0
    }

    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            f.write_str("-")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_accept_spreadsheet_spellings() {
        assert_eq!(
            Outcome::parse(" Partially Upheld").unwrap(),
            Outcome::PartiallyUpheld
        );
        assert_eq!(Outcome::parse("not-upheld").unwrap(), Outcome::NotUpheld);
        assert_eq!(Kind::parse("SEND").unwrap(), Kind::Send);
        let err = Kind::parse("moan").unwrap_err();
        assert!(err.0.contains("unknown kind \"moan\""), "{err}");
        assert!(err.0.contains("statutory, corporate"), "{err}");
    }

    #[test]
    fn stages_are_one_to_three() {
        assert_eq!(Stage::parse("2").unwrap().number(), 2);
        assert!(Stage::parse("0").is_err());
        assert!(Stage::parse("4").is_err());
        assert!(Stage::parse("two").is_err());
        assert_eq!(Stage::from_stored(0), Stage::NONE);
    }

    #[test]
    fn references_are_trimmed_and_bounded() {
        assert_eq!(Reference::parse(" CS-1 ").unwrap().as_str(), "CS-1");
        assert!(Reference::parse("  ").is_err());
        assert!(Reference::parse(&"x".repeat(65)).is_err());
        assert!(Reference::parse("a\nb").is_err());
    }
}
