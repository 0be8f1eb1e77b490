//! Signed links for the delay-reason form.
//!
//! A token names one reminder (which fixes the stage and the person it was
//! sent to) and the day it expires, signed with HMAC-SHA256. It carries no
//! personal data: the reminder's id and the stage's id are the only
//! identifiers, and they mean nothing without the database. The first key
//! signs; every key verifies, so a key can be rotated by putting a new one
//! first and dropping the old one once its links have expired.

pub mod keys;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Datelike, NaiveDate};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

/// The format's version, so a later format can be told apart.
const VERSION: u8 = 1;
/// version, reminder id, stage id, expiry (days since 1970-01-01).
const PAYLOAD: usize = 1 + 8 + 8 + 4;
const MAC: usize = 32;

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    pub reminder_id: i64,
    pub stage_id: i64,
    /// The last day the link works.
    pub expires_on: NaiveDate,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token at all, or its signature does not match any key: altered,
    /// cut short, or signed with a key no longer configured.
    #[error("the link is not valid")]
    Invalid,
    /// Genuine, but past its last day.
    #[error("the link expired on {0}")]
    Expired(NaiveDate),
}

/// The signing keys, first one signing.
#[derive(Clone)]
pub struct LinkKeys(Vec<SecretSlice<u8>>);

impl std::fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkKeys([{} redacted])", self.0.len())
    }
}

impl LinkKeys {
    /// At least one key; each at least 32 bytes (checked by the settings).
    pub fn new(keys: Vec<SecretSlice<u8>>) -> Self {
        Self(keys)
    }

    pub fn sign(&self, claims: Claims) -> String {
        let payload = encode(claims);
        let mac = mac(&self.0[0], &payload);
        let mut bytes = payload.to_vec();
        bytes.extend_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Checks the signature under every key, then the expiry against `today`.
    pub fn verify(&self, token: &str, today: NaiveDate) -> Result<Claims, TokenError> {
        if token.len() > 128 {
            return Err(TokenError::Invalid);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| TokenError::Invalid)?;
        if bytes.len() != PAYLOAD + MAC {
            return Err(TokenError::Invalid);
        }
        let (payload, tag) = bytes.split_at(PAYLOAD);
        // verify_slice compares in constant time.
        let genuine = self.0.iter().any(|key| {
            let mut m = hmac_for(key);
            m.update(payload);
            m.verify_slice(tag).is_ok()
        });
        if !genuine {
            return Err(TokenError::Invalid);
        }
        let claims = decode(payload).ok_or(TokenError::Invalid)?;
        if today > claims.expires_on {
            return Err(TokenError::Expired(claims.expires_on));
        }
        Ok(claims)
    }
}

fn hmac_for(key: &SecretSlice<u8>) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key.expose_secret()).expect("HMAC takes keys of any length")
}

fn mac(key: &SecretSlice<u8>, payload: &[u8]) -> [u8; MAC] {
    let mut m = hmac_for(key);
    m.update(payload);
    m.finalize().into_bytes().into()
}

fn encode(c: Claims) -> [u8; PAYLOAD] {
    let mut out = [0_u8; PAYLOAD];
    out[0] = VERSION;
    out[1..9].copy_from_slice(&c.reminder_id.to_be_bytes());
    out[9..17].copy_from_slice(&c.stage_id.to_be_bytes());
    out[17..21].copy_from_slice(&day_number(c.expires_on).to_be_bytes());
    out
}

fn decode(p: &[u8]) -> Option<Claims> {
    if p.first() != Some(&VERSION) {
        return None;
    }
    let reminder_id = i64::from_be_bytes(p[1..9].try_into().ok()?);
    let stage_id = i64::from_be_bytes(p[9..17].try_into().ok()?);
    let day = u32::from_be_bytes(p[17..21].try_into().ok()?);
    let expires_on = NaiveDate::from_num_days_from_ce_opt(i32::try_from(day).ok()? + EPOCH_CE)?;
    Some(Claims {
        reminder_id,
        stage_id,
        expires_on,
    })
}

/// Days from 0001-01-01 to 1970-01-01.
const EPOCH_CE: i32 = 719_163;

fn day_number(date: NaiveDate) -> u32 {
    u32::try_from(date.num_days_from_ce() - EPOCH_CE).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretSlice<u8> {
        SecretSlice::from(vec![byte; 32])
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn claims() -> Claims {
        Claims {
            reminder_id: 42,
            stage_id: 7,
            expires_on: date("2026-12-25"),
        }
    }

    #[test]
    fn a_signed_token_verifies_until_its_last_day() {
        let keys = LinkKeys::new(vec![key(1)]);
        let token = keys.sign(claims());
        assert!(
            token.len() < 80
                && token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(keys.verify(&token, date("2026-12-25")), Ok(claims()));
        assert_eq!(
            keys.verify(&token, date("2026-12-26")),
            Err(TokenError::Expired(date("2026-12-25")))
        );
    }

    #[test]
    fn any_change_to_a_token_invalidates_it() {
        let keys = LinkKeys::new(vec![key(1)]);
        let token = keys.sign(claims());
        let today = date("2026-12-01");
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(bytes).unwrap();
            if altered != token {
                assert_eq!(
                    keys.verify(&altered, today),
                    Err(TokenError::Invalid),
                    "{i}"
                );
            }
        }
        for bad in [
            "",
            "x",
            &token[..token.len() - 1],
            &format!("{token}A"),
            "not a token!",
        ] {
            assert_eq!(keys.verify(bad, today), Err(TokenError::Invalid), "{bad}");
        }
    }

    #[test]
    fn older_keys_verify_and_only_the_first_signs() {
        let old = LinkKeys::new(vec![key(1)]);
        let rotated = LinkKeys::new(vec![key(2), key(1)]);
        let today = date("2026-12-01");
        assert_eq!(rotated.verify(&old.sign(claims()), today), Ok(claims()));
        assert_eq!(
            old.verify(&rotated.sign(claims()), today),
            Err(TokenError::Invalid)
        );
        let dropped = LinkKeys::new(vec![key(2)]);
        assert_eq!(
            dropped.verify(&old.sign(claims()), today),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn the_debug_form_shows_no_key() {
        let shown = format!("{:?}", LinkKeys::new(vec![key(0x41)]));
        assert_eq!(shown, "LinkKeys([1 redacted])");
    }
}
