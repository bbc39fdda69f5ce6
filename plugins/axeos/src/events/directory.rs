//! The translator's [`Directory`] over the shared model and the plugin's UUID table: an extension
//! is a user (and a phone when its technology is one), a trunk is a `trunks` row, a mailbox a
//! `voicemail` row. The model's lists are read once per batch (lazily, only when an event needs
//! them), so a burst of bus events costs one query per list, not one per event.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use switchboard_sdk::Error;

use super::translate::Directory;
use crate::ids::{self, Kind};
use crate::model;

/// One batch's view of the model. Lookups that fail (model unreadable) answer `None`, so the
/// event is published without that UUID or not at all, and the failure is logged once.
#[derive(Default)]
pub struct ModelDirectory {
    /// Extension number → whether it is a phone.
    extensions: OnceCell<HashMap<String, bool>>,
    trunks: OnceCell<HashSet<String>>,
    mailboxes: OnceCell<HashSet<String>>,
}

fn logged<T: Default>(what: &str, result: Result<T, Error>) -> T {
    result.unwrap_or_else(|error| {
        switchboard_sdk::log::error("axeos events: reading the model failed", &[("what", what), ("error", &error.to_string())]);
        T::default()
    })
}

impl ModelDirectory {
    pub fn new() -> ModelDirectory {
        ModelDirectory::default()
    }

    fn extensions(&self) -> &HashMap<String, bool> {
        self.extensions.get_or_init(|| {
            logged("extensions", model::pbx().and_then(|db| model::extensions(&db)))
                .into_iter()
                .map(|e| (e.number.clone(), e.is_phone()))
                .collect()
        })
    }

    fn uuid(kind: Kind, key: &str) -> Option<String> {
        logged("uuids", ids::uuid(kind, key).map(Some))
    }
}

impl Directory for ModelDirectory {
    fn phone(&self, ext: &str) -> Option<String> {
        self.extensions().get(ext).copied().filter(|phone| *phone)?;
        Self::uuid(Kind::Phone, ext)
    }

    fn user(&self, ext: &str) -> Option<String> {
        self.extensions().get(ext)?;
        Self::uuid(Kind::User, ext)
    }

    fn trunk(&self, name: &str) -> Option<String> {
        let trunks = self.trunks.get_or_init(|| logged("trunks", model::pbx().and_then(|db| model::trunk_names(&db))));
        trunks.get(name)?;
        Self::uuid(Kind::Trunk, name)
    }

    fn mailbox(&self, key: &str) -> Option<String> {
        let boxes = self.mailboxes.get_or_init(|| {
            logged("voicemail", model::pbx().and_then(|db| model::mailboxes(&db))).iter().map(model::Mailbox::key).collect()
        });
        boxes.get(key)?;
        Self::uuid(Kind::Mailbox, key)
    }
}
