//! Core actions: ListCommands, CoreSettings, CoreStatus, CoreShowChannels, Status, Reload, Command,
//! UserEvent.

use std::time::SystemTime;

use switchboard_ami_wire::Message;

use super::super::cli::{self, CliOutput};
use super::super::clock;
use super::super::asterisk_conf::{self, Area};
use super::super::event_format::{self, channel_block, class};
use super::super::asterisk::versions;
use super::super::seed::SipDriver;
use super::super::channel::{Channel, Tech};
use super::session::{After, Reply, Session, ack, error, header, item, list_complete, list_start, response, truthy, with_id};

const LIST_COMMANDS: &str = include_str!("../listcommands.txt");

/// `ListCommands`: one `Name: synopsis  (Priv: …)` header per action (those the simulator has).
pub fn list_commands(s: &Session, action: &Message) -> Reply {
    let chan_sip = s.pbx.with(|st| st.sip_driver) == SipDriver::ChanSip;
    let mut m = response(action, "Success");
    for line in LIST_COMMANDS.lines() {
        let Some((name, rest)) = line.split_once(": ") else { continue };
        if chan_sip && name.starts_with("PJSIP") {
            continue;
        }
        if ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            m.push(name, rest);
        }
        if chan_sip && name == "Setvar" {
            // Where chan_sip's action sorts in Asterisk 13's list.
            m.push("SIPpeers", "List SIP peers (text format).  (Priv: system,reporting,all)");
        }
    }
    Reply::one(m)
}

/// `CoreSettings`: Asterisk 22.10.1's answer (13.38.3's in chan_sip mode).
pub fn core_settings(s: &Session, action: &Message) -> Reply {
    let (version, ami_version) = versions(s.pbx.with(|st| st.sip_driver));
    Reply::one(
        response(action, "Success")
            .with("AMIversion", ami_version)
            .with("AsteriskVersion", version)
            .with("SystemName", "")
            .with("CoreMaxCalls", "0")
            .with("CoreMaxLoadAvg", "0.000000")
            .with("CoreRunUser", "")
            .with("CoreRunGroup", "")
            .with("CoreMaxFilehandles", "0")
            .with("CoreRealTimeEnabled", "No")
            .with("CoreCDRenabled", "Yes")
            .with("CoreHTTPenabled", "No")
            .with("SoundsSearchCustomDir", "No"),
    )
}

/// `CoreStatus`.
pub fn core_status(s: &Session, action: &Message) -> Reply {
    let (started, reloaded, current, processed) =
        s.pbx.with(|st| (st.started, st.last_reload, cli::active_calls(st), st.processed_calls));
    let (sd, stime) = clock::date_time(started);
    let (rd, rtime) = clock::date_time(reloaded);
    Reply::one(
        response(action, "Success")
            .with("CoreStartupDate", sd)
            .with("CoreStartupTime", stime)
            .with("CoreReloadDate", rd)
            .with("CoreReloadTime", rtime)
            .with("CoreCurrentCalls", current.to_string())
            .with("CoreProcessedCalls", processed.to_string()),
    )
}

/// `CoreShowChannels`: `CoreShowChannel` per channel.
pub fn core_show_channels(s: &Session, action: &Message) -> Reply {
    let mut out = vec![list_start(action, "Channels will follow")];
    s.pbx.with(|st| {
        for c in &st.channels {
            let mut m = item(action, "CoreShowChannel");
            channel_block(&mut m, "", c);
            m.push("Application", c.app.clone());
            m.push("ApplicationData", c.data.clone());
            m.push("Duration", clock::hms(c.created.elapsed()));
            m.push("BridgeId", c.bridge.clone().unwrap_or_default());
            out.push(m);
        }
    });
    let n = out.len() - 1;
    out.push(list_complete(action, "CoreShowChannelsComplete", n));
    Reply::many(out)
}

/// `Status`: every channel, or the one named by `Channel:`. After `Seconds`, a `Variable: NAME=value`
/// line per name in `Variables:` (read as the dialplan reads it, functions included), then with
/// `AllVariables:` true every variable the channel holds (see [`held_variables`]), both in the one
/// block Asterisk writes before the `ActionID`.
pub fn status(s: &Session, action: &Message) -> Reply {
    let wanted = header(action, "Channel");
    let variables: Vec<String> =
        header(action, "Variables").split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect();
    let all_variables = truthy(header(action, "AllVariables"));
    let items: Option<Vec<Message>> = s.pbx.with(|st| {
        let chans: Vec<&_> =
            if wanted.is_empty() { st.channels.iter().collect() } else { vec![st.chan_by_name(wanted)?] };
        Some(
            chans
                .into_iter()
                .map(|c| {
                    let mut m = Message::new().with("Event", "Status").with("Privilege", "Call");
                    channel_block(&mut m, "", c);
                    let pjsip = c.tech == Tech::Pjsip;
                    m.push("Type", if pjsip { "PJSIP" } else { "Local" });
                    m.push("DNID", "");
                    m.push("EffectiveConnectedLineNum", if c.conn_num.is_empty() { "<unknown>" } else { &c.conn_num });
                    m.push(
                        "EffectiveConnectedLineName",
                        if c.conn_name.is_empty() { "<unknown>" } else { &c.conn_name },
                    );
                    m.push("TimeToHangup", "0");
                    m.push("BridgeID", c.bridge.clone().unwrap_or_default());
                    m.push("Application", c.app.clone());
                    m.push("Data", c.data.clone());
                    let format = if pjsip { "ulaw" } else { "slin" };
                    m.push("Nativeformats", format!("({format})"));
                    m.push("Readformat", format);
                    m.push("Readtrans", "");
                    m.push("Writeformat", format);
                    m.push("Writetrans", "");
                    m.push("Callgroup", "0");
                    m.push("Pickupgroup", "0");
                    m.push("Seconds", c.created.elapsed().as_secs().to_string());
                    for v in &variables {
                        let value = super::super::dialplan::variable(st, &c.uniqueid, v).unwrap_or_default();
                        m.push("Variable", format!("{v}={value}"));
                    }
                    if all_variables {
                        for (name, value) in held_variables(c) {
                            m.push("Variable", format!("{name}={value}"));
                        }
                    }
                    with_id(m, action)
                })
                .collect(),
        )
    });
    let Some(items) = items else { return Reply::one(error(action, "No such channel")) };
    let n = items.len();
    let mut out = vec![list_start(action, "Channel status will follow")];
    out.extend(items);
    out.push(list_complete(action, "StatusComplete", n).with("Items", n.to_string()));
    Reply::many(out)
}

/// The variables a channel holds, as Asterisk walks its list: the most recently set first (a set
/// puts the variable at the head of the channel's list), names without the `_`/`__` inheritance
/// prefix (which only says how far it is inherited). What the simulator keeps beside them under a
/// function's name (`CDR(userfield)`) is not a channel variable: Asterisk writes those through the
/// function and the channel never holds them.
pub fn held_variables(c: &Channel) -> impl Iterator<Item = (&str, &str)> {
    c.vars.iter().rev().filter(|(name, _)| !name.ends_with(')')).map(|(name, value)| {
        let name = name.strip_prefix('_').unwrap_or(name);
        (name.strip_prefix('_').unwrap_or(name), value.as_str())
    })
}

/// The modules the simulated Asterisk 22 has loaded (no `chan_sip`: removed in 21).
const MODULES: &[&str] = &[
    "app_confbridge",
    "app_dial",
    "app_echo",
    "app_mixmonitor",
    "app_playback",
    "app_queue",
    "app_stack",
    "app_verbose",
    "app_voicemail",
    "bridge_native_rtp",
    "bridge_simple",
    "bridge_softmix",
    "cdr_csv",
    "cdr_manager",
    "chan_pjsip",
    "codec_alaw",
    "codec_ulaw",
    "format_gsm",
    "format_wav",
    "func_callerid",
    "func_cdr",
    "func_channel",
    "func_db",
    "func_global",
    "pbx_config",
    "res_agi",
    "res_musiconhold",
    "res_pjsip",
    "res_pjsip_authenticator_digest",
    "res_pjsip_endpoint_identifier_ip",
    "res_pjsip_notify",
    "res_pjsip_outbound_registration",
    "res_pjsip_pubsub",
    "res_pjsip_registrar",
    "res_pjsip_session",
    "res_rtp_asterisk",
    "res_sorcery_astdb",
    "res_sorcery_config",
    "res_sorcery_memory",
];

/// Is `name` (with or without `.so`) loaded?
/// Whether module `name` (with or without `.so`) is loaded: [`MODULES`], where chan_sip mode
/// swaps the PJSIP modules for `chan_sip`.
fn loaded(driver: SipDriver, name: &str) -> bool {
    let base = name.trim().strip_suffix(".so").unwrap_or(name.trim());
    match driver {
        SipDriver::Pjsip => MODULES.contains(&base),
        SipDriver::ChanSip => base == "chan_sip" || (MODULES.contains(&base) && !base.contains("pjsip")),
    }
}

/// `ModuleCheck`: `Version:` (empty since Asterisk moved to git) when loaded.
pub fn module_check(s: &Session, action: &Message) -> Reply {
    if !loaded(s.pbx.with(|st| st.sip_driver), header(action, "Module")) {
        return Reply::one(error(action, "Module not loaded"));
    }
    Reply::one(response(action, "Success").with("Version", ""))
}

/// `Reload` (with or without `Module:`): with a config directory, the modules' switchboard files
/// are re-read and the live state reconciled; then `Event: Reload` (`Module` as asked, or `All`;
/// `Status: 0`, success), as Asterisk's loader publishes it, and the ack.
pub async fn reload(s: &Session, action: &Message) -> Reply {
    let module = header(action, "Module");
    if !module.is_empty() && !loaded(s.pbx.with(|st| st.sip_driver), module) {
        return Reply::one(error(action, "No such module"));
    }
    if let Some(dir) = s.pbx.config_dir.clone() {
        let areas = Area::of_module(module);
        if !areas.is_empty() {
            let loaded = tokio::task::spawn_blocking(move || asterisk_conf::load(&dir, &areas)).await.unwrap_or_default();
            s.pbx.with(|st| asterisk_conf::apply(st, loaded));
        }
    }
    let name = if module.is_empty() { "All" } else { module };
    s.pbx.with(|st| {
        st.last_reload = SystemTime::now();
        st.reloads.push(name.to_string());
        st.emit(class::SYSTEM, event_format::event("Reload", class::SYSTEM).with("Module", name).with("Status", "0"));
    });
    Reply::one(ack(action, "Module Reloaded"))
}

/// `Command`: `Output:` lines (Asterisk ≥ 14).
pub fn command(s: &Session, action: &Message) -> Reply {
    let text = header(action, "Command");
    match cli::run(&s.pbx, text) {
        CliOutput::Lines(ok, lines) => {
            let mut m =
                response(action, if ok { "Success" } else { "Error" }).with("Message", "Command output follows");
            for l in lines {
                m.push("Output", l);
            }
            Reply::one(m)
        }
        CliOutput::Stop => Reply { messages: Vec::new(), after: After::Restart, subscribe: None },
    }
}

/// `UserEvent`: publishes `Event: UserEvent` with the action's other headers.
pub fn user_event(s: &Session, action: &Message) -> Reply {
    let name = header(action, "UserEvent");
    if name.is_empty() {
        return Reply::one(error(action, "UserEvent header missing"));
    }
    let mut m = event_format::event("UserEvent", class::USER).with("UserEvent", name);
    for (k, v) in action.fields() {
        if !["Action", "ActionID", "UserEvent"].iter().any(|x| x.eq_ignore_ascii_case(k)) {
            m.push(k.clone(), v.clone());
        }
    }
    s.pbx.with(|st| st.emit(class::USER, m));
    Reply::one(ack(action, "Event Sent"))
}

/// Actions the simulator answers (what `ListCommands` lists).
pub const ACTIONS: &[&str] = &[
    "BlindTransfer",
    "Challenge",
    "Command",
    "CoreSettings",
    "CoreShowChannels",
    "CoreStatus",
    "DBDel",
    "DBDelTree",
    "DBGet",
    "DBGetTree",
    "DBPut",
    "DeviceStateList",
    "Events",
    "ExtensionState",
    "ExtensionStateList",
    "Getvar",
    "Hangup",
    "ListCommands",
    "Login",
    "Logoff",
    "MailboxCount",
    "MailboxStatus",
    "ModuleCheck",
    "Originate",
    "ParkedCalls",
    "Ping",
    "PJSIPShowContacts",
    "PJSIPShowEndpoint",
    "PJSIPShowEndpoints",
    "PlayDTMF",
    "QueueAdd",
    "QueuePause",
    "QueueRemove",
    "QueueStatus",
    "QueueSummary",
    "Redirect",
    "Reload",
    "Setvar",
    "Status",
    "UserEvent",
];

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::SystemTime;

    use super::*;
    use crate::calls::NewChan;
    use crate::seed::PbxSeed;
    use crate::state::Pbx;

    fn session() -> Session {
        let addr: SocketAddr = "127.0.0.1:5038".parse().unwrap();
        Session {
            pbx: Pbx::new(PbxSeed::empty(), String::new(), String::new(), None),
            id: 1,
            authed: true,
            username: "test".into(),
            mask: u32::MAX,
            challenge: None,
            local: addr,
            remote: addr,
            connected: SystemTime::now(),
        }
    }

    /// A PJSIP channel in `from-internal` holding what Dial, Set and an originate leave behind.
    fn channel(s: &Session) -> String {
        let spec = NewChan {
            endpoint: "1001".into(),
            state: 6,
            context: "from-internal".into(),
            exten: "1002".into(),
            ..NewChan::default()
        };
        let ch = s.pbx.new_pjsip(spec);
        s.pbx.var_set(&ch.uniqueid, "__ORIGIN", "crm=42");
        s.pbx.var_set(&ch.uniqueid, "DIALSTATUS", "ANSWER");
        s.pbx.var_set(&ch.uniqueid, "DIALEDPEERNUMBER", "1002");
        s.pbx.with(|st| st.chan_mut(&ch.uniqueid).map(|c| c.set_var("CDR(userfield)", "tagged")));
        // Set again: the variable moves to the head of the channel's list.
        s.pbx.var_set(&ch.uniqueid, "DIALSTATUS", "BUSY");
        ch.name
    }

    fn status_of(s: &Session, headers: &[(&str, &str)]) -> Vec<Message> {
        let mut action = Message::new().with("Action", "Status").with("ActionID", "st-1");
        for (k, v) in headers {
            action.push(*k, *v);
        }
        status(s, &action).messages
    }

    /// The `Variable` lines and what follows the last one, in wire order.
    fn tail(m: &Message) -> Vec<(String, String)> {
        let fields = m.fields();
        let at = fields.iter().position(|(k, _)| k == "Seconds").expect("Seconds");
        fields[at + 1..].to_vec()
    }

    #[test]
    fn all_variables_lists_every_held_variable_newest_first_before_the_action_id() {
        let s = session();
        let name = channel(&s);
        let out = status_of(&s, &[("Channel", &name), ("AllVariables", "true")]);
        assert_eq!(out.len(), 3, "start, one Status, complete");
        let got = tail(&out[1]);
        let want: Vec<(String, String)> = [
            ("Variable", "DIALSTATUS=BUSY"),
            ("Variable", "DIALEDPEERNUMBER=1002"),
            ("Variable", "ORIGIN=crm=42"),
            ("ActionID", "st-1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn named_variables_come_first_and_all_variables_follows() {
        let s = session();
        let name = channel(&s);
        let out = status_of(&s, &[("Channel", &name), ("Variables", "DIALSTATUS, CDR(userfield)"), ("AllVariables", "on")]);
        let lines: Vec<String> = tail(&out[1]).into_iter().filter(|(k, _)| k == "Variable").map(|(_, v)| v).collect();
        assert_eq!(lines, ["DIALSTATUS=BUSY", "CDR(userfield)=tagged", "DIALSTATUS=BUSY", "DIALEDPEERNUMBER=1002", "ORIGIN=crm=42"]);
    }

    #[test]
    fn without_all_variables_only_the_named_ones_are_written() {
        let s = session();
        let name = channel(&s);
        for headers in [vec![("Channel", name.as_str())], vec![("Channel", name.as_str()), ("AllVariables", "false")]] {
            let out = status_of(&s, &headers);
            assert!(tail(&out[1]).iter().all(|(k, _)| k != "Variable"), "{headers:?}");
        }
        let out = status_of(&s, &[("Variables", "DIALEDPEERNUMBER")]);
        let lines: Vec<String> = tail(&out[1]).into_iter().filter(|(k, _)| k == "Variable").map(|(_, v)| v).collect();
        assert_eq!(lines, ["DIALEDPEERNUMBER=1002"]);
    }
}
