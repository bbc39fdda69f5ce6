//! The translator on event sequences recorded from the simulator's scripted calls
//! (`fixtures/*.jsonl`, written by the host test `record_axeos_event_fixtures`) and on
//! hand-written events Asterisk documents but the simulator does not emit.

use super::*;

struct Dir;

impl Directory for Dir {
    fn phone(&self, ext: &str) -> Option<String> {
        matches!(ext.parse::<u32>(), Ok(1001..=1010)).then(|| format!("phone-{ext}"))
    }
    fn user(&self, ext: &str) -> Option<String> {
        matches!(ext.parse::<u32>(), Ok(1001..=1010)).then(|| format!("user-{ext}"))
    }
    fn trunk(&self, name: &str) -> Option<String> {
        (name == "trunk-provider").then(|| "trunk-1".to_string())
    }
    fn mailbox(&self, key: &str) -> Option<String> {
        (key == "1001@default").then(|| "mbox-1001".to_string())
    }
}

fn recorded(text: &str) -> Vec<BusEvent> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            BusEvent {
                name: v["name"].as_str().unwrap().to_string(),
                fields: v["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|kv| (kv[0].as_str().unwrap().to_string(), kv[1].as_str().unwrap().to_string()))
                    .collect(),
            }
        })
        .collect()
}

fn run(t: &mut Translator, events: &[BusEvent]) -> Vec<Event> {
    events.iter().flat_map(|e| t.feed(e, &Dir)).collect()
}

fn event(name: &str, fields: &[(&str, &str)]) -> BusEvent {
    BusEvent { name: name.into(), fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
}

fn kinds(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter(|e| !matches!(e, Event::PhoneStatus { .. }))
        .map(|e| serde_json::to_value(e).unwrap()["event_type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn inbound_call_through_a_queue_answered_by_an_agent() {
    let mut t = Translator::new();
    let out = run(&mut t, &recorded(include_str!("../fixtures/inbound_queue_answered.jsonl")));
    let calls = kinds(&out);
    // The queue rings every free member (1001–1003); 1002 answers; the caller hangs up.
    assert_eq!(calls.first().map(String::as_str), Some("incoming call"), "{calls:?}");
    assert_eq!(calls.iter().filter(|k| *k == "internal dial").count(), 3, "{calls:?}");
    assert_eq!(calls.iter().filter(|k| *k == "call answered").count(), 1, "{calls:?}");
    assert_eq!(calls.last().map(String::as_str), Some("call finished"), "{calls:?}");
    let Some(Event::IncomingCall { call }) = out.iter().find(|e| matches!(e, Event::IncomingCall { .. })) else { panic!() };
    assert_eq!(call.event_tag, "inbound");
    assert_eq!(call.caller.trunk_uuid.as_deref(), Some("trunk-1"));
    assert_eq!(call.caller.number, "+15551234567");
    assert_eq!(call.called_did.as_deref(), Some("7001"));
    let Some(Event::CallAnswered { target, call: answered }) = out.iter().find(|e| matches!(e, Event::CallAnswered { .. })) else {
        panic!()
    };
    assert_eq!(target.phone_uuid.as_deref(), Some("phone-1002"));
    assert_eq!(target.user_uuid.as_deref(), Some("user-1002"));
    assert_eq!(answered.unique_id, call.unique_id, "every event names the same call");
    let Some(Event::CallFinished { reason, .. }) = out.last() else { panic!() };
    assert_eq!(reason, "hangup");
    assert_eq!(t.live_calls(), 0);
    // The phones' states went by too: 1002 in use while talking.
    assert!(out.iter().any(|e| matches!(e, Event::PhoneStatus { phone_uuid, status_code: 1, .. } if phone_uuid == "phone-1002")));
}

#[test]
fn internal_call_blind_transferred() {
    let mut t = Translator::new();
    let out = run(&mut t, &recorded(include_str!("../fixtures/internal_blind_transfer.jsonl")));
    let calls = kinds(&out);
    assert_eq!(calls.first().map(String::as_str), Some("incoming call"), "{calls:?}");
    let Some(Event::BlindTransfer { call, status, transfer_extension, transferer, transferee }) =
        out.iter().find(|e| matches!(e, Event::BlindTransfer { .. }))
    else {
        panic!("{calls:?}")
    };
    assert_eq!((status.as_str(), transfer_extension.as_str()), ("success", "1003"));
    assert_eq!(call.caller.phone_uuid.as_deref(), Some("phone-1001"));
    assert_eq!(transferer.number, "1002");
    assert_eq!(transferee.number, "1001");
    assert_eq!((transferer.linked_id.as_str(), transferee.linked_id.as_str()), (transferee.unique_id.as_str(), transferer.unique_id.as_str()));
    // After the transfer 1003 is dialled and answers, within the same call.
    let after: Vec<&String> = calls.iter().skip_while(|k| *k != "blind transfer").collect();
    assert!(after.contains(&&"internal dial".to_string()) && after.contains(&&"call answered".to_string()), "{calls:?}");
    assert_eq!(calls.last().map(String::as_str), Some("call finished"));
}

#[test]
fn phone_status_only_on_change_and_only_for_phones() {
    let mut t = Translator::new();
    let state = |d: &str, s: &str| event("DeviceStateChange", &[("Device", d), ("State", s)]);
    let out = run(&mut t, &[state("PJSIP/1001", "INUSE"), state("PJSIP/1001", "INUSE"), state("PJSIP/trunk-provider", "INUSE"), state("PJSIP/1001", "NOT_INUSE")]);
    assert_eq!(
        out,
        vec![
            Event::PhoneStatus { phone_uuid: "phone-1001".into(), status_code: 1, status: "In Use".into() },
            Event::PhoneStatus { phone_uuid: "phone-1001".into(), status_code: 0, status: "Idle".into() },
        ]
    );
    let json = out[0].to_json();
    assert_eq!(json, r#"{"event_type":"phone status update","phone_uuid":"phone-1001","status_code":1,"status":"In Use"}"#);
}

#[test]
fn attended_transfer_as_asterisk_documents_it() {
    let mut t = Translator::new();
    let new = |uid: &str, chan: &str, num: &str| {
        event("Newchannel", &[("Channel", chan), ("CallerIDNum", num), ("CallerIDName", "<unknown>"), ("AccountCode", ""), ("Exten", "1002"), ("Uniqueid", uid), ("Linkedid", uid)])
    };
    let mut fields: Vec<(&str, &str)> = vec![("Result", "Success")];
    fields.extend([("OrigTransfererChannel", "PJSIP/1002-2"), ("OrigTransfererCallerIDNum", "1002"), ("OrigTransfererCallerIDName", "Bob"), ("OrigTransfererAccountCode", "sales"), ("OrigTransfererUniqueid", "2"), ("OrigTransfererLinkedid", "1")]);
    fields.extend([("SecondTransfererChannel", "PJSIP/1002-3"), ("SecondTransfererUniqueid", "3"), ("SecondTransfererLinkedid", "3")]);
    fields.extend([("TransfereeChannel", "PJSIP/1001-1"), ("TransfereeCallerIDNum", "1001"), ("TransfereeCallerIDName", "Alice"), ("TransfereeAccountCode", ""), ("TransfereeUniqueid", "1"), ("TransfereeLinkedid", "1")]);
    fields.extend([("TransferTargetChannel", "PJSIP/1003-4"), ("TransferTargetCallerIDNum", "1003"), ("TransferTargetCallerIDName", "Carol"), ("TransferTargetAccountCode", ""), ("TransferTargetUniqueid", "4"), ("TransferTargetLinkedid", "3")]);
    let out = run(&mut t, &[new("1", "PJSIP/1001-1", "1001"), event("AttendedTransfer", &fields)]);
    let Event::AttendedTransfer { call, status, transferer, transferee, transfer_target } = &out[1] else { panic!("{out:?}") };
    assert_eq!((call.unique_id.as_str(), status.as_str()), ("1", "success"));
    assert_eq!((transferer.unique_id_1.as_str(), transferer.unique_id_2.as_str()), ("2", "3"));
    assert_eq!((transferer.linked_id_1.as_str(), transferer.linked_id_2.as_str()), ("1", "4"));
    assert_eq!((transferer.account_code.as_str(), transferer.name.as_str()), ("sales", "Bob"));
    assert_eq!((transferee.unique_id.as_str(), transferee.linked_id.as_str(), transferee.name.as_str()), ("1", "2", "Alice"));
    assert_eq!((transfer_target.unique_id.as_str(), transfer_target.linked_id.as_str(), transfer_target.number.as_str()), ("4", "3", "1003"));
    // A transfer of a call nobody follows says nothing.
    assert!(Translator::new().feed(&event("AttendedTransfer", &fields), &Dir).is_empty());
}

#[test]
fn voicemail_lists_and_gaps() {
    let mut t = Translator::new();
    let mwi = event("MessageWaiting", &[("Mailbox", "1001@default"), ("Waiting", "1"), ("New", "3"), ("Old", "1")]);
    assert_eq!(
        t.feed(&mwi, &Dir),
        vec![Event::VoicemailStatus { voicemail_uuid: "mbox-1001".into(), mailbox_number: "1001".into(), new_messages: 3, old_messages: 1 }]
    );
    assert!(t.feed(&event("MessageWaiting", &[("Mailbox", "9999@default")]), &Dir).is_empty());
    let changed = |table: &str| event("ConfigChanged", &[("Database", "pbx"), ("Table", table), ("Inserted", "1")]);
    assert_eq!(t.feed(&changed("extensions"), &Dir), vec![Event::UserListChanged {}, Event::PhoneListChanged {}]);
    assert_eq!(t.feed(&changed("device_options"), &Dir), vec![Event::PhoneListChanged {}]);
    assert!(t.feed(&changed("cdr"), &Dir).is_empty());
    assert_eq!(Event::UserListChanged {}.to_json(), r#"{"event_type":"user list changed"}"#);
    // A gap in the PBX's events finishes every followed call as expired.
    let new = event("Newchannel", &[("Channel", "PJSIP/1001-9"), ("Exten", "1002"), ("Uniqueid", "9"), ("Linkedid", "9")]);
    t.feed(&new, &Dir);
    let out = t.feed(&event("SwitchboardGap", &[("Reason", "reconnect")]), &Dir);
    assert!(matches!(&out[..], [Event::CallFinished { reason, .. }] if reason == "expired"), "{out:?}");
    assert_eq!(t.live_calls(), 0);
}

#[test]
fn channel_names_give_endpoints() {
    assert_eq!(channel_endpoint("PJSIP/1001-0000002a"), Some("1001"));
    assert_eq!(channel_endpoint("PJSIP/trunk-provider-00000003"), Some("trunk-provider"));
    assert_eq!(channel_endpoint("bogus"), None);
}
