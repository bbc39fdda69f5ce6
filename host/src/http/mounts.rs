//! The mount table: which plugin answers a path.
//!
//! Routes match whole path segments and the longest route wins: with `/api` and `/api/index`
//! mounted, `/api/index/check` goes to `/api/index`, `/api/x` to `/api`, and `/apix` to neither.
//! Matching uses the raw (still percent-encoded) path, so `%2F` never acts as a separator.

use std::sync::Arc;

use super::gate::Gate;
use crate::capabilities::{CapabilityUse, MountContext};
use crate::runtime::{LoadedPlugin, WarmPool};

/// A mount ready to serve: one version of one route. A live change (`crate::control`) puts a
/// new handle in the table and leaves this one to the requests that already hold it.
pub struct MountHandle {
    /// Settings, limits and names handed to each request.
    pub context: Arc<MountContext>,
    /// The plugin, pre-instantiated.
    pub plugin: LoadedPlugin,
    /// Admission control, shared with the route's next version when its limits stay the same.
    pub gate: Arc<Gate>,
    /// Idle instances kept for later requests (`limits.reuse`).
    pub warm: Arc<WarmPool>,
    /// `enabled = false`: the route stays in the table and answers 503 `mount_disabled`, so its
    /// paths never fall through to a shorter route's plugin.
    pub enabled: bool,
}

impl MountHandle {
    /// Requested vs granted capabilities.
    pub fn capabilities(&self) -> Vec<CapabilityUse> {
        self.plugin.capabilities(&self.context.grants)
    }
}

/// The mounts of one listener, longest route first: one immutable value that a live change
/// replaces as a whole (each listener serves from an `ArcSwap<MountTable>`).
#[derive(Default, Clone)]
pub struct MountTable {
    entries: Vec<Arc<MountHandle>>,
}

impl MountTable {
    /// A table of `mounts` (routes are unique per listener; config validation guarantees it).
    pub fn new(mounts: impl IntoIterator<Item = Arc<MountHandle>>) -> Self {
        let mut entries: Vec<_> = mounts.into_iter().collect();
        entries.sort_by(|a, b| b.context.route.len().cmp(&a.context.route.len()));
        MountTable { entries }
    }

    /// The mount serving `path`.
    pub fn find(&self, path: &str) -> Option<&Arc<MountHandle>> {
        self.entries.iter().find(|m| route_matches(&m.context.route, path))
    }

    /// All mounts.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<MountHandle>> {
        self.entries.iter()
    }
}

/// Whether `route` (normalised, see `config::normalize_route`) serves `path`.
pub fn route_matches(route: &str, path: &str) -> bool {
    route == "/"
        || path.strip_prefix(route).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether a request path is safe to hand to a plugin: absolute, and no `.`/`..` segment, plain
/// or percent-encoded. Plugins sit behind a prefix; a dot segment is how paths get out of one.
pub fn path_is_clean(path: &str) -> bool {
    path.starts_with('/') && path.split('/').all(|segment| !is_dot_segment(segment))
}

/// `.` or `..`, each dot possibly written `%2e`/`%2E`; checked without allocating (it runs on
/// every request).
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        if rest[0] == b'.' {
            rest = &rest[1..];
        } else if rest.len() >= 3 && rest[0] == b'%' && rest[1] == b'2' && rest[2].eq_ignore_ascii_case(&b'e') {
            rest = &rest[3..];
        } else {
            return false;
        }
        dots += 1;
    }
    dots == 1 || dots == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_whole_segments() {
        assert!(route_matches("/api", "/api"));
        assert!(route_matches("/api", "/api/x"));
        assert!(!route_matches("/api", "/apix"));
        assert!(route_matches("/api/api.php", "/api/api.php"));
        assert!(!route_matches("/api/api.php", "/api/api.phpx"));
        assert!(route_matches("/", "/anything"));
    }

    #[test]
    fn dot_segments_are_refused() {
        assert!(path_is_clean("/hello/world"));
        assert!(path_is_clean("/a/..b/c."));
        assert!(!path_is_clean("/hello/../admin"));
        assert!(!path_is_clean("/hello/%2e%2E/admin"));
        assert!(!path_is_clean("/hello/./x"));
        assert!(!path_is_clean("hello"));
        assert!(!path_is_clean("/a/.%2e/b"));
        assert!(path_is_clean("/a/.../b"), "three dots are an ordinary name");
        assert!(path_is_clean("/a//b"));
    }
}
