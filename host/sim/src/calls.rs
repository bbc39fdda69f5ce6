//! Call primitives: create channels, change their state, dial, bridge, hang up — each one
//! updates the live state and publishes the events Asterisk publishes for it, in its order.
//! The dialplan interpreter, Originate and the scripted scenarios are built from these.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use tokio::sync::watch;

use super::cdr::CdrDraft;
use super::event_format::{self, bridge_block, channel_block, channel_event, class};
use super::channel::{Bridge, Channel, Control, Tech};
use super::state::{Pbx, State};

/// A handle on a channel held by the task that owns it.
#[derive(Debug, Clone)]
pub struct Chan {
    pub name: String,
    pub uniqueid: String,
    pub control: watch::Receiver<Control>,
    pub state: watch::Receiver<u8>,
    /// Notified as the caller presses a key (see [`Pbx::dtmf`]).
    pub dtmf: std::sync::Arc<tokio::sync::Notify>,
}

/// What a new channel looks like.
#[derive(Debug, Clone, Default)]
pub struct NewChan {
    /// Endpoint name for PJSIP (`1001`, `trunk-provider`).
    pub endpoint: String,
    pub state: u8,
    pub cid_num: String,
    pub cid_name: String,
    pub conn_num: String,
    pub conn_name: String,
    pub context: String,
    pub exten: String,
    pub linkedid: Option<String>,
    pub accountcode: String,
    pub is_peer: bool,
}

fn make_channel(st: &mut State, name: String, tech: Tech, device: String, spec: &NewChan) -> (Channel, Chan) {
    let uniqueid = st.uniqueid();
    let call_id = st.uuid();
    let ssrc = st.random() as u32;
    let (control, control_rx) = watch::channel(Control::Run);
    let (state_tx, state_rx) = watch::channel(spec.state);
    let dtmf = std::sync::Arc::new(tokio::sync::Notify::new());
    let ch = Channel {
        name: name.clone(),
        linkedid: spec.linkedid.clone().unwrap_or_else(|| uniqueid.clone()),
        uniqueid: uniqueid.clone(),
        state: spec.state,
        cid_num: spec.cid_num.clone(),
        cid_name: spec.cid_name.clone(),
        conn_num: spec.conn_num.clone(),
        conn_name: spec.conn_name.clone(),
        language: "en".into(),
        accountcode: spec.accountcode.clone(),
        context: spec.context.clone(),
        exten: spec.exten.clone(),
        priority: 1,
        app: String::new(),
        data: String::new(),
        created: Instant::now(),
        created_at: SystemTime::now(),
        answered_at: if spec.state == 6 { Some(SystemTime::now()) } else { None },
        bridge: None,
        vars: Vec::new(),
        tech,
        device,
        partner: None,
        is_peer: spec.is_peer,
        call_id,
        ssrc,
        soft_hangup_pending: false,
        dtmf: std::collections::VecDeque::new(),
        dtmf_ready: dtmf.clone(),
        control,
        state_tx,
    };
    if !spec.is_peer {
        st.processed_calls += 1;
    }
    if st.history.len() >= 10_000 {
        st.history.drain(..1_000);
    }
    st.history.push((ch.linkedid.clone(), ch.uniqueid.clone(), ch.name.clone()));
    (ch, Chan { name, uniqueid, control: control_rx, state: state_rx, dtmf })
}

/// Polls `fut` once right here (so whatever it does before its first wait happens now, in order
/// with what the caller does next), then lets it run on as a call task.
pub fn start<F>(pbx: &Pbx, fut: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let mut fut: Pin<Box<F>> = Box::pin(fut);
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    if let Poll::Pending = fut.as_mut().poll(&mut cx) {
        pbx.spawn(fut);
    }
}

/// Waits until the channel's owner is asked to do something (or the channel is gone).
pub async fn wait_control(rx: &mut watch::Receiver<Control>) -> Control {
    loop {
        {
            let c = rx.borrow_and_update().clone();
            if c != Control::Run {
                return c;
            }
        }
        if rx.changed().await.is_err() {
            return Control::Hangup(0);
        }
    }
}

/// The control value now, without waiting.
pub fn pending_control(rx: &watch::Receiver<Control>) -> Control {
    if rx.has_changed().is_err() {
        return Control::Hangup(0);
    }
    rx.borrow().clone()
}

impl Pbx {
    /// A new PJSIP channel on `spec.endpoint` (`Newchannel`).
    pub fn new_pjsip(&self, spec: NewChan) -> Chan {
        self.with(|st| {
            let n = st.pjsip_seq();
            let name = format!("PJSIP/{}-{n:08x}", spec.endpoint);
            let device = format!("PJSIP/{}", spec.endpoint);
            let (ch, handle) = make_channel(st, name, Tech::Pjsip, device.clone(), &spec);
            let msg = channel_event("Newchannel", class::CALL, &ch);
            st.channels.push(ch);
            st.emit(class::CALL, msg);
            st.refresh_device(&device);
            handle
        })
    }

    /// A Local channel pair `Local/exten@context-N;1` (Down) and `;2` (Ring) (two `Newchannel`s).
    pub fn new_local_pair(&self, exten: &str, context: &str, linkedid: Option<String>) -> (Chan, Chan) {
        self.with(|st| {
            let n = st.local_seq();
            let base = format!("Local/{exten}@{context}-{n:08x}");
            let device = format!("Local/{exten}@{context}");
            let spec1 = NewChan {
                state: 0,
                context: context.into(),
                exten: exten.into(),
                linkedid: linkedid.clone(),
                ..NewChan::default()
            };
            let (mut one, h1) = make_channel(st, format!("{base};1"), Tech::Local, device.clone(), &spec1);
            let spec2 = NewChan { state: 4, linkedid: Some(one.linkedid.clone()), ..spec1 };
            let (mut two, h2) = make_channel(st, format!("{base};2"), Tech::Local, device, &spec2);
            one.partner = Some(two.uniqueid.clone());
            two.partner = Some(one.uniqueid.clone());
            let m1 = channel_event("Newchannel", class::CALL, &one);
            let m2 = channel_event("Newchannel", class::CALL, &two);
            st.channels.push(one);
            st.channels.push(two);
            st.emit(class::CALL, m1);
            st.emit(class::CALL, m2);
            (h1, h2)
        })
    }

    /// The channel moves to `context,exten,priority` and runs `app(data)` (`Newexten`).
    pub fn newexten(&self, ch: &Chan, context: &str, exten: &str, priority: u32, app: &str, data: &str) {
        self.with(|st| {
            let Some(c) = st.chan_mut(&ch.uniqueid) else { return };
            c.context = context.into();
            c.exten = exten.into();
            c.priority = priority;
            c.app = app.into();
            c.data = data.into();
            let msg = channel_event("Newexten", class::DIALPLAN, c)
                .with("Extension", exten)
                .with("Application", app)
                .with("AppData", data);
            continue_cdr(st, &ch.uniqueid);
            for d in st.drafts.iter_mut().filter(|d| d.a_uniqueid == ch.uniqueid && d.end.is_none()) {
                d.lastapp = app.into();
                d.lastdata = data.into();
            }
            st.emit(class::DIALPLAN, msg);
        });
    }

    /// Sets the application shown for the channel without a dialplan step (Originate's Application).
    pub fn set_app(&self, ch: &Chan, app: &str, data: &str) {
        self.with(|st| {
            if let Some(c) = st.chan_mut(&ch.uniqueid) {
                c.app = app.into();
                c.data = data.into();
            }
        });
    }

    /// The channel's state changes (`Newstate`), and with it its device's.
    pub fn set_state(&self, ch: &Chan, state: u8) {
        self.set_state_uid(&ch.uniqueid, state);
    }

    /// [`Pbx::set_state`] by uniqueid.
    pub fn set_state_uid(&self, uid: &str, state: u8) {
        self.change_state(uid, state, true);
    }

    /// The channel's state changes (`Newstate`) but its device's state is published later, by
    /// [`Pbx::publish_device_of`]: Asterisk's device-state thread lags the channel's, and where
    /// its events land in between is part of what clients see.
    pub fn set_state_quiet(&self, ch: &Chan, state: u8) {
        self.change_state(&ch.uniqueid, state, false);
    }

    /// Publishes the state of the channel's device if it changed.
    pub fn publish_device_of(&self, ch: &Chan) {
        self.with(|st| {
            if let Some(device) = st.chan(&ch.uniqueid).map(|c| c.device.clone()) {
                st.refresh_device(&device);
            }
        });
    }

    fn change_state(&self, uid: &str, state: u8, device_too: bool) {
        let answered = self.with(|st| {
            let Some(c) = st.chan_mut(uid) else { return false };
            if c.state == state {
                return false;
            }
            c.state = state;
            let answered = state == 6 && c.answered_at.is_none();
            if answered {
                c.answered_at = Some(SystemTime::now());
            }
            let _ = c.state_tx.send(state);
            let device = c.device.clone();
            let pjsip = c.tech == Tech::Pjsip;
            let msg = channel_event("Newstate", class::CALL, c);
            st.emit(class::CALL, msg);
            if device_too {
                st.refresh_device(&device);
            }
            answered && pjsip
        });
        // Media flows from the answer on: RTCP sender reports until the channel is gone.
        if answered {
            if let Some(me) = self.handle() {
                self.spawn(super::rtcp::reports(me, uid.to_string()));
            }
        }
    }

    /// The channel's state.
    pub fn state_of(&self, ch: &Chan) -> Option<u8> {
        self.with(|st| st.chan(&ch.uniqueid).map(|c| c.state))
    }

    /// Caller ID changes (`NewCallerid`).
    pub fn set_callerid(&self, ch: &Chan, num: &str, name: &str) {
        self.with(|st| {
            let Some(c) = st.chan_mut(&ch.uniqueid) else { return };
            c.cid_num = num.into();
            c.cid_name = name.into();
            let msg = channel_event("NewCallerid", class::CALL, c)
                .with("CID-CallingPres", "0 (Presentation Allowed, Not Screened)");
            st.emit(class::CALL, msg);
        });
    }

    /// Connected line changes (`NewConnectedLine`).
    pub fn set_connected(&self, ch: &Chan, num: &str, name: &str) {
        self.with(|st| {
            let Some(c) = st.chan_mut(&ch.uniqueid) else { return };
            c.conn_num = num.into();
            c.conn_name = name.into();
            let msg = channel_event("NewConnectedLine", class::CALL, c);
            st.emit(class::CALL, msg);
        });
    }

    /// Sets a channel variable (`VarSet`).
    pub fn var_set(&self, uid: &str, name: &str, value: &str) -> bool {
        self.with(|st| {
            let Some(c) = st.chan_mut(uid) else { return false };
            c.set_var(name, value);
            let msg = channel_event("VarSet", class::DIALPLAN, c).with("Variable", name).with("Value", value);
            st.emit(class::DIALPLAN, msg);
            true
        })
    }

    /// An event with an optional caller block, a `Dest` block and `extra` headers.
    pub fn two_party_event(
        &self,
        name: &str,
        class: u32,
        caller: Option<&Chan>,
        dest: &Chan,
        extra: &[(&str, String)],
    ) {
        self.with(|st| {
            let mut m = event_format::event(name, class);
            if let Some(c) = caller.and_then(|c| st.chan(&c.uniqueid)) {
                channel_block(&mut m, "", c);
            }
            if let Some(d) = st.chan(&dest.uniqueid) {
                channel_block(&mut m, "Dest", d);
            }
            for (k, v) in extra {
                m.push(*k, v.clone());
            }
            st.emit(class, m);
        });
    }

    /// `DialBegin`.
    pub fn dial_begin(&self, caller: Option<&Chan>, dest: &Chan, dialstring: &str) {
        self.two_party_event("DialBegin", class::CALL, caller, dest, &[("DialString", dialstring.to_string())]);
    }

    /// `DialState` (the callee's progress: `RINGING`).
    pub fn dial_state(&self, caller: Option<&Chan>, dest: &Chan, status: &str) {
        self.two_party_event("DialState", class::CALL, caller, dest, &[("DialStatus", status.to_string())]);
    }

    /// `DialEnd`.
    pub fn dial_end(&self, caller: Option<&Chan>, dest: &Chan, status: &str) {
        self.two_party_event("DialEnd", class::CALL, caller, dest, &[("DialStatus", status.to_string())]);
    }

    /// A new basic two-party bridge (`BridgeCreate`).
    pub fn bridge_create(&self) -> String {
        self.with(|st| {
            let b = Bridge {
                id: st.uuid(),
                kind: "basic".into(),
                technology: "simple_bridge".into(),
                creator: "<unknown>".into(),
                name: "<unknown>".into(),
                channels: Vec::new(),
            };
            let mut m = event_format::event("BridgeCreate", class::CALL);
            bridge_block(&mut m, "", &b);
            let id = b.id.clone();
            st.bridges.push(b);
            st.emit(class::CALL, m);
            id
        })
    }

    /// The channel joins the bridge (`BridgeEnter`). A bridge of two PJSIP channels then moves
    /// its media to `native_rtp` (no event: the next one about the bridge shows it).
    pub fn bridge_enter(&self, bridge: &str, ch: &Chan) {
        self.with(|st| {
            let Some(b) = st.bridges.iter_mut().find(|b| b.id == bridge) else { return };
            b.channels.push(ch.uniqueid.clone());
            let b = b.clone();
            let Some(c) = st.chan_mut(&ch.uniqueid) else { return };
            c.bridge = Some(bridge.to_string());
            let mut m = event_format::event("BridgeEnter", class::CALL);
            bridge_block(&mut m, "", &b);
            channel_block(&mut m, "", c);
            st.emit(class::CALL, m);
            let native =
                b.channels.len() == 2 && b.channels.iter().all(|u| st.chan(u).is_some_and(|c| c.tech == Tech::Pjsip));
            if native {
                if let Some(b) = st.bridges.iter_mut().find(|b| b.id == bridge) {
                    b.technology = "native_rtp".into();
                }
            }
        });
    }

    /// `BRIDGEPEER` and `BRIDGEPVTCALLID` of both parties of a two-party bridge: each names the
    /// other's channel and SIP Call-ID. Asterisk 22 sets them again on each change as the bridge
    /// settles after the second join (three rounds on a PJSIP call in the real transcripts).
    pub fn bridge_peer_vars(&self, first: &Chan, second: &Chan) {
        let ids = self
            .with(|st| Some((st.chan(&first.uniqueid)?.call_id.clone(), st.chan(&second.uniqueid)?.call_id.clone())));
        let Some((first_id, second_id)) = ids else { return };
        for _ in 0..3 {
            self.var_set(&first.uniqueid, "BRIDGEPEER", &second.name);
            self.var_set(&first.uniqueid, "BRIDGEPVTCALLID", &second_id);
            self.var_set(&second.uniqueid, "BRIDGEPEER", &first.name);
            self.var_set(&second.uniqueid, "BRIDGEPVTCALLID", &first_id);
        }
    }

    /// Clears [`Pbx::bridge_peer_vars`] as the bridge breaks up.
    pub fn clear_bridge_peer_vars(&self, first: &Chan, second: &Chan) {
        for ch in [first, second] {
            self.var_set(&ch.uniqueid, "BRIDGEPEER", "");
            self.var_set(&ch.uniqueid, "BRIDGEPVTCALLID", "");
        }
    }

    /// The channel leaves the bridge (`BridgeLeave`).
    pub fn bridge_leave(&self, bridge: &str, ch: &Chan) {
        self.with(|st| {
            let Some(b) = st.bridges.iter_mut().find(|b| b.id == bridge) else { return };
            if !b.channels.contains(&ch.uniqueid) {
                return;
            }
            b.channels.retain(|u| u != &ch.uniqueid);
            let b = b.clone();
            let Some(c) = st.chan_mut(&ch.uniqueid) else { return };
            c.bridge = None;
            let mut m = event_format::event("BridgeLeave", class::CALL);
            bridge_block(&mut m, "", &b);
            channel_block(&mut m, "", c);
            st.emit(class::CALL, m);
        });
    }

    /// The bridge goes away (`BridgeDestroy`).
    pub fn bridge_destroy(&self, bridge: &str) {
        self.with(|st| {
            let Some(pos) = st.bridges.iter().position(|b| b.id == bridge) else { return };
            let b = st.bridges.remove(pos);
            let mut m = event_format::event("BridgeDestroy", class::CALL);
            bridge_block(&mut m, "", &b);
            st.emit(class::CALL, m);
        });
    }

    /// The far end hangs up (a BYE): `HangupRequest`, and the owner is told.
    pub fn remote_hangup(&self, uid: &str, cause: u16) {
        self.with(|st| {
            let Some(c) = st.chan(uid) else { return };
            let msg = channel_event("HangupRequest", class::CALL, c).with("Cause", cause.to_string());
            let _ = c.control.send(Control::Hangup(cause));
            st.emit(class::CALL, msg);
        });
    }

    /// A hangup asked of the PBX (AMI `Hangup`): `SoftHangupRequest`, and the owner is told.
    pub fn soft_hangup(&self, uid: &str, cause: u16) -> bool {
        self.with(|st| soft_hangup_locked(st, uid, cause))
    }

    /// The `SoftHangupRequest` of a hangup asked while the channel was bridged, now that it has
    /// left the bridge.
    pub fn flush_soft_hangup(&self, ch: &Chan) {
        self.with(|st| flush_soft_hangup_locked(st, &ch.uniqueid));
    }

    /// A DTMF key on the channel (`PlayDTMF`): `DTMFBegin` and `DTMFEnd`; when `received`, as if
    /// the caller pressed it (the dialplan reads it: `Background`, `WaitExten`), else played out
    /// to the caller, where nothing reads it. `None` when there is no such channel.
    pub fn dtmf(&self, uid: &str, digit: char, duration_ms: u32, received: bool) -> Option<()> {
        self.with(|st| {
            let c = st.chan_mut(uid)?;
            if received {
                c.dtmf.push_back(digit);
                c.dtmf_ready.notify_one();
            }
            let c = st.chan(uid)?;
            let direction = if received { "Received" } else { "Sent" };
            let begin = channel_event("DTMFBegin", class::DTMF, c).with("Digit", digit.to_string()).with("Direction", direction);
            let end = channel_event("DTMFEnd", class::DTMF, c)
                .with("Digit", digit.to_string())
                .with("DurationMs", duration_ms.to_string())
                .with("Direction", direction);
            st.emit(class::DTMF, begin);
            st.emit(class::DTMF, end);
            Some(())
        })
    }

    /// The next key the caller pressed that the dialplan has not read, if any.
    pub fn take_dtmf(&self, uid: &str) -> Option<char> {
        self.with(|st| st.chan_mut(uid)?.dtmf.pop_front())
    }

    /// `SoftHangupRequest` of the channel hanging itself up (the `Hangup()` application).
    pub fn soft_hangup_event(&self, ch: &Chan) {
        self.with(|st| {
            if let Some(c) = st.chan(&ch.uniqueid) {
                let msg = channel_event("SoftHangupRequest", class::CALL, c).with("Cause", "16");
                st.emit(class::CALL, msg);
            }
        });
    }

    /// The callee of an answered Dial leaves the caller's dialplan location: its `Exten` is
    /// empty from then on (Asterisk's `DialEnd`, `BridgeEnter` and snapshots show it so).
    pub fn clear_exten(&self, ch: &Chan) {
        self.with(|st| {
            if let Some(c) = st.chan_mut(&ch.uniqueid) {
                c.exten.clear();
            }
        });
    }

    /// Asks the channel's owner to do something else (redirect, transfer).
    pub fn control(&self, uid: &str, control: Control) -> bool {
        self.with(|st| match st.chan(uid) {
            Some(c) => {
                let _ = c.control.send(control);
                true
            }
            None => false,
        })
    }

    /// The owner took the control in hand: back to running.
    pub fn clear_control(&self, ch: &mut Chan) {
        self.with(|st| {
            if let Some(c) = st.chan(&ch.uniqueid) {
                let _ = c.control.send(Control::Run);
            }
        });
        ch.control.borrow_and_update();
    }

    /// Opens a CDR row with `a` as party A and `b` (if any) as party B. An open row of A without
    /// a party B (A went on in the dialplan after an earlier call) takes B instead. A row's answer
    /// time is A's if A is up already (an originated call), else B's.
    pub fn open_cdr(&self, a: &Chan, b: Option<&Chan>, lastapp: &str, lastdata: &str) {
        self.with(|st| {
            let party_b = b.and_then(|b| st.chan(&b.uniqueid)).map(|c| (c.name.clone(), c.accountcode.clone()));
            if let Some(d) =
                st.drafts.iter_mut().find(|d| d.a_uniqueid == a.uniqueid && d.end.is_none() && d.dstchannel.is_empty())
            {
                (d.dstchannel, d.peeraccount) = party_b.unwrap_or_default();
                d.lastapp = lastapp.into();
                d.lastdata = lastdata.into();
                return;
            }
            let Some(ca) = st.chan(&a.uniqueid) else { return };
            let first = !st.drafts.iter().any(|d| d.a_uniqueid == a.uniqueid);
            let cb = b.and_then(|b| st.chan(&b.uniqueid));
            let draft = CdrDraft {
                a_uniqueid: ca.uniqueid.clone(),
                linkedid: ca.linkedid.clone(),
                channel: ca.name.clone(),
                dstchannel: cb.map(|c| c.name.clone()).unwrap_or_default(),
                clid: clid(&ca.cid_name, &ca.cid_num),
                src: ca.cid_num.clone(),
                dst: ca.exten.clone(),
                dcontext: ca.context.clone(),
                lastapp: lastapp.into(),
                lastdata: lastdata.into(),
                start: if first { ca.created_at } else { SystemTime::now() },
                answer: ca.answered_at,
                end: None,
                disposition: None,
                accountcode: ca.accountcode.clone(),
                peeraccount: cb.map(|c| c.accountcode.clone()).unwrap_or_default(),
            };
            st.drafts.push(draft);
        });
    }

    /// Party B of an open row answered (the row's answer time, unless A answered before).
    pub fn cdr_answer(&self, a: &Chan, b: &Chan) {
        self.with(|st| {
            let Some(name) = st.chan(&b.uniqueid).map(|c| c.name.clone()) else { return };
            for d in
                st.drafts.iter_mut().filter(|d| d.a_uniqueid == a.uniqueid && d.dstchannel == name && d.end.is_none())
            {
                d.answer.get_or_insert_with(SystemTime::now);
            }
        });
    }

    /// The row A–B ends. A disposition (`BUSY`, `FAILED`, `NO ANSWER`: how the dial ended) wins
    /// over the answer time, which may be A's: an originated caller that answered and then dialled
    /// nobody who answered still gets a `NO ANSWER` row.
    pub fn cdr_end(&self, a: &Chan, b_name: &str, disposition: Option<&str>) {
        self.with(|st| {
            for d in
                st.drafts.iter_mut().filter(|d| d.a_uniqueid == a.uniqueid && d.dstchannel == b_name && d.end.is_none())
            {
                d.end = Some(SystemTime::now());
                d.disposition = disposition.map(str::to_string);
            }
        });
    }

    /// The channel hangs up (`Hangup`) and is gone. A Local channel takes its other half with it
    /// (`HangupRequest`/`SoftHangupRequest` on it, as Asterisk's Local driver does); party A's CDR
    /// rows are finished and published.
    pub fn hangup(&self, ch: &Chan, cause: u16) {
        self.with(|st| hangup_locked(st, &ch.uniqueid, cause));
    }

    /// The uniqueids of a Local channel's other half, if it is still up.
    pub fn partner(&self, ch: &Chan) -> Option<String> {
        self.with(|st| st.chan(&ch.uniqueid).and_then(|c| c.partner.clone()).filter(|p| st.chan(p).is_some()))
    }

    /// Emits a Local channel pair's `DeviceStateChange` (Asterisk sends one per half).
    pub fn local_device_state(&self, device: &str, state: &str) {
        self.with(|st| {
            for _ in 0..2 {
                st.emit(
                    class::CALL,
                    event_format::event("DeviceStateChange", class::CALL).with("Device", device).with("State", state),
                );
            }
        });
    }
}

/// `"Name" <num>` (or just `<num>`, or `"Name" <>`).
pub fn clid(name: &str, num: &str) -> String {
    match (name.is_empty(), num.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("<{num}>"),
        (false, _) => format!("\"{name}\" <{num}>"),
    }
}

/// [`Pbx::soft_hangup`] with the lock held. A bridged channel's `SoftHangupRequest` waits until
/// it has left the bridge (where Asterisk publishes it: after `BridgeLeave` and Dial's variables).
pub fn soft_hangup_locked(st: &mut State, uid: &str, cause: u16) -> bool {
    let Some(c) = st.chan_mut(uid) else { return false };
    let _ = c.control.send(Control::Hangup(cause));
    if c.bridge.is_some() {
        c.soft_hangup_pending = true;
        return true;
    }
    let msg = channel_event("SoftHangupRequest", class::CALL, c).with("Cause", "16");
    st.emit(class::CALL, msg);
    true
}

fn flush_soft_hangup_locked(st: &mut State, uid: &str) {
    let Some(c) = st.chan_mut(uid) else { return };
    if !std::mem::take(&mut c.soft_hangup_pending) {
        return;
    }
    let msg = channel_event("SoftHangupRequest", class::CALL, c).with("Cause", "16");
    st.emit(class::CALL, msg);
}

/// After a Dial whose party B is gone, party A moving on in the dialplan starts a new CDR row
/// (Asterisk's CDR engine splits the record there), its start and answer now. Only for a channel
/// that is up: a row that never answered and has no party B is not posted by a default
/// `cdr.conf` (`unanswered = no`).
fn continue_cdr(st: &mut State, uid: &str) {
    let Some(c) = st.chan(uid) else { return };
    if c.is_peer || c.state != 6 {
        return;
    }
    let mine = || st.drafts.iter().filter(|d| d.a_uniqueid == uid);
    if mine().next().is_none() || mine().any(|d| d.end.is_none()) {
        return;
    }
    let now = SystemTime::now();
    let draft = CdrDraft {
        a_uniqueid: c.uniqueid.clone(),
        linkedid: c.linkedid.clone(),
        channel: c.name.clone(),
        dstchannel: String::new(),
        clid: clid(&c.cid_name, &c.cid_num),
        src: c.cid_num.clone(),
        dst: c.exten.clone(),
        dcontext: c.context.clone(),
        lastapp: c.app.clone(),
        lastdata: c.data.clone(),
        start: now,
        answer: Some(now),
        end: None,
        disposition: None,
        accountcode: c.accountcode.clone(),
        peeraccount: String::new(),
    };
    st.drafts.push(draft);
}

/// The channel goes: its media statistics (`RTPAUDIOQOS…` of a channel that had media), its
/// finished CDR rows, `Hangup`, then its device's state — Asterisk's order.
fn hangup_locked(st: &mut State, uid: &str, cause: u16) {
    let Some(pos) = st.channels.iter().position(|c| c.uniqueid == uid) else { return };
    let partner = st.channels[pos].partner.clone().filter(|p| st.chan(p).is_some());
    if let Some(p) = &partner {
        let msg = channel_event("HangupRequest", class::CALL, st.chan(p).expect("checked")).with("Cause", "0");
        st.emit(class::CALL, msg);
    }
    flush_soft_hangup_locked(st, uid);
    let ch = st.channels.remove(pos);
    if let Some(b) = ch.bridge.clone() {
        if let Some(b) = st.bridges.iter_mut().find(|x| x.id == b) {
            b.channels.retain(|u| u != uid);
        }
    }
    // A channel that had media reports its statistics as it goes.
    if ch.tech == Tech::Pjsip && ch.answered_at.is_some() {
        for (name, value) in super::rtcp::quality(&ch) {
            let msg = channel_event("VarSet", class::DIALPLAN, &ch).with("Variable", name).with("Value", value);
            st.emit(class::DIALPLAN, msg);
        }
    }
    finish_cdrs(st, &ch);
    let msg = channel_event("Hangup", class::CALL, &ch)
        .with("Cause", cause.to_string())
        .with("Cause-txt", event_format::cause_text(cause));
    st.emit(class::CALL, msg);
    st.refresh_device(&ch.device);
    for q in &mut st.queues {
        q.callers.retain(|c| c.uniqueid != uid);
    }
    st.refresh_queue_devices();
    match &partner {
        Some(p) => {
            soft_hangup_locked(st, p, 0);
        }
        None if ch.tech == Tech::Local => {
            for _ in 0..2 {
                st.emit(
                    class::CALL,
                    event_format::event("DeviceStateChange", class::CALL)
                        .with("Device", ch.device.clone())
                        .with("State", "NOT_INUSE"),
                );
            }
        }
        None => {}
    }
}

fn finish_cdrs(st: &mut State, ch: &Channel) {
    let now = SystemTime::now();
    let userfield = ch.var("CDR(userfield)").unwrap_or_default().to_string();
    let mut mine: Vec<CdrDraft> = Vec::new();
    let mut i = 0;
    while i < st.drafts.len() {
        if st.drafts[i].a_uniqueid == ch.uniqueid {
            mine.push(st.drafts.remove(i));
        } else {
            i += 1;
        }
    }
    if mine.is_empty() && !ch.is_peer {
        mine.push(CdrDraft {
            a_uniqueid: ch.uniqueid.clone(),
            linkedid: ch.linkedid.clone(),
            channel: ch.name.clone(),
            dstchannel: String::new(),
            clid: clid(&ch.cid_name, &ch.cid_num),
            src: ch.cid_num.clone(),
            dst: ch.exten.clone(),
            dcontext: ch.context.clone(),
            lastapp: ch.app.clone(),
            lastdata: ch.data.clone(),
            start: ch.created_at,
            answer: ch.answered_at,
            end: None,
            disposition: None,
            accountcode: ch.accountcode.clone(),
            peeraccount: String::new(),
        });
    }
    for d in mine {
        let seq = st.cdr_seq();
        let cdr = d.finish(now, seq, userfield.clone());
        st.post_cdr(cdr);
    }
}

