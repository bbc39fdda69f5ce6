//! Call primitives: create channels, change their state, dial, bridge, hang up — each one
//! updates the live state and publishes the events Asterisk publishes for it, in its order.
//! The dialplan interpreter, Originate and the scripted scenarios are built from these.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use tokio::sync::watch;

use super::cdr::CdrDraft;
use super::events::{self, bridge_block, channel_block, channel_event, class};
use super::state::{Bridge, Channel, Control, Pbx, State, Tech};

/// A handle on a channel held by the task that owns it.
#[derive(Debug, Clone)]
pub struct Chan {
    pub name: String,
    pub uniqueid: String,
    pub control: watch::Receiver<Control>,
    pub state: watch::Receiver<u8>,
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
    let ssrc = st.random() as u32;
    let (control, control_rx) = watch::channel(Control::Run);
    let (state_tx, state_rx) = watch::channel(spec.state);
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
        ssrc,
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
    (ch, Chan { name, uniqueid, control: control_rx, state: state_rx })
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
            st.refresh_device(&device);
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
            let mut m = events::event(name, class);
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
            let mut m = events::event("BridgeCreate", class::CALL);
            bridge_block(&mut m, "", &b);
            let id = b.id.clone();
            st.bridges.push(b);
            st.emit(class::CALL, m);
            id
        })
    }

    /// The channel joins the bridge (`BridgeEnter`).
    pub fn bridge_enter(&self, bridge: &str, ch: &Chan) {
        self.with(|st| {
            let Some(b) = st.bridges.iter_mut().find(|b| b.id == bridge) else { return };
            b.channels.push(ch.uniqueid.clone());
            let b = b.clone();
            let Some(c) = st.chan_mut(&ch.uniqueid) else { return };
            c.bridge = Some(bridge.to_string());
            let mut m = events::event("BridgeEnter", class::CALL);
            bridge_block(&mut m, "", &b);
            channel_block(&mut m, "", c);
            st.emit(class::CALL, m);
        });
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
            let mut m = events::event("BridgeLeave", class::CALL);
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
            let mut m = events::event("BridgeDestroy", class::CALL);
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

    /// Opens a CDR row with `a` as party A and `b` (if any) as party B.
    pub fn open_cdr(&self, a: &Chan, b: Option<&Chan>, lastapp: &str, lastdata: &str) {
        self.with(|st| {
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
                answer: None,
                end: None,
                disposition: None,
                accountcode: ca.accountcode.clone(),
                peeraccount: cb.map(|c| c.accountcode.clone()).unwrap_or_default(),
            };
            st.drafts.push(draft);
        });
    }

    /// Party B of an open row answered.
    pub fn cdr_answer(&self, a: &Chan, b: &Chan) {
        self.with(|st| {
            let Some(name) = st.chan(&b.uniqueid).map(|c| c.name.clone()) else { return };
            for d in
                st.drafts.iter_mut().filter(|d| d.a_uniqueid == a.uniqueid && d.dstchannel == name && d.end.is_none())
            {
                d.answer = Some(SystemTime::now());
            }
        });
    }

    /// The row A–B ends (disposition for an unanswered row: `BUSY`, `FAILED`, or `NO ANSWER`).
    pub fn cdr_end(&self, a: &Chan, b_name: &str, disposition: Option<&str>) {
        self.with(|st| {
            for d in
                st.drafts.iter_mut().filter(|d| d.a_uniqueid == a.uniqueid && d.dstchannel == b_name && d.end.is_none())
            {
                d.end = Some(SystemTime::now());
                if d.answer.is_none() {
                    d.disposition = disposition.map(str::to_string);
                }
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
                    events::event("DeviceStateChange", class::CALL).with("Device", device).with("State", state),
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

/// [`Pbx::soft_hangup`] with the lock held.
pub fn soft_hangup_locked(st: &mut State, uid: &str, cause: u16) -> bool {
    let Some(c) = st.chan(uid) else { return false };
    let msg = channel_event("SoftHangupRequest", class::CALL, c).with("Cause", "16");
    let _ = c.control.send(Control::Hangup(cause));
    st.emit(class::CALL, msg);
    true
}

fn hangup_locked(st: &mut State, uid: &str, cause: u16) {
    let Some(pos) = st.channels.iter().position(|c| c.uniqueid == uid) else { return };
    let partner = st.channels[pos].partner.clone().filter(|p| st.chan(p).is_some());
    if let Some(p) = &partner {
        let msg = channel_event("HangupRequest", class::CALL, st.chan(p).expect("checked")).with("Cause", "0");
        st.emit(class::CALL, msg);
    }
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
    let msg = channel_event("Hangup", class::CALL, &ch)
        .with("Cause", cause.to_string())
        .with("Cause-txt", events::cause_text(cause));
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
                    events::event("DeviceStateChange", class::CALL)
                        .with("Device", ch.device.clone())
                        .with("State", "NOT_INUSE"),
                );
            }
        }
        None => {}
    }
    finish_cdrs(st, &ch);
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

/// Shared handle type.
pub type PbxRef = Arc<Pbx>;
