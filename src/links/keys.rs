//! Where the link keys come from: the settings, or on one machine a key
//! casewatch makes once and keeps in `data_dir`.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::SecretSlice;

use super::LinkKeys;
use crate::settings::Settings;

/// The configured keys, or the one in `data_dir/link.key`, made on first
/// use (readable by the service's user only).
pub fn load(settings: &Settings) -> anyhow::Result<LinkKeys> {
    if !settings.web.link_keys.is_empty() {
        return Ok(LinkKeys::new(settings.web.link_keys.clone()));
    }
    let path = settings.data_dir.join("link.key");
    let key = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path)?,
        Err(e) => anyhow::bail!("cannot read the link key {}: {e}", path.display()),
    };
    anyhow::ensure!(
        key.len() >= crate::settings::MIN_KEY_BYTES,
        "the link key {} is too short; delete it to have a new one made",
        path.display()
    );
    Ok(LinkKeys::new(vec![SecretSlice::from(key)]))
}

fn create(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    // The kernel's CSPRNG; casewatch runs on Linux under systemd.
    let mut bytes = [0_u8; 48];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .map_err(|e| anyhow::anyhow!("cannot read /dev/urandom for a link key: {e}"))?;
    let key = STANDARD.encode(bytes).into_bytes();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // create_new: two processes starting at once cannot both write one.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(&key)?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "made a link key; set web.link_keys to share one between instances");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(std::fs::read(path)?),
        Err(e) => anyhow::bail!("cannot create the link key {}: {e}", path.display()),
    }
}
