//! What the simulated PBX holds when it starts: endpoints, queues, dialplan, mailboxes, astdb.

use std::time::Duration;

use super::office;

/// The PBX the simulator starts with.
#[derive(Debug, Clone)]
pub struct PbxSeed {
    /// PJSIP endpoints (phones and trunks), in `pjsip show endpoints` order.
    pub endpoints: Vec<EndpointSeed>,
    /// Call queues, in `QueueStatus` order.
    pub queues: Vec<QueueSeed>,
    /// Dialplan extensions (Originate, Redirect and the `Local/` channel run them).
    pub dialplan: Vec<ExtenSeed>,
    /// Voicemail boxes (`MailboxCount`, `MailboxStatus`).
    pub mailboxes: Vec<MailboxSeed>,
    /// Initial astdb entries: (family, key, value).
    pub astdb: Vec<(String, String, String)>,
    /// Context of phones' outgoing calls (`from-internal`).
    pub internal_context: String,
    /// Context calls from trunks arrive in (`from-trunk`).
    pub inbound_context: String,
    /// How long phones that appear on a config reload ring before answering (1 s; [`PbxSeed::with_ring`] sets it too).
    pub reload_ring: Duration,
    /// The SIP channel driver the simulated Asterisk runs ([`SipDriver::Pjsip`] unless
    /// [`PbxSeed::with_chan_sip`]).
    pub sip_driver: SipDriver,
    /// How often an answered PJSIP channel publishes `RTCPSent` (5 s, rtp.conf's
    /// `rtcpinterval` default; [`PbxSeed::with_rtcp_interval`] sets it).
    pub rtcp_interval: Duration,
}

/// Which SIP channel driver the simulated Asterisk has loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SipDriver {
    /// Asterisk 22: PJSIP only (chan_sip was removed in 21). The transcripts' PBX.
    #[default]
    Pjsip,
    /// An Asterisk 13 as Elastix 4 ran it: chan_sip only. `ModuleCheck` finds `chan_sip` and not
    /// `res_pjsip`, the endpoints are listed by `SIPpeers` (as chan_sip's `PeerEntry` events, the
    /// shape the Elastix API document shows) instead of `PJSIPShow*`, which are unknown actions,
    /// and `CoreSettings` / `core show version` report 13.38.3. Channels keep the simulator's
    /// `PJSIP/` names: this mode is for what APIs read about peers, not for call flows.
    ChanSip,
}

/// One PJSIP endpoint with its AOR, auth and (maybe) a registered contact.
#[derive(Debug, Clone)]
pub struct EndpointSeed {
    /// Endpoint, AOR and auth id (`1001`).
    pub name: String,
    /// Caller ID name (`Alice Smith`); empty for trunks.
    pub caller_name: String,
    /// Dialplan context of calls from this endpoint.
    pub context: String,
    /// Registered contact URI; `None` makes the endpoint `Unavailable`.
    pub contact: Option<String>,
    /// Inbound auth password; `None` for an endpoint without inbound auth (trunks).
    pub password: Option<String>,
    /// The inbound auth's id when it is not the endpoint's name (`1001-auth`, as FreePBX and
    /// Switchboard's rendered config name it).
    pub auth_name: Option<String>,
    /// Outbound auth id (trunks registering to a provider).
    pub outbound_auth: Option<String>,
    /// Whether the phone picks up calls by itself (after `ring`) when the simulator rings it.
    pub auto_answer: bool,
    /// How long the phone rings before it is answered.
    pub ring: Duration,
    /// Voicemail box (`1001@default`), if any.
    pub mailbox: Option<String>,
    /// Whether this is a trunk (calls to `PJSIP/number@name` go out through it).
    pub trunk: bool,
    /// Whether the phone answers every call `486 Busy Here` (a busy desk phone): an originate to
    /// it ends `BUSY`, cause 17.
    pub busy: bool,
}

impl EndpointSeed {
    /// A desk phone: registered at `sip:NAME@192.0.2.10:5060`, auth `NAME`/`secret-NAME`, answers after 1 s.
    pub fn phone(name: &str, caller_name: &str) -> EndpointSeed {
        let last = name.chars().rev().take(2).collect::<String>().chars().rev().collect::<String>();
        EndpointSeed {
            name: name.into(),
            caller_name: caller_name.into(),
            context: "from-internal".into(),
            contact: Some(format!("sip:{name}@192.0.2.{}:5060", 10 + last.parse::<u32>().unwrap_or(0))),
            password: Some(format!("secret-{name}")),
            auth_name: None,
            outbound_auth: None,
            auto_answer: true,
            ring: Duration::from_secs(1),
            mailbox: Some(format!("{name}@default")),
            trunk: false,
            busy: false,
        }
    }

    /// Builder: no registered contact (the endpoint is `Unavailable`).
    pub fn unregistered(mut self) -> Self {
        self.contact = None;
        self
    }

    /// Builder: rings but nobody picks up.
    pub fn never_answers(mut self) -> Self {
        self.auto_answer = false;
        self
    }

    /// Builder: rejects every call as busy (`486 Busy Here`).
    pub fn busy(mut self) -> Self {
        self.busy = true;
        self
    }

    /// A trunk to a provider at `uri`.
    pub fn trunk(name: &str, uri: &str) -> EndpointSeed {
        EndpointSeed {
            name: name.into(),
            caller_name: String::new(),
            context: "from-trunk".into(),
            contact: Some(uri.into()),
            password: None,
            auth_name: None,
            outbound_auth: Some(format!("{name}-auth")),
            auto_answer: true,
            ring: Duration::from_secs(2),
            mailbox: None,
            trunk: true,
            busy: false,
        }
    }
}

/// A call queue (`queues.conf` section).
#[derive(Debug, Clone)]
pub struct QueueSeed {
    /// Queue name (`support`).
    pub name: String,
    /// Extension that reaches it from phones (`7001`), if any.
    pub exten: Option<String>,
    /// `ringall`, `rrmemory`, `leastrecent`, …
    pub strategy: String,
    /// Static members.
    pub members: Vec<MemberSeed>,
}

/// A queue member.
#[derive(Debug, Clone)]
pub struct MemberSeed {
    /// `PJSIP/1001`.
    pub interface: String,
    /// Member name (`Alice Smith`); the interface when empty.
    pub name: String,
    /// Penalty.
    pub penalty: u32,
    /// Paused at start.
    pub paused: bool,
}

impl MemberSeed {
    /// An unpaused member with penalty 0.
    pub fn new(interface: &str, name: &str) -> MemberSeed {
        MemberSeed { interface: interface.into(), name: name.into(), penalty: 0, paused: false }
    }
}

/// One dialplan extension: its priorities 1, 2, … as (application, data).
#[derive(Debug, Clone)]
pub struct ExtenSeed {
    /// Context (`from-internal`).
    pub context: String,
    /// Extension or pattern (`_10XX`, `_X.`, `s`).
    pub exten: String,
    /// Priorities in order, starting at 1.
    pub steps: Vec<(String, String)>,
    /// Hint device (`PJSIP/1001`), if the extension has one.
    pub hint: Option<String>,
}

impl ExtenSeed {
    /// An extension with `steps` (each `App(data)` or `App`).
    pub fn new(context: &str, exten: &str, steps: &[&str]) -> ExtenSeed {
        let steps = steps
            .iter()
            .map(|s| match s.split_once('(') {
                Some((app, rest)) => (app.to_string(), rest.strip_suffix(')').unwrap_or(rest).to_string()),
                None => (s.to_string(), String::new()),
            })
            .collect();
        ExtenSeed { context: context.into(), exten: exten.into(), steps, hint: None }
    }

    /// Builder: a hint.
    pub fn with_hint(mut self, device: &str) -> Self {
        self.hint = Some(device.into());
        self
    }
}

/// A voicemail box and its message counts.
#[derive(Debug, Clone)]
pub struct MailboxSeed {
    /// `1001@default`.
    pub mailbox: String,
    /// Urgent messages.
    pub urgent: u32,
    /// New messages.
    pub new: u32,
    /// Old messages.
    pub old: u32,
}

impl PbxSeed {
    /// An empty PBX with the usual context names.
    pub fn empty() -> PbxSeed {
        PbxSeed {
            endpoints: Vec::new(),
            queues: Vec::new(),
            dialplan: Vec::new(),
            mailboxes: Vec::new(),
            astdb: Vec::new(),
            internal_context: "from-internal".into(),
            inbound_context: "from-trunk".into(),
            reload_ring: Duration::from_secs(1),
            sip_driver: SipDriver::Pjsip,
            rtcp_interval: Duration::from_secs(5),
        }
    }

    /// The demo office ([`crate::office`]): phones 1001–1010 (1001–1007 registered, 1008 registered but never
    /// answers, 1009–1010 unavailable), trunk `trunk-provider`, queues `support` (7001: 1001–1003)
    /// and `sales` (7002: 1004–1005), dialplan in `from-internal` (`_10XX` dials the phone, 7001/7002
    /// the queues, 100 answers and waits, 200 echoes, `_0X.` dials out through the trunk) and
    /// `from-trunk` (everything to `support`), a few voicemail messages and astdb keys.
    pub fn demo() -> PbxSeed {
        let mut seed = PbxSeed::empty();
        for (ext, name) in office::phones() {
            let mut ep = EndpointSeed::phone(&ext, name);
            if ext == office::NEVER_ANSWERS {
                ep = ep.never_answers();
            }
            if office::UNREGISTERED.contains(&ext.as_str()) {
                ep = ep.unregistered();
            }
            seed.dialplan.push(
                ExtenSeed::new("from-internal", &ext, &["Dial(PJSIP/${EXTEN},30)", "Hangup"])
                    .with_hint(&format!("PJSIP/{ext}")),
            );
            seed.endpoints.push(ep);
        }
        let trunk = &office::TRUNK;
        seed.endpoints.push(EndpointSeed::trunk(trunk.name, &format!("sip:{}:{}", trunk.host, trunk.port)));
        let phone = |ext: &str| office::phones().any(|(e, _)| e == ext);
        for q in &office::QUEUES {
            seed.queues.push(QueueSeed {
                name: q.name.into(),
                exten: Some(q.exten.into()),
                strategy: q.strategy.into(),
                members: q
                    .members
                    .iter()
                    .filter(|(ext, ..)| phone(ext))
                    .map(|&(ext, penalty, paused)| MemberSeed {
                        penalty,
                        paused,
                        ..MemberSeed::new(&format!("PJSIP/{ext}"), office::name_of(ext).unwrap_or_default())
                    })
                    .collect(),
            });
        }
        for q in &office::QUEUES {
            let queue = format!("Queue({})", q.name);
            seed.dialplan.push(ExtenSeed::new("from-internal", q.exten, &["Answer", &queue, "Hangup"]));
        }
        let dial_out = format!("Dial(PJSIP/${{EXTEN:1}}@{},60)", trunk.name);
        let inbound = format!("Queue({})", office::QUEUES[0].name);
        seed.dialplan.extend([
            ExtenSeed::new("from-internal", "100", &["NoOp(demo hold)", "Answer", "Wait(60)", "Hangup"]),
            ExtenSeed::new("from-internal", "200", &["NoOp(demo echo)", "Answer", "Echo"]),
            ExtenSeed::new("from-internal", "_0X.", &[&dial_out, "Hangup"]),
            ExtenSeed::new("from-trunk", "_X.", &["Answer", &inbound, "Hangup"]),
        ]);
        seed.mailboxes = office::MAILBOX_MESSAGES
            .iter()
            .map(|&(mailbox, urgent, new, old)| MailboxSeed { mailbox: mailbox.into(), urgent, new, old })
            .collect();
        seed.astdb = office::ASTDB.iter().map(|&(f, k, v)| (f.into(), k.into(), v.into())).collect();
        seed
    }

    /// Builder: an Asterisk 13 with chan_sip instead of PJSIP ([`SipDriver::ChanSip`]).
    pub fn with_chan_sip(mut self) -> Self {
        self.sip_driver = SipDriver::ChanSip;
        self
    }

    /// Builder: every endpoint (and any a config reload adds) rings for `ring` before answering
    /// (tests use a few milliseconds).
    pub fn with_ring(mut self, ring: Duration) -> Self {
        for e in &mut self.endpoints {
            e.ring = ring;
        }
        self.reload_ring = ring;
        self
    }

    /// Builder: answered PJSIP channels send an RTCP report every `interval` instead of every
    /// 5 s (tests that run time faster than real time scale it with their ring times).
    pub fn with_rtcp_interval(mut self, interval: Duration) -> Self {
        self.rtcp_interval = interval;
        self
    }

    /// The endpoint called `name`.
    pub fn endpoint_mut(&mut self, name: &str) -> Option<&mut EndpointSeed> {
        self.endpoints.iter_mut().find(|e| e.name == name)
    }
}

impl Default for PbxSeed {
    fn default() -> Self {
        PbxSeed::demo()
    }
}
