//! The mount's event handler: every bus event batch goes through the one [`Translator`] of this
//! long-lived instance (its call table lives in guest memory between batches), and what it yields
//! is published to the mount's stream as the events' JSON (`seq` and `timestamp` are the stream's,
//! added when `GET /events` answers).

use std::cell::RefCell;

use switchboard_sdk::{events, stream};

use super::directory::ModelDirectory;
use super::translate::{BusEvent, Translator};
use super::types::Event;

thread_local! {
    static TRANSLATOR: RefCell<Translator> = RefCell::new(Translator::new());
}

/// `on-events`: translate the batch in order and publish the result in one go.
pub fn on_events(batch: &[events::Event]) {
    let dir = ModelDirectory::new();
    let out: Vec<Event> = TRANSLATOR.with(|t| {
        let mut t = t.borrow_mut();
        batch
            .iter()
            .flat_map(|e| t.feed(&BusEvent { name: e.name.clone(), fields: e.fields.clone() }, &dir))
            .collect()
    });
    publish(&out);
}

/// Appends `events` to the mount's stream; a failure is logged (the handler has no caller to tell).
pub fn publish(events: &[Event]) {
    if events.is_empty() {
        return;
    }
    let items: Vec<String> = events.iter().map(Event::to_json).collect();
    if let Err(error) = stream::publish(&items) {
        switchboard_sdk::log::error("axeos events: publishing failed", &[("error", &format!("{error:?}"))]);
    }
}
