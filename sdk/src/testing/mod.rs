//! Test doubles for every host interface, so a plugin's handlers — their AMI actions, their SQL,
//! their settings, events and stream — run in a native `cargo test`, without a host or a PBX.
//!
//! Off wasm the SDK's calls into the host land here instead of in the bindings (which have no host
//! to call natively). A test describes the host its handler sees with a [`Host`], installs it on
//! the test's thread, calls the router, then reads what the handler did:
//!
//! ```
//! use switchboard_sdk::prelude::*;
//! use switchboard_sdk::testing::Host;
//! use switchboard_sdk::{ami, sqlite};
//!
//! fn router() -> Router {
//!     Router::new().get("/calls", |_: &Request| {
//!         let calls = ami::list("CoreShowChannels", &[])?;
//!         let db = sqlite::open("own")?;
//!         db.query("INSERT INTO seen (count) VALUES (?)", &[(calls.events.len() as i64).into()])?;
//!         Response::json(&serde_json::json!({ "calls": calls.events.len() }))
//!     })
//! }
//!
//! let host = Host::new()
//!     .route("/crm")
//!     .ami_list("CoreShowChannels", vec![vec![("Channel", "PJSIP/1001-00000001")]])
//!     .own_database("CREATE TABLE seen (count INTEGER)")
//!     .install();
//! let response = router().handle(&Request::new("GET", "/crm/calls").with_mount_route("/crm"));
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.body_bytes(), Some(&br#"{"calls":1}"#[..]));
//! assert_eq!(host.ami_sent()[0].0, "CoreShowChannels");
//! assert_eq!(host.query("own", "SELECT count FROM seen").rows()[0].int(0), Some(1));
//! ```
//!
//! What each double does:
//! - **settings**: [`Host::setting`] and [`Host::route`];
//! - **AMI**: answers scripted per action name ([`Host::ami`], [`Host::ami_list`],
//!   [`Host::ami_error`]); an action with no script answers `denied` naming it, as a mount
//!   without the grant would. Every action sent is recorded ([`Installed::ami_sent`]);
//! - **SQLite**: `own` and `pbx` are in-memory SQLite databases, created by
//!   [`Host::own_database`] / [`Host::pbx_database`] with the schema you give; a database not
//!   given is `no-such-database`, as on a mount without that grant;
//! - **events**: [`Host::event`] queues PBX events that `events::poll` answers in order after
//!   `last`; **event stream**: items published are recorded and numbered densely
//!   ([`Installed::published`]) and `stream::poll` answers them;
//! - **system**, **apply-changes**, **pbx-control**: fixed answers you may replace
//!   ([`Host::uptime`], [`Host::apply_result`]); each apply is counted ([`Installed::applies`]);
//! - **outbound HTTP**: answered by [`Host::outbound`] (replaced with [`Installed::set_outbound`]),
//!   each request recorded ([`Installed::outbound_sent`]); **wake**: each ask recorded
//!   ([`Installed::wake_ups`]);
//! - **auth-throttle** and **rate-limit** keep their own native behaviour (never locked, budgets
//!   counted per thread); [`Host::client_address`] sets the address a handler sees.
//!
//! Not simulated: the grant checks of a real mount (a double answers what you scripted), the
//! pbx database's schema rules, deadlines and memory limits. Test those against a running
//! Switchboard (`switchboard sim` plus `switchboard serve`).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::ami::{ActionResult, AmiError, PbxInfo, SipDriver};
use crate::events::Event;
use crate::pbx::{Applied, ApplyError};
use crate::stream::StreamEvent;
use crate::system::{DiskUsage, FirewallState, SystemError, UptimeInfo};

pub(crate) mod sqlite;

/// A scripted AMI answer: from the action's headers to its answer.
type AmiScript = Box<dyn Fn(&[(String, String)]) -> Result<ActionResult, AmiError>>;

/// A scripted outbound HTTP answer.
type OutboundScript = Box<dyn FnMut(&crate::outbound::Request) -> Result<crate::outbound::Response, crate::outbound::OutboundError>>;

/// The host a test's handlers see; built with [`Host::new`] and put in place with
/// [`Host::install`].
#[must_use = "a Host does nothing until installed"]
#[derive(Default)]
pub struct Host {
    state: State,
}

/// What the doubles answer and what they recorded, per thread.
#[derive(Default)]
pub(crate) struct State {
    settings: Vec<(String, String)>,
    route: Option<String>,
    client_address: Option<String>,
    ami: HashMap<String, AmiScript>,
    commands: HashMap<String, Vec<String>>,
    pub(crate) ami_sent: Vec<(String, Vec<(String, String)>)>,
    info: Option<PbxInfo>,
    events: Vec<Event>,
    stream: Vec<StreamEvent>,
    uptime: Option<UptimeInfo>,
    disks: Vec<DiskUsage>,
    apply: Option<Result<Applied, ApplyError>>,
    applies: usize,
    pub(crate) databases: HashMap<String, std::rc::Rc<sqlite::Database>>,
    event_stream: Option<(crate::sse::Source, Option<u64>)>,
    outbound: Option<OutboundScript>,
    outbound_sent: Vec<crate::outbound::Request>,
    wake_ups: Vec<std::time::Duration>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread's installed host; `None` when no [`Host`] is installed.
pub(crate) fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    STATE.with(|state| state.borrow_mut().as_mut().map(f))
}

impl Host {
    /// A host with no settings, no scripted AMI answers and no databases, serving the route `/`.
    pub fn new() -> Host {
        Host::default()
    }

    /// The mount's route (what `settings::mount_route` answers); default `/`.
    pub fn route(mut self, route: &str) -> Host {
        self.state.route = Some(route.to_string());
        self
    }

    /// A mount setting.
    pub fn setting(mut self, name: &str, value: &str) -> Host {
        self.state.settings.push((name.to_string(), value.to_string()));
        self
    }

    /// The client address `auth_throttle::client_address` answers.
    pub fn client_address(mut self, address: &str) -> Host {
        self.state.client_address = Some(address.to_string());
        self
    }

    /// Answers AMI action `action` (any case) with what `answer` makes of its headers.
    pub fn ami(mut self, action: &str, answer: impl Fn(&[(String, String)]) -> Result<ActionResult, AmiError> + 'static) -> Host {
        self.state.ami.insert(action.to_ascii_lowercase(), Box::new(answer));
        self
    }

    /// Answers AMI list action `action` with `Response: Success` and these events (each a list of
    /// `(key, value)` fields), closed by `<Action>Complete` with `ListItems`, as Asterisk does.
    pub fn ami_list(self, action: &str, events: Vec<Vec<(&str, &str)>>) -> Host {
        let events: Vec<Vec<(String, String)>> = events.into_iter().map(owned).collect();
        let complete = owned(vec![("Event", &format!("{action}Complete")), ("EventList", "Complete"), ("ListItems", &events.len().to_string())]);
        let answer = ActionResult {
            response: owned(vec![("Response", "Success"), ("EventList", "start"), ("Message", "Events will follow")]),
            events,
            complete: Some(complete),
        };
        self.ami(action, move |_| Ok(answer.clone()))
    }

    /// Answers AMI action `action` with `Response: Success` and these keys.
    pub fn ami_success(self, action: &str, keys: Vec<(&str, &str)>) -> Host {
        let mut response = owned(vec![("Response", "Success")]);
        response.extend(owned(keys));
        let answer = ActionResult { response, events: Vec::new(), complete: None };
        self.ami(action, move |_| Ok(answer.clone()))
    }

    /// Answers AMI action `action` with `error` (`AmiError::Failed(message)` for Asterisk's
    /// `Response: Error`, `NotConnected` for a PBX that is down, …).
    pub fn ami_error(self, action: &str, error: AmiError) -> Host {
        self.ami(action, move |_| Err(error.clone()))
    }

    /// The output lines of CLI command `command` (`ami::command`).
    pub fn cli(mut self, command: &str, lines: &[&str]) -> Host {
        self.state.commands.insert(command.to_string(), lines.iter().map(|l| l.to_string()).collect());
        self
    }

    /// What `ami::info` answers; default Asterisk 22 with PJSIP.
    pub fn pbx_info(mut self, info: PbxInfo) -> Host {
        self.state.info = Some(info);
        self
    }

    /// Queues a PBX event `name` with `fields`; it gets the next sequence number (from 1).
    pub fn event(mut self, name: &str, fields: Vec<(&str, &str)>) -> Host {
        let seq = self.state.events.len() as u64 + 1;
        self.state.events.push(Event { seq, timestamp: "2026-01-01T00:00:00.000Z".into(), name: name.to_string(), fields: owned(fields) });
        self
    }

    /// What `system::uptime` answers (default: a day up, one user, no load).
    pub fn uptime(mut self, uptime: UptimeInfo) -> Host {
        self.state.uptime = Some(uptime);
        self
    }

    /// What `system::disks` answers (default: none).
    pub fn disks(mut self, disks: Vec<DiskUsage>) -> Host {
        self.state.disks = disks;
        self
    }

    /// What `pbx::apply_changes` answers (default: nothing changed, nothing reloaded).
    pub fn apply_result(mut self, result: Result<Applied, ApplyError>) -> Host {
        self.state.apply = Some(result);
        self
    }

    /// Answers every outbound HTTP request with what `answer` makes of it (it may keep state: a
    /// receiver that is down, then up). Without it, outbound requests are `denied`, as on a mount
    /// without `grants.outbound_http`. Every request is recorded ([`Installed::outbound_sent`]).
    pub fn outbound(
        mut self,
        answer: impl FnMut(&crate::outbound::Request) -> Result<crate::outbound::Response, crate::outbound::OutboundError> + 'static,
    ) -> Host {
        self.state.outbound = Some(Box::new(answer));
        self
    }

    /// The plugin's own database, in memory, created with `schema` (`;`-separated statements; may
    /// be empty when the plugin migrates it itself).
    pub fn own_database(self, schema: &str) -> Host {
        self.database("own", schema)
    }

    /// The shared `pbx` database, in memory, created with `schema` and any rows the test needs:
    /// only the tables the handler reads (their columns are in the host's `pbx-schema.md`).
    pub fn pbx_database(self, schema: &str) -> Host {
        self.database("pbx", schema)
    }

    fn database(mut self, label: &str, schema: &str) -> Host {
        let database = sqlite::Database::in_memory(schema).unwrap_or_else(|e| panic!("the {label} database's schema does not run: {e}"));
        self.state.databases.insert(label.to_string(), std::rc::Rc::new(database));
        self
    }

    /// Puts this host in place for the calling thread (each test runs on its own thread), replacing
    /// any installed before. The returned handle reads what the handlers did.
    pub fn install(self) -> Installed {
        let route = self.state.route.clone().unwrap_or_else(|| "/".to_string());
        let settings: Vec<(&str, &str)> = self.state.settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        crate::settings::set_native(&settings, &route);
        crate::rate_limit::reset_native();
        STATE.with(|state| *state.borrow_mut() = Some(self.state));
        Installed { _not_send: std::marker::PhantomData }
    }
}

/// The installed host of this thread: what the handlers sent, published and applied.
pub struct Installed {
    /// The doubles live in a thread-local; reading them from another thread would read another host.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Installed {
    /// Every AMI action sent, in order: its name and headers.
    pub fn ami_sent(&self) -> Vec<(String, Vec<(String, String)>)> {
        with_state(|s| s.ami_sent.clone()).unwrap_or_default()
    }

    /// Every item published to the mount's event stream, in order.
    pub fn published(&self) -> Vec<String> {
        with_state(|s| s.stream.iter().map(|e| e.data.clone()).collect()).unwrap_or_default()
    }

    /// What the last `sse` call asked the host to stream, and after which `Last-Event-ID`.
    pub fn event_stream(&self) -> Option<(crate::sse::Source, Option<u64>)> {
        with_state(|s| s.event_stream.clone()).flatten()
    }

    /// Every outbound HTTP request sent, in order.
    pub fn outbound_sent(&self) -> Vec<crate::outbound::Request> {
        with_state(|s| s.outbound_sent.clone()).unwrap_or_default()
    }

    /// Every wake-up asked for (`wake::after`), in order, as delays.
    pub fn wake_ups(&self) -> Vec<std::time::Duration> {
        with_state(|s| s.wake_ups.clone()).unwrap_or_default()
    }

    /// Replaces the outbound HTTP answers from now on (the receiver comes back, or goes down).
    pub fn set_outbound(
        &self,
        answer: impl FnMut(&crate::outbound::Request) -> Result<crate::outbound::Response, crate::outbound::OutboundError> + 'static,
    ) {
        with_state(|s| s.outbound = Some(Box::new(answer)));
    }

    /// How many times apply-changes ran.
    pub fn applies(&self) -> usize {
        with_state(|s| s.applies).unwrap_or_default()
    }

    /// Queues one more PBX event, after those already queued.
    pub fn push_event(&self, name: &str, fields: Vec<(&str, &str)>) {
        with_state(|s| {
            let seq = s.events.last().map_or(1, |e| e.seq + 1);
            s.events.push(Event { seq, timestamp: "2026-01-01T00:00:00.000Z".into(), name: name.to_string(), fields: owned(fields) });
        });
    }

    /// Runs `sql` on database `label` (`own` or `pbx`) and answers its rows: what the handler
    /// stored, read back.
    pub fn query(&self, label: &str, sql: &str) -> crate::sqlite::Rows {
        let database = with_state(|s| s.databases.get(label).cloned()).flatten().unwrap_or_else(|| panic!("no {label} database was given to the Host"));
        let result = database.execute(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        crate::sqlite::Rows::from_values(result.columns, result.rows.into_iter().map(|r| r.values).collect())
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        STATE.with(|state| *state.borrow_mut() = None);
    }
}

fn owned(fields: Vec<(&str, &str)>) -> Vec<(String, String)> {
    fields.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The message every double gives when a handler calls the host with no [`Host`] installed.
const NOT_INSTALLED: &str = "this handler called the host natively, with no testing::Host installed on the thread \
                             (build one with switchboard_sdk::testing::Host::new() and call .install())";

fn installed<R>(f: impl FnOnce(&mut State) -> R) -> R {
    with_state(f).unwrap_or_else(|| panic!("{NOT_INSTALLED}"))
}

pub(crate) fn ami_send(name: &str, headers: &[(String, String)]) -> Result<ActionResult, AmiError> {
    installed(|s| {
        s.ami_sent.push((name.to_string(), headers.to_vec()));
        match s.ami.get(&name.to_ascii_lowercase()) {
            Some(answer) => answer(headers),
            None => Err(AmiError::Denied(format!("no scripted answer for AMI action {name} (testing::Host::ami)"))),
        }
    })
}

pub(crate) fn ami_command(command: &str) -> Result<Vec<String>, AmiError> {
    installed(|s| {
        s.ami_sent.push(("Command".to_string(), vec![("Command".to_string(), command.to_string())]));
        s.commands.get(command).cloned().ok_or_else(|| AmiError::Denied(format!("no scripted output for CLI command {command} (testing::Host::cli)")))
    })
}

pub(crate) fn ami_info() -> Result<PbxInfo, AmiError> {
    installed(|s| Ok(s.info.clone().unwrap_or(PbxInfo { version: "22.5.2".into(), ami_version: "11.0.0".into(), sip: SipDriver::Pjsip })))
}

pub(crate) fn events_poll(last: Option<u64>, limit: u32, filter: &[String]) -> Vec<Event> {
    installed(|s| {
        let wanted = |e: &&Event| filter.is_empty() || filter.iter().any(|f| f.eq_ignore_ascii_case(&e.name));
        let after = s.events.iter().filter(|e| last.is_none_or(|last| e.seq > last)).filter(wanted);
        after.take(if limit == 0 { usize::MAX } else { limit as usize }).cloned().collect()
    })
}

pub(crate) fn sse_serve(source: crate::sse::Source, last_event_id: Option<u64>) -> Result<(), crate::sse::SseError> {
    installed(|s| s.event_stream = Some((source, last_event_id)));
    Ok(())
}

pub(crate) fn stream_publish(items: &[String]) -> Option<u64> {
    installed(|s| {
        for item in items {
            let seq = s.stream.len() as u64 + 1;
            s.stream.push(StreamEvent { seq, timestamp: "2026-01-01T00:00:00.000Z".into(), data: item.clone() });
        }
        s.stream.last().map(|e| e.seq)
    })
}

pub(crate) fn stream_poll(last: Option<u64>, limit: u32) -> Vec<StreamEvent> {
    installed(|s| {
        let limit = if limit == 0 { usize::MAX } else { limit as usize };
        s.stream.iter().filter(|e| last.is_none_or(|last| e.seq > last)).take(limit).cloned().collect()
    })
}

pub(crate) fn uptime() -> Result<UptimeInfo, SystemError> {
    installed(|s| Ok(s.uptime.clone().unwrap_or(UptimeInfo { seconds: 86_400, users: 1, load1: 0.0, load5: 0.0, load15: 0.0, time: "12:00:00".into(), up: "up 1 day, 0 min".into() })))
}

pub(crate) fn disks() -> Result<Vec<DiskUsage>, SystemError> {
    installed(|s| Ok(s.disks.clone()))
}

pub(crate) fn firewall() -> Result<FirewallState, SystemError> {
    installed(|_| Ok(FirewallState { present: false, running: false, status: "no firewall in tests".into() }))
}

pub(crate) fn apply_changes() -> Result<Applied, ApplyError> {
    installed(|s| {
        s.applies += 1;
        s.apply.clone().unwrap_or(Ok(Applied { changed_files: Vec::new(), reloaded_modules: Vec::new() }))
    })
}

pub(crate) fn can_apply() -> Result<(), ApplyError> {
    installed(|s| match &s.apply {
        Some(Err(e)) => Err(e.clone()),
        _ => Ok(()),
    })
}

pub(crate) fn outbound_send(request: &crate::outbound::Request) -> Result<crate::outbound::Response, crate::outbound::OutboundError> {
    installed(|s| {
        s.outbound_sent.push(request.clone());
        match &mut s.outbound {
            Some(answer) => answer(request),
            None => Err(crate::outbound::OutboundError::Denied(format!("no scripted answer for outbound HTTP to {} (testing::Host::outbound)", request.url))),
        }
    })
}

pub(crate) fn wake_after(delay_ms: u32) {
    installed(|s| s.wake_ups.push(std::time::Duration::from_millis(delay_ms.into())));
}

pub(crate) fn client_address() -> Option<String> {
    with_state(|s| s.client_address.clone()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use crate::sqlite::SqliteError;
    use crate::{ami, events, pbx, settings, sqlite, stream};

    #[test]
    fn scripted_ami_answers_errors_and_unscripted_actions() {
        let host = Host::new()
            .ami_success("Originate", vec![("Message", "Originate successfully queued")])
            .ami_error("PJSIPShowEndpoints", AmiError::Failed("No endpoints found".into()))
            .ami("Getvar", |headers| {
                let variable = ami::field(headers, "Variable").unwrap_or_default().to_string();
                Ok(ActionResult { response: vec![("Response".into(), "Success".into()), ("Value".into(), format!("value of {variable}"))], events: vec![], complete: None })
            })
            .install();
        assert_eq!(ami::field(&ami::send("originate", &[("Channel", "PJSIP/1001")]).unwrap().response, "Message"), Some("Originate successfully queued"));
        // Asterisk's "nothing to list" is an empty list through `ami::list`, as against a real PBX.
        assert!(ami::list("PJSIPShowEndpoints", &[]).unwrap().events.is_empty());
        assert!(matches!(ami::send("PJSIPShowEndpoints", &[]), Err(AmiError::Failed(_))));
        assert_eq!(ami::field(&ami::send("Getvar", &[("Variable", "CDR(src)")]).unwrap().response, "Value"), Some("value of CDR(src)"));
        match ami::send("Hangup", &[]) {
            Err(AmiError::Denied(why)) => assert!(why.contains("Hangup"), "{why}"),
            other => panic!("{other:?}"),
        }
        let sent = host.ami_sent();
        assert_eq!(sent.len(), 5);
        assert_eq!(sent[0], ("originate".to_string(), vec![("Channel".to_string(), "PJSIP/1001".to_string())]));
    }

    #[test]
    fn own_database_runs_real_sql_with_transactions_and_constraints() {
        let host = Host::new().own_database("CREATE TABLE contacts (id INTEGER PRIMARY KEY, number TEXT UNIQUE NOT NULL)").install();
        let db = sqlite::open("own").unwrap();
        db.query("INSERT INTO contacts (number) VALUES (?)", &["1001".into()]).unwrap();
        assert_eq!(db.last_insert_rowid(), 1);
        assert!(matches!(db.query("INSERT INTO contacts (number) VALUES (?)", &["1001".into()]), Err(SqliteError::ConstraintViolation(_))));
        let failed: Result<(), Error> = db.transaction(|tx| {
            tx.query("INSERT INTO contacts (number) VALUES (?)", &["1002".into()])?;
            Err(Error::bad_request("changed my mind"))
        });
        assert!(failed.is_err());
        assert_eq!(host.query("own", "SELECT count(*) FROM contacts").rows()[0].int(0), Some(1), "the failed transaction rolled back");
        let [one] = <[_; 1]>::try_from(db.query_snapshot(&[("SELECT number FROM contacts", &[])]).unwrap()).unwrap();
        assert_eq!(one.rows()[0].str(0), "1001");
        assert!(matches!(db.query_snapshot(&[("DELETE FROM contacts", &[])]), Err(SqliteError::InvalidStatement(_))));
        assert!(matches!(sqlite::open("pbx"), Err(SqliteError::NoSuchDatabase(_))), "a database the Host was not given is not there");
    }

    #[test]
    fn settings_events_stream_and_apply() {
        let host = Host::new().route("/crm").setting("crm-url", "http://crm.test").event("Newchannel", vec![("Channel", "PJSIP/1001-1")]).install();
        host.push_event("Hangup", vec![("Channel", "PJSIP/1001-1")]);
        assert_eq!(settings::get("crm-url").as_deref(), Some("http://crm.test"));
        assert_eq!(settings::mount_route(), "/crm");
        let all = events::poll(None, 0, 0, &[]).unwrap();
        assert_eq!(all.iter().map(|e| (e.seq, e.name.as_str())).collect::<Vec<_>>(), vec![(1, "Newchannel"), (2, "Hangup")]);
        assert_eq!(events::poll(Some(1), 0, 0, &[]).unwrap().len(), 1);
        assert_eq!(events::poll(None, 0, 0, &["hangup"]).unwrap()[0].field("channel"), Some("PJSIP/1001-1"));
        assert_eq!(stream::publish(&["a".into(), "b".into()]).unwrap(), Some(2));
        assert_eq!(stream::poll(Some(1), 0, 0).unwrap()[0].data, "b");
        assert_eq!(host.published(), vec!["a", "b"]);
        pbx::apply_changes().unwrap();
        assert_eq!(host.applies(), 1);
    }

    #[test]
    fn a_handler_that_calls_the_host_without_one_installed_is_told_how_to_fix_it() {
        let panic = std::panic::catch_unwind(|| ami::send("Ping", &[])).unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("testing::Host::new()"), "{message}");
    }
}
