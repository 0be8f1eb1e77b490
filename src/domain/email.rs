use std::fmt;

use super::ParseError;

/// An e-mail address, lower-cased so that lookups ignore case.
///
/// The check is deliberately plain (one `@`, a dotted domain, no spaces): it
/// catches the typing and column-shift mistakes a spreadsheet produces, and
/// the mail server remains the judge of whether a mailbox exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let value = raw.trim();
        let invalid =
            |why: &str| ParseError::new(format!("{value:?} is not an e-mail address: {why}"));
        if value.is_empty() {
            return Err(ParseError::new("is empty"));
        }
        if value.len() > 254 {
            return Err(invalid("longer than 254 characters"));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("contains a space"));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(invalid("no @"));
        };
        if local.is_empty() || domain.contains('@') {
            return Err(invalid("expected exactly one @ after a name"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
            return Err(invalid("the domain needs a dot, as in example.org"));
        }
        Ok(Self(value.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_lowercases() {
        assert_eq!(
            Email::parse(" Ann.Lee@Example.ORG ").unwrap().as_str(),
            "ann.lee@example.org"
        );
    }

    #[test]
    fn rejects_what_a_spreadsheet_gets_wrong() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@example.org",
            "a@b@example.org",
            "ann@example..org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
