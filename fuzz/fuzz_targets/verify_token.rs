//! `LinkKeys::verify` on arbitrary text, and on tokens it signed itself with
//! one byte changed. It must not panic; only a token the keys signed may
//! verify, and no altered token may.
#![no_main]

use casewatch::links::{Claims, LinkKeys, TokenError};
use chrono::{Days, NaiveDate};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretSlice;

fn keys() -> LinkKeys {
    // The first key signs; the second verifies too, as after a rotation.
    LinkKeys::new(vec![
        SecretSlice::from(vec![0x5a; 32]),
        SecretSlice::from(b"an older key, still accepted....".to_vec()),
    ])
}

fn take<const N: usize>(data: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = data.split_first_chunk::<N>()?;
    *data = rest;
    Some(*head)
}

fuzz_target!(|data: &[u8]| {
    let keys = keys();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();

    // Arbitrary text: only what these keys signed may verify.
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(claims) = keys.verify(text, today)
    {
        assert_eq!(text, keys.sign(claims), "a token the keys did not write");
    }

    // A token signed from fuzzer-chosen claims, then one byte changed.
    let mut rest = data;
    let (Some(reminder), Some(stage), Some(days), Some([at_hi, at_lo, byte])) = (
        take::<8>(&mut rest),
        take::<8>(&mut rest),
        take::<4>(&mut rest),
        take::<3>(&mut rest),
    ) else {
        return;
    };
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    // Links expire some days after they are sent, never before 1970.
    let Some(expires_on) = epoch.checked_add_days(Days::new(u64::from(u32::from_be_bytes(days))))
    else {
        return;
    };
    let claims = Claims {
        reminder_id: i64::from_be_bytes(reminder),
        stage_id: i64::from_be_bytes(stage),
        expires_on,
    };
    let token = keys.sign(claims);
    assert_eq!(keys.verify(&token, expires_on), Ok(claims));
    if let Some(after) = expires_on.succ_opt() {
        assert_eq!(
            keys.verify(&token, after),
            Err(TokenError::Expired(expires_on))
        );
    }

    let mut bytes = token.clone().into_bytes();
    let at = usize::from(u16::from_be_bytes([at_hi, at_lo])) % bytes.len();
    if bytes[at] == byte {
        return;
    }
    bytes[at] = byte;
    if let Ok(altered) = String::from_utf8(bytes) {
        assert_eq!(
            keys.verify(&altered, epoch),
            Err(TokenError::Invalid),
            "{token} altered at {at} to {altered} still verifies"
        );
    }
});
