//! `wasi:http/outgoing-handler`: HTTP requests from a plugin to the outside world.
//!
//! Grant: `grants.outbound_http`, the destinations a plugin may call (`*`, `https://host`,
//! `http://host:port`, `https://*.example.com`). The engine links `wasi:http` for every plugin (a
//! plugin's own request arrives through it); this room decides, per outgoing request and before
//! any connection is made, whether the mount lends that destination.

#[cfg(feature = "engine")]
mod host;

use toml::Spanned;

#[cfg(feature = "engine")]
pub(crate) use self::host::CAPABILITY;
#[cfg(feature = "engine")]
pub use self::host::{HostOnly, OutboundPolicy};
use super::Grants;
use crate::config::Problems;

/// `grants.outbound_http` as written.
pub(crate) type RawGrant = Vec<Spanned<String>>;

/// The destinations; one that is not a pattern this room understands is a problem.
pub(crate) fn validate_grant(raw: &RawGrant, problems: &mut Problems<'_>) -> Vec<String> {
    for host in raw {
        if let Err(why) = check_pattern(host.get_ref()) {
            problems.add(host.span().start, format!("bad outbound_http grant `{}`: {why}", host.get_ref()));
        }
    }
    raw.iter().map(|h| h.get_ref().clone()).collect()
}

/// Whether a mount's grants lend any destination.
pub fn granted(grants: &Grants) -> bool {
    !grants.outbound_http.is_empty()
}

/// A destination is `*`, or `scheme://host[:port]` where host may start with `*.`.
fn check_pattern(pattern: &str) -> Result<(), String> {
    if pattern == "*" {
        return Ok(());
    }
    let Some((scheme, rest)) = pattern.split_once("://") else {
        return Err("write `https://host`, `http://host:port`, `https://*.example.com` or `*`".into());
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("scheme `{scheme}` is not http or https"));
    }
    if rest.is_empty() || rest.contains('/') || rest.contains('@') {
        return Err("give only the host and optional port, no path or user".into());
    }
    Ok(())
}
