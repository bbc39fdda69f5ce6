//! The mount's settings from `switchboard.toml` (WIT `switchboard:pbx/settings`).
//!
//! Settings are per mount, so the same plugin mounted twice can be configured twice (two CRMs, two
//! API keys). Values from the environment are resolved by the host; a plugin only sees strings.
//!
//! A mount's settings and route never change while an instance lives (the host resolves them when it
//! starts, and an instance only ever serves its own mount), so on wasm they are read from the host
//! once per instance and kept: an instance that serves many requests (`limits.reuse`) asks once.
//!
//! Off wasm (native unit tests of a plugin's handlers) there is no host to ask, so these functions
//! read a per-thread table that [`set_native`] fills instead.

use crate::error::Error;

/// The value of setting `name`, or `None` when the mount does not set it.
pub fn get(name: &str) -> Option<String> {
    imp::get(name)
}

/// Every setting of the mount as `(name, value)` pairs, sorted by name.
pub fn all() -> Vec<(String, String)> {
    imp::all()
}

/// The route prefix this mount serves, e.g. `/crm` (`/` for a mount on the root).
/// [`Request::relative_path`](crate::Request::relative_path) already strips it.
pub fn mount_route() -> String {
    imp::mount_route()
}

/// The value of setting `name`, or a 500 `missing_setting` error naming it: a plugin that cannot work
/// without, say, an API key should tell the admin which setting the mount lacks.
pub fn require(name: &str) -> Result<String, Error> {
    get(name).ok_or_else(|| {
        Error::new(
            500,
            "missing_setting",
            format!("this mount has no setting {name:?}; add it to the mount in switchboard.toml"),
        )
    })
}

/// Sets the settings and mount route that [`get`], [`all`] and [`mount_route`] return on this
/// thread. Only on native targets: it lets a plugin's unit tests run handlers without a host.
#[cfg(not(target_family = "wasm"))]
pub fn set_native(settings: &[(&str, &str)], mount_route: &str) {
    imp::set(settings, mount_route);
}

#[cfg(target_family = "wasm")]
mod imp {
    use std::cell::OnceCell;

    use crate::bindings::switchboard::pbx::settings as wit;

    thread_local! {
        /// Every setting, sorted by name (as `get-all` returns them), read on first use.
        static ALL: OnceCell<Vec<(String, String)>> = const { OnceCell::new() };
        /// The mount route, read on first use.
        static ROUTE: OnceCell<String> = const { OnceCell::new() };
    }

    fn with_all<R>(f: impl FnOnce(&[(String, String)]) -> R) -> R {
        ALL.with(|all| f(all.get_or_init(wit::get_all)))
    }

    pub fn get(name: &str) -> Option<String> {
        with_all(|all| {
            all.binary_search_by(|(k, _)| k.as_str().cmp(name))
                .ok()
                .map(|i| all[i].1.clone())
        })
    }

    pub fn all() -> Vec<(String, String)> {
        with_all(<[_]>::to_vec)
    }

    pub fn mount_route() -> String {
        ROUTE.with(|route| route.get_or_init(wit::mount_route).clone())
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    use std::cell::RefCell;

    thread_local! {
        static NATIVE: RefCell<(Vec<(String, String)>, String)> =
            RefCell::new((Vec::new(), "/".to_string()));
    }

    pub fn set(settings: &[(&str, &str)], mount_route: &str) {
        let mut pairs: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        pairs.sort();
        NATIVE.with(|n| *n.borrow_mut() = (pairs, mount_route.to_string()));
    }

    pub fn get(name: &str) -> Option<String> {
        NATIVE.with(|n| {
            n.borrow()
                .0
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    pub fn all() -> Vec<(String, String)> {
        NATIVE.with(|n| n.borrow().0.clone())
    }

    pub fn mount_route() -> String {
        NATIVE.with(|n| n.borrow().1.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_table_backs_the_accessors() {
        assert_eq!(get("greeting"), None);
        assert_eq!(mount_route(), "/");
        set_native(&[("z", "last"), ("greeting", "Hi")], "/hello");
        assert_eq!(get("greeting").as_deref(), Some("Hi"));
        assert_eq!(
            all(),
            [
                ("greeting".into(), "Hi".into()),
                ("z".into(), "last".into())
            ]
        );
        assert_eq!(mount_route(), "/hello");
        let err = require("api-key").unwrap_err();
        assert_eq!((err.status(), err.code()), (500, "missing_setting"));
        assert!(err.message().contains("api-key"));
    }
}
