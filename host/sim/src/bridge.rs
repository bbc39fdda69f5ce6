//! What the dialplan applications that take time share: Dial (in `dial`) and Queue (in `queue`)
//! ring phones, bridge the answering one with the caller, and tear the call down in Asterisk's
//! event order. Scenarios use them with scripted outcomes ([`CallScript`]: who answers, how long
//! they talk, who hangs up or transfers).

use std::future::pending;
use std::time::{Duration, Instant};

use futures::future::{FutureExt, select_all};

use super::calls::{Chan, NewChan, wait_control};
use super::channel::{Control, Pc};
use super::event_format::{self, bridge_block, channel_block, class};
use super::state::PbxRef;

/// Who picks up when phones ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answerer {
    /// Each endpoint as configured (`auto_answer` after `ring`).
    Endpoints,
    /// Only this endpoint (after its `ring`); `None`: nobody.
    Only(Option<String>),
}

/// What happens when the talk time is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterTalk {
    /// The caller hangs up.
    CallerHangsUp,
    /// The callee blind-transfers the caller to `exten@context`.
    CalleeTransfers { context: String, exten: String },
}

/// How a Dial or Queue behaves.
#[derive(Debug, Clone)]
pub struct CallScript {
    pub answer: Answerer,
    /// Ring at most this long (Dial's timeout).
    pub timeout: Option<Duration>,
    /// Talk this long, then `after`; `None`: until someone hangs up.
    pub talk: Option<Duration>,
    pub after: AfterTalk,
    /// Where a party that leaves the bridge for another place in the dialplan (the callee after
    /// an AMI `Redirect`, or after the caller's blind transfer) carries on: the dialplan
    /// interpreter's `spawn_run`, handed in so that bridging, which the interpreter's Dial and
    /// Queue use, does not call back up into it.
    pub resume: Resume,
}

/// Runs a channel in the dialplan from a place, in a task of its own.
pub type Resume = fn(&PbxRef, Chan, Pc);

impl CallScript {
    /// The dialplan's own behaviour: endpoints answer as configured, talk until a hangup.
    pub fn live(timeout: Option<Duration>, resume: Resume) -> CallScript {
        CallScript { answer: Answerer::Endpoints, timeout, talk: None, after: AfterTalk::CallerHangsUp, resume }
    }
}

/// How an application ended for the channel that ran it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Go on with the next priority (`DIALSTATUS`).
    Continue(String),
    /// The channel hangs up.
    Hangup(u16),
    /// Continue at this place (AMI Redirect, or a transfer of this channel).
    Goto(Pc),
}

/// How a bridged conversation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TalkEnd {
    CallerHangup(u16),
    PeerHangup(u16),
    CallerRedirect(Pc),
    PeerRedirect(Pc),
    PeerTransfer { context: String, exten: String },
    CallerTransfer { context: String, exten: String },
}

/// A phone being rung.
pub(super) struct Ringing {
    pub chan: Chan,
    /// The number dialled (`DIALEDPEERNUMBER`).
    pub number: String,
    pub member: Option<(String, String)>,
    pub answer_at: Option<Instant>,
}

/// `PJSIP/1001` → endpoint `1001`, dial string `1001`; `PJSIP/5551234@trunk` → (`trunk`, `5551234`).
pub(super) fn parse_target(target: &str) -> Option<(String, String)> {
    let rest = target.strip_prefix("PJSIP/").or_else(|| target.strip_prefix("pjsip/"))?;
    match rest.split_once('@') {
        Some((num, ep)) => Some((ep.to_string(), num.to_string())),
        None => Some((rest.to_string(), rest.to_string())),
    }
}

/// Creates the callee channel for `endpoint` (`Newchannel`), or `None` if it cannot be reached.
/// With `connected`, it shows the caller as its connected line from the start (Queue); Dial
/// sets that afterwards.
pub(super) fn new_callee(pbx: &PbxRef, caller: &Chan, endpoint: &str, number: &str, connected: bool) -> Option<Chan> {
    let spec = pbx.with(|st| {
        let ep = st.endpoint(endpoint)?;
        ep.contact.as_ref()?;
        let c = st.chan(&caller.uniqueid)?;
        let (cid_num, cid_name) =
            if ep.trunk { (number.to_string(), String::new()) } else { (ep.name.clone(), ep.caller_name.clone()) };
        Some(NewChan {
            endpoint: ep.name.clone(),
            state: 0,
            cid_num,
            cid_name,
            conn_num: if connected { c.cid_num.clone() } else { String::new() },
            conn_name: if connected { c.cid_name.clone() } else { String::new() },
            context: ep.context.clone(),
            exten: "s".into(),
            linkedid: Some(c.linkedid.clone()),
            accountcode: String::new(),
            is_peer: true,
        })
    })?;
    Some(pbx.new_pjsip(spec))
}

/// When `endpoint` picks up under `who`, counted from now.
pub(super) fn answer_time(pbx: &PbxRef, who: &Answerer, endpoint: &str) -> Option<Instant> {
    let (auto, ring) = pbx.with(|st| st.endpoint(endpoint).map(|e| (e.auto_answer, e.ring)))?;
    match who {
        Answerer::Endpoints if auto => Some(Instant::now() + ring),
        Answerer::Only(Some(e)) if e == endpoint => Some(Instant::now() + ring),
        _ => None,
    }
}

/// Answers the channel (`Newstate Up`); a Local half answers its other half too. Returns whether
/// it was not up before.
pub fn answer(pbx: &PbxRef, ch: &Chan) -> bool {
    if pbx.state_of(ch) == Some(6) {
        return false;
    }
    pbx.set_state(ch, 6);
    if let Some(p) = pbx.partner(ch) {
        pbx.set_state_uid(&p, 6);
    }
    true
}

pub(super) async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => pending().await,
    }
}

/// Waits for any of the ringing channels' owners to be asked something: (index, control).
pub(super) async fn any_control(ringing: &[Ringing]) -> (usize, Control) {
    if ringing.is_empty() {
        return pending().await;
    }
    let futs = ringing
        .iter()
        .map(|r| {
            let mut rx = r.chan.control.clone();
            async move { wait_control(&mut rx).await }.boxed()
        })
        .collect::<Vec<_>>();
    let (c, i, _) = select_all(futs).await;
    (i, c)
}

/// Stops ringing `r` (`DialEnd` with `status`), ends its CDR row, hangs it up with `cause` (0
/// for a phone that was never answered and is cancelled, as Asterisk leaves its cause unset).
pub(super) fn stop_ringing(
    pbx: &PbxRef,
    caller: &Chan,
    r: &Ringing,
    status: &str,
    disposition: Option<&str>,
    cause: u16,
) {
    pbx.dial_end(Some(caller), &r.chan, status);
    pbx.cdr_end(caller, &r.chan.name, disposition);
    pbx.hangup(&r.chan, cause);
}

/// A ringing target was asked something: a hangup means the phone rejected the call (BUSY);
/// anything else is cleared and the target keeps ringing. Shared by Dial and Queue.
pub(super) fn ringing_control(pbx: &PbxRef, caller: &Chan, ringing: &mut Vec<Ringing>, i: usize, c: Control) {
    let r = ringing.remove(i);
    match c {
        Control::Hangup(_) => stop_ringing(pbx, caller, &r, "BUSY", Some("BUSY"), 17),
        _ => {
            let mut chan = r.chan.clone();
            pbx.clear_control(&mut chan);
            ringing.insert(i, Ringing { chan, ..r });
        }
    }
}

/// Turns a control on the caller into how the application ends.
pub(super) fn caller_outcome(pbx: &PbxRef, caller: &mut Chan, c: Control) -> Option<Outcome> {
    match c {
        Control::Run => None,
        Control::Hangup(cause) => Some(Outcome::Hangup(cause)),
        Control::Redirect { context, exten, priority } => {
            pbx.clear_control(caller);
            Some(Outcome::Goto(Pc { context, exten, priority }))
        }
        Control::BlindTransfer { .. } => {
            // Nothing to transfer while not bridged.
            pbx.clear_control(caller);
            None
        }
    }
}

/// Bridges caller and peer, lets them talk, and tears down. The peer joins first (Asterisk's
/// `ast_bridge_call` imparts it, then the caller joins); its device shows in use once it is in.
/// `dial` is set when a Dial connected them: its callee goes back to `AppDial`, and `dial` sets
/// Dial's variables on the caller as it leaves. `on_end` runs after a transfer's `BlindTransfer` and before
/// anyone leaves the bridge (Queue publishes `AgentComplete` there).
pub(super) async fn bridged(
    pbx: &PbxRef,
    caller: &mut Chan,
    peer: &mut Chan,
    script: &CallScript,
    dial: Option<&(dyn Fn(&PbxRef, &Chan) + Sync)>,
    on_end: impl FnOnce(&TalkEndKind),
) -> Outcome {
    let bridge = pbx.bridge_create();
    if dial.is_some() {
        let context = pbx.with(|st| st.chan(&peer.uniqueid).map(|c| c.context.clone())).unwrap_or_default();
        pbx.newexten(peer, &context, "", 1, "AppDial", "(Outgoing Line)");
    }
    pbx.bridge_enter(&bridge, peer);
    pbx.publish_device_of(peer);
    pbx.bridge_enter(&bridge, caller);
    pbx.bridge_peer_vars(caller, peer);
    let end = talk(pbx, caller, peer, script).await;
    if let TalkEnd::PeerTransfer { context, exten } | TalkEnd::CallerTransfer { context, exten } = &end {
        let (transferer, transferee) =
            if matches!(end, TalkEnd::PeerTransfer { .. }) { (&*peer, &*caller) } else { (&*caller, &*peer) };
        blind_transfer_event(pbx, transferer, transferee, &bridge, context, exten);
    }
    on_end(&end.kind());
    let (first, second) = match end {
        TalkEnd::PeerHangup(_) | TalkEnd::PeerRedirect(_) | TalkEnd::CallerTransfer { .. } => (&*peer, &*caller),
        _ => (&*caller, &*peer),
    };
    pbx.clear_bridge_peer_vars(first, second);
    for ch in [first, second] {
        pbx.bridge_leave(&bridge, ch);
        if ch.uniqueid == caller.uniqueid {
            if let Some(finish) = dial {
                finish(pbx, caller);
            }
        }
        pbx.flush_soft_hangup(ch);
    }
    pbx.bridge_destroy(&bridge);
    pbx.cdr_end(caller, &peer.name, None);
    match end {
        TalkEnd::CallerHangup(cause) => {
            // The caller's hangup (and its CDR) comes before the callee's.
            pbx.hangup(caller, cause);
            pbx.hangup(peer, 16);
            Outcome::Hangup(cause)
        }
        TalkEnd::PeerHangup(cause) => {
            pbx.hangup(peer, cause);
            Outcome::Continue("ANSWER".into())
        }
        TalkEnd::CallerRedirect(pc) => {
            pbx.clear_control(caller);
            pbx.hangup(peer, 16);
            Outcome::Goto(pc)
        }
        TalkEnd::PeerRedirect(pc) => {
            pbx.clear_control(peer);
            (script.resume)(pbx, peer.clone(), pc);
            Outcome::Continue("ANSWER".into())
        }
        TalkEnd::PeerTransfer { context, exten } => {
            pbx.hangup(peer, 16);
            Outcome::Goto(Pc { context, exten, priority: 1 })
        }
        TalkEnd::CallerTransfer { context, exten } => {
            pbx.clear_control(peer);
            (script.resume)(pbx, peer.clone(), Pc { context, exten, priority: 1 });
            Outcome::Hangup(16)
        }
    }
}

/// What kind of end a conversation had (for `AgentComplete`'s `Reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TalkEndKind {
    Caller,
    Agent,
    Transfer,
}

impl TalkEnd {
    fn kind(&self) -> TalkEndKind {
        match self {
            TalkEnd::CallerHangup(_) | TalkEnd::CallerRedirect(_) => TalkEndKind::Caller,
            TalkEnd::PeerHangup(_) | TalkEnd::PeerRedirect(_) => TalkEndKind::Agent,
            TalkEnd::PeerTransfer { .. } | TalkEnd::CallerTransfer { .. } => TalkEndKind::Transfer,
        }
    }
}

/// The conversation: until a party's owner is asked something, or the script's talk time is over.
async fn talk(pbx: &PbxRef, caller: &mut Chan, peer: &mut Chan, script: &CallScript) -> TalkEnd {
    let timer = async {
        match script.talk {
            Some(d) => tokio::time::sleep(d).await,
            None => pending().await,
        }
    };
    tokio::pin!(timer);
    loop {
        tokio::select! {
            c = wait_control(&mut caller.control) => match c {
                Control::Run => {}
                Control::Hangup(cause) => return TalkEnd::CallerHangup(cause),
                Control::Redirect { context, exten, priority } => return TalkEnd::CallerRedirect(Pc { context, exten, priority }),
                Control::BlindTransfer { context, exten } => return TalkEnd::CallerTransfer { context, exten },
            },
            c = wait_control(&mut peer.control) => match c {
                Control::Run => {}
                Control::Hangup(cause) => return TalkEnd::PeerHangup(cause),
                Control::Redirect { context, exten, priority } => return TalkEnd::PeerRedirect(Pc { context, exten, priority }),
                Control::BlindTransfer { context, exten } => return TalkEnd::PeerTransfer { context, exten },
            },
            _ = &mut timer => match &script.after {
                AfterTalk::CallerHangsUp => {
                    pbx.remote_hangup(&caller.uniqueid, 16);
                    return TalkEnd::CallerHangup(16);
                }
                AfterTalk::CalleeTransfers { context, exten } => {
                    return TalkEnd::PeerTransfer { context: context.clone(), exten: exten.clone() };
                }
            },
        }
    }
}

/// `BlindTransfer` (stasis_bridges.c: transferer, transferee, bridge, then the destination).
fn blind_transfer_event(pbx: &PbxRef, transferer: &Chan, transferee: &Chan, bridge: &str, context: &str, exten: &str) {
    pbx.with(|st| {
        let mut m = event_format::event("BlindTransfer", class::CALL).with("Result", "Success");
        if let Some(c) = st.chan(&transferer.uniqueid) {
            channel_block(&mut m, "Transferer", c);
        }
        if let Some(c) = st.chan(&transferee.uniqueid) {
            channel_block(&mut m, "Transferee", c);
        }
        if let Some(b) = st.bridge(bridge) {
            bridge_block(&mut m, "", b);
        }
        m.push("IsExternal", "Yes");
        m.push("Context", context);
        m.push("Extension", exten);
        st.emit(class::CALL, m);
    });
}
