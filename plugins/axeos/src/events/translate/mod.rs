//! PBX bus events → Axeos events. A [`Translator`] is fed the host's bus events one at a time, in
//! order, and keeps what it needs between them (live calls, their dialled legs, the last status
//! of each phone); it returns the API events each one causes, often none. Pure: UUIDs come through
//! the [`Directory`] trait, so it is tested natively on recorded simulator sequences.
//!
//! Which calls are followed: the original emits call events only for calls that pass its "API
//! events" dialplan action. Switchboard has no such action, so every call is followed from its
//! first channel (`Uniqueid` = `Linkedid`), tagged `inbound` when that channel is a trunk's,
//! `internal` when it is a phone's, `other` otherwise.

use std::collections::HashMap;

use super::types::{AttendedTransferer, Call, Caller, Event, Party, Target};
use crate::devstate;

/// One event of the host's bus: its name and its fields in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusEvent {
    pub name: String,
    pub fields: Vec<(String, String)>,
}

impl BusEvent {
    fn get(&self, key: &str) -> &str {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map_or("", |(_, v)| v.as_str())
    }

    /// A caller-ID style field, with Asterisk's `<unknown>` as empty.
    fn known(&self, key: &str) -> String {
        let v = self.get(key);
        if v == "<unknown>" { String::new() } else { v.to_string() }
    }
}

/// UUIDs of what the PBX model knows.
pub trait Directory {
    /// The phone UUID of extension `ext`, when it is a phone.
    fn phone(&self, ext: &str) -> Option<String>;
    /// The user UUID of extension `ext`, when it is a user.
    fn user(&self, ext: &str) -> Option<String>;
    /// The trunk UUID of trunk (endpoint) `name`.
    fn trunk(&self, name: &str) -> Option<String>;
    /// The mailbox UUID of `mailbox@context`.
    fn mailbox(&self, key: &str) -> Option<String>;
}

/// The endpoint of a channel name: `PJSIP/1001-0000002a` → `1001`, `PJSIP/trunk-x-00000003` →
/// `trunk-x`; `None` for channels without a `tech/` prefix.
pub fn channel_endpoint(channel: &str) -> Option<&str> {
    let rest = channel.split_once('/')?.1;
    let end = rest.rfind('-').unwrap_or(rest.len());
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

/// The endpoint of a device name: `PJSIP/1001` → `1001`.
fn device_endpoint(device: &str) -> Option<&str> {
    device.split_once('/').map(|(_, e)| e).filter(|e| !e.is_empty() && !e.contains('/'))
}

/// At most this many calls are followed; the oldest beyond it is finished as `expired`.
const MAX_CALLS: usize = 10_000;

struct LiveCall {
    call: Call,
    /// Dialled legs by their uniqueid.
    targets: HashMap<String, Target>,
    /// Order of creation, to expire the oldest.
    opened: u64,
}

/// The translator's state.
#[derive(Default)]
pub struct Translator {
    calls: HashMap<String, LiveCall>,
    /// Last status code published per phone (no repeats for unchanged states).
    phone_codes: HashMap<String, i32>,
    opened: u64,
}

impl Translator {
    pub fn new() -> Translator {
        Translator::default()
    }

    /// How many calls are being followed (the tests check that finished calls are forgotten).
    #[cfg(test)]
    pub fn live_calls(&self) -> usize {
        self.calls.len()
    }

    /// The API events bus event `e` causes.
    pub fn feed(&mut self, e: &BusEvent, dir: &dyn Directory) -> Vec<Event> {
        match e.name.as_str() {
            "DeviceStateChange" => self.device_state(e, dir).into_iter().collect(),
            "ConfigChanged" => config_changed(e),
            "Newchannel" => self.new_channel(e, dir),
            "DialBegin" => self.dial_begin(e, dir).into_iter().collect(),
            "DialEnd" => self.dial_end(e).into_iter().collect(),
            "Hangup" => self.hangup(e).into_iter().collect(),
            "BlindTransfer" => self.blind_transfer(e).into_iter().collect(),
            "AttendedTransfer" => self.attended_transfer(e).into_iter().collect(),
            "MessageWaiting" => voicemail(e, dir).into_iter().collect(),
            // PBX events may have been missed: nothing known about calls can be trusted.
            "SwitchboardGap" => {
                self.phone_codes.clear();
                self.expire_all()
            }
            _ => Vec::new(),
        }
    }

    fn device_state(&mut self, e: &BusEvent, dir: &dyn Directory) -> Option<Event> {
        let phone = dir.phone(device_endpoint(e.get("Device"))?)?;
        let (code, text) = devstate::from_token(e.get("State"));
        if self.phone_codes.insert(phone.clone(), code) == Some(code) {
            return None;
        }
        Some(Event::PhoneStatus { phone_uuid: phone, status_code: code, status: text.to_string() })
    }

    fn new_channel(&mut self, e: &BusEvent, dir: &dyn Directory) -> Vec<Event> {
        let uid = e.get("Uniqueid");
        if uid.is_empty() || uid != e.get("Linkedid") || self.calls.contains_key(uid) {
            return Vec::new();
        }
        let endpoint = channel_endpoint(e.get("Channel")).unwrap_or_default();
        let exten = e.get("Exten");
        let exten = (!exten.is_empty() && exten != "s").then(|| exten.to_string());
        let mut caller = Caller { number: e.known("CallerIDNum"), name: e.known("CallerIDName"), ..Caller::default() };
        let mut call = Call { unique_id: uid.to_string(), account_code: e.get("AccountCode").to_string(), ..Call::default() };
        if let Some(phone) = dir.phone(endpoint) {
            caller.phone_uuid = Some(phone);
            caller.user_uuid = dir.user(endpoint);
            call.event_tag = "internal".into();
            call.called_extension = exten;
        } else if let Some(trunk) = dir.trunk(endpoint) {
            caller.trunk_uuid = Some(trunk);
            call.event_tag = "inbound".into();
            call.called_did = exten.clone();
            call.called_extension = exten;
        } else {
            call.event_tag = "other".into();
            call.called_extension = exten;
        }
        call.parties = [&caller.user_uuid, &caller.phone_uuid].into_iter().flatten().cloned().collect();
        call.caller = caller;
        self.opened += 1;
        self.calls.insert(uid.to_string(), LiveCall { call: call.clone(), targets: HashMap::new(), opened: self.opened });
        let mut out = vec![Event::IncomingCall { call }];
        if self.calls.len() > MAX_CALLS {
            if let Some(oldest) = self.calls.iter().min_by_key(|(_, c)| c.opened).map(|(k, _)| k.clone()) {
                out.extend(self.finish(&oldest, "expired"));
            }
        }
        out
    }

    /// The followed call a leg belongs to, by the linkedids the event carries.
    fn call_of(&self, e: &BusEvent, prefixes: &[&str]) -> Option<String> {
        prefixes.iter().map(|p| e.get(&format!("{p}Linkedid"))).find(|l| self.calls.contains_key(*l)).map(str::to_string)
    }

    fn dial_begin(&mut self, e: &BusEvent, dir: &dyn Directory) -> Option<Event> {
        let key = self.call_of(e, &["", "Dest"])?;
        let endpoint = channel_endpoint(e.get("DestChannel"))?;
        // Only local phones: calls out through trunks are not "internal" dials.
        let phone = dir.phone(endpoint)?;
        let target = Target {
            unique_id: e.get("DestUniqueid").to_string(),
            user_phone_type: Some("phone".into()),
            user_uuid: dir.user(endpoint),
            phone_uuid: Some(phone),
            ..Target::default()
        };
        let live = self.calls.get_mut(&key)?;
        for uuid in [&target.user_uuid, &target.phone_uuid].into_iter().flatten() {
            if !live.call.parties.contains(uuid) {
                live.call.parties.push(uuid.clone());
            }
        }
        live.targets.insert(target.unique_id.clone(), target.clone());
        Some(Event::InternalDial { call: live.call.clone(), targets: vec![target] })
    }

    fn dial_end(&mut self, e: &BusEvent) -> Option<Event> {
        let key = self.call_of(e, &["", "Dest"])?;
        let live = self.calls.get_mut(&key)?;
        let target = live.targets.remove(e.get("DestUniqueid"))?;
        e.get("DialStatus").eq_ignore_ascii_case("ANSWER").then(|| Event::CallAnswered { call: live.call.clone(), target })
    }

    fn hangup(&mut self, e: &BusEvent) -> Option<Event> {
        let uid = e.get("Uniqueid");
        if !self.calls.contains_key(uid) {
            return None;
        }
        self.finish(uid, "hangup")
    }

    fn finish(&mut self, key: &str, reason: &str) -> Option<Event> {
        let live = self.calls.remove(key)?;
        Some(Event::CallFinished { call: live.call, reason: reason.to_string() })
    }

    fn expire_all(&mut self) -> Vec<Event> {
        let mut keys: Vec<(u64, String)> = self.calls.iter().map(|(k, c)| (c.opened, k.clone())).collect();
        keys.sort();
        keys.into_iter().filter_map(|(_, k)| self.finish(&k, "expired")).collect()
    }

    fn blind_transfer(&mut self, e: &BusEvent) -> Option<Event> {
        let key = self.call_of(e, &["Transferer", "Transferee"])?;
        Some(Event::BlindTransfer {
            call: self.calls.get(&key)?.call.clone(),
            status: status(e),
            transfer_extension: e.get("Extension").to_string(),
            transferer: party(e, "Transferer", "Transferee"),
            transferee: party(e, "Transferee", "Transferer"),
        })
    }

    fn attended_transfer(&mut self, e: &BusEvent) -> Option<Event> {
        let key = self.call_of(e, &["OrigTransferer", "Transferee", "SecondTransferer", "TransferTarget"])?;
        Some(Event::AttendedTransfer {
            call: self.calls.get(&key)?.call.clone(),
            status: status(e),
            transferer: AttendedTransferer {
                unique_id_1: e.get("OrigTransfererUniqueid").to_string(),
                unique_id_2: e.get("SecondTransfererUniqueid").to_string(),
                linked_id_1: e.get("TransfereeUniqueid").to_string(),
                linked_id_2: e.get("TransferTargetUniqueid").to_string(),
                account_code: e.get("OrigTransfererAccountCode").to_string(),
                number: e.known("OrigTransfererCallerIDNum"),
                name: e.known("OrigTransfererCallerIDName"),
            },
            transferee: party(e, "Transferee", "OrigTransferer"),
            transfer_target: party(e, "TransferTarget", "SecondTransferer"),
        })
    }
}

/// One side of a transfer from the event's `{p}…` channel block; `other` names the block of the
/// other leg of that side's connection (in a two-party bridge, the other party).
fn party(e: &BusEvent, p: &str, other: &str) -> Party {
    Party {
        unique_id: e.get(&format!("{p}Uniqueid")).to_string(),
        linked_id: e.get(&format!("{other}Uniqueid")).to_string(),
        account_code: e.get(&format!("{p}AccountCode")).to_string(),
        number: e.known(&format!("{p}CallerIDNum")),
        name: e.known(&format!("{p}CallerIDName")),
    }
}

fn status(e: &BusEvent) -> String {
    if e.get("Result").eq_ignore_ascii_case("Success") { "success" } else { "failure" }.to_string()
}

/// Changes to the `pbx` model that change the user or phone lists.
fn config_changed(e: &BusEvent) -> Vec<Event> {
    if !e.get("Database").eq_ignore_ascii_case("pbx") {
        return Vec::new();
    }
    match e.get("Table") {
        "extensions" => vec![Event::UserListChanged {}, Event::PhoneListChanged {}],
        "device_options" => vec![Event::PhoneListChanged {}],
        _ => Vec::new(),
    }
}

/// `MessageWaiting` (`Mailbox: 1001@default`, `New`, `Old`) → voicemail status.
fn voicemail(e: &BusEvent, dir: &dyn Directory) -> Option<Event> {
    let key = e.get("Mailbox");
    let key = if key.contains('@') { key.to_string() } else { format!("{key}@default") };
    let uuid = dir.mailbox(&key)?;
    let count = |k: &str| e.get(k).trim().parse().unwrap_or(0);
    Some(Event::VoicemailStatus {
        voicemail_uuid: uuid,
        mailbox_number: key.split('@').next().unwrap_or_default().to_string(),
        new_messages: count("New"),
        old_messages: count("Old"),
    })
}

#[cfg(test)]
mod tests;
