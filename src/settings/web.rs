//! Settings for the built-in web server: the delay-reason form, health and
//! metrics.

use std::net::SocketAddr;

use config::Value;
use secrecy::SecretSlice;
use serde::{Serialize, Serializer};

use super::reader::{Reader, boolean, int_in, string};

#[derive(Debug, Clone, Serialize)]
pub struct WebSettings {
    /// Where `run` listens.
    #[serde(serialize_with = "display")]
    pub bind: SocketAddr,
    /// The address managers' links start with (the reverse proxy's).
    #[serde(serialize_with = "display")]
    pub public_url: url::Url,
    /// HMAC keys for links, first one signing; empty means a key kept in
    /// `data_dir` (one machine only).
    #[serde(serialize_with = "redacted_keys")]
    pub link_keys: Vec<SecretSlice<u8>>,
    pub link_valid_days: u32,
    /// Lets `public_url` be a loopback or private address while mail is
    /// sent: only for a service managers reach on the council's own
    /// network, or for trying casewatch out.
    pub allow_private_url: bool,
}

/// The smallest key accepted: HMAC-SHA256's own block of security.
pub const MIN_KEY_BYTES: usize = 32;

pub(super) fn read_web(r: &mut Reader) -> WebSettings {
    WebSettings {
        // The fallbacks only stand in while problems are collected.
        bind: r
            .get("web.bind", |v| {
                let raw = string(v)?;
                raw.trim().parse::<SocketAddr>().map(Some).map_err(|_| {
                    format!("{raw:?} is not an address and port such as \"127.0.0.1:8080\"")
                })
            })
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
        public_url: r
            .get("web.public_url", |v| parse_public_url(v).map(Some))
            .unwrap_or_else(|| url::Url::parse("http://invalid.example/").expect("valid URL")),
        link_keys: r.get("web.link_keys", parse_keys),
        link_valid_days: r.get("web.link_valid_days", |v| int_in(v, 1, 365)),
        allow_private_url: r.get("web.allow_private_url", boolean),
    }
}

/// Why `url`'s host is no address a manager's e-mail link can reach from
/// elsewhere, if it is one of those: a loopback or private address, or
/// `localhost`. Host names are not looked up.
pub(super) fn private_host(url: &url::Url) -> Option<&'static str> {
    match url.host()? {
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            (name == "localhost" || name.ends_with(".localhost")).then_some("localhost")
        }
        url::Host::Ipv4(ip) if ip.is_loopback() => Some("a loopback address"),
        url::Host::Ipv4(ip) if ip.is_private() || ip.is_link_local() || ip.is_unspecified() => {
            Some("a private address")
        }
        url::Host::Ipv6(ip) if ip.is_loopback() => Some("a loopback address"),
        url::Host::Ipv6(ip)
            if ip.is_unique_local() || ip.is_unicast_link_local() || ip.is_unspecified() =>
        {
            Some("a private address")
        }
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => None,
    }
}

fn parse_public_url(value: &Value) -> Result<url::Url, String> {
    let raw = string(value)?;
    let url = url::Url::parse(raw.trim()).map_err(|e| {
        format!("{raw:?} is not a URL such as \"https://casewatch.council.gov.uk\" ({e})")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{raw:?}: use an http:// or https:// address"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{raw:?}: leave out any ?query or #fragment"));
    }
    Ok(url)
}

/// A list of keys, or one string of keys separated by commas (the form an
/// environment variable can hold). Never quoted back.
fn parse_keys(value: &Value) -> Result<Vec<SecretSlice<u8>>, String> {
    let raw: Vec<String> = match value.clone().into_array() {
        Ok(items) => items.iter().map(string).collect::<Result<_, _>>()?,
        Err(_) => string(value)?
            .split(',')
            .map(str::to_owned)
            .filter(|k| !k.trim().is_empty())
            .collect(),
    };
    raw.iter()
        .enumerate()
        .map(|(i, key)| {
            let key = key.trim();
            if key.len() < MIN_KEY_BYTES {
                Err(format!(
                    "key {} is {} bytes; each key needs at least {MIN_KEY_BYTES} (value not shown)",
                    i + 1,
                    key.len()
                ))
            } else {
                Ok(SecretSlice::from(key.as_bytes().to_vec()))
            }
        })
        .collect()
}

fn display<S: Serializer, T: std::fmt::Display>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

fn redacted_keys<S: Serializer>(keys: &[SecretSlice<u8>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(keys.iter().map(|_| "[redacted]"))
}
