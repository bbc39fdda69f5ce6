//! How the simulator writes AMI events: event classes (the `Events:` mask, `Privilege:`), the
//! event constructor, the header blocks Asterisk repeats in many events (channel and bridge
//! snapshots), and the texts of channel states and hangup causes.

use switchboard_ami_wire::Message;

use super::channel::{Bridge, Channel};

/// Event class bits, as `include/asterisk/manager.h` numbers them.
pub mod class {
    pub const SYSTEM: u32 = 1 << 0;
    pub const CALL: u32 = 1 << 1;
    pub const LOG: u32 = 1 << 2;
    pub const VERBOSE: u32 = 1 << 3;
    pub const COMMAND: u32 = 1 << 4;
    pub const AGENT: u32 = 1 << 5;
    pub const USER: u32 = 1 << 6;
    pub const CONFIG: u32 = 1 << 7;
    pub const DTMF: u32 = 1 << 8;
    pub const REPORTING: u32 = 1 << 9;
    pub const CDR: u32 = 1 << 10;
    pub const DIALPLAN: u32 = 1 << 11;
    pub const ORIGINATE: u32 = 1 << 12;
    pub const AGI: u32 = 1 << 13;
    pub const CC: u32 = 1 << 14;
    pub const AOC: u32 = 1 << 15;
    pub const TEST: u32 = 1 << 16;
    pub const SECURITY: u32 = 1 << 17;
    pub const MESSAGE: u32 = 1 << 18;
    /// Every class.
    pub const ALL: u32 = (1 << 19) - 1;

    /// Class names in Asterisk's order.
    pub const NAMES: [(&str, u32); 19] = [
        ("system", SYSTEM),
        ("call", CALL),
        ("log", LOG),
        ("verbose", VERBOSE),
        ("command", COMMAND),
        ("agent", AGENT),
        ("user", USER),
        ("config", CONFIG),
        ("dtmf", DTMF),
        ("reporting", REPORTING),
        ("cdr", CDR),
        ("dialplan", DIALPLAN),
        ("originate", ORIGINATE),
        ("agi", AGI),
        ("cc", CC),
        ("aoc", AOC),
        ("test", TEST),
        ("security", SECURITY),
        ("message", MESSAGE),
    ];
}

/// The session mask an `Events:` value asks for (`on`, `off`, a number, or a class list).
pub fn parse_mask(value: &str) -> u32 {
    let v = value.trim();
    match v.to_ascii_lowercase().as_str() {
        "" | "on" | "yes" | "true" | "y" | "t" | "1" => return class::ALL,
        "off" | "no" | "false" | "n" | "f" | "0" => return 0,
        _ => {}
    }
    if let Ok(n) = v.parse::<u32>() {
        return n & class::ALL;
    }
    let mut mask = 0;
    for part in v.split(',') {
        let part = part.trim().to_ascii_lowercase();
        if part == "all" {
            mask |= class::ALL;
        }
        if let Some((_, bit)) = class::NAMES.iter().find(|(n, _)| *n == part) {
            mask |= bit;
        }
    }
    mask
}

/// The `Privilege:` value of an event of `class` (`call,all`).
pub fn privilege(class: u32) -> String {
    let mut names: Vec<&str> = class::NAMES.iter().filter(|(_, b)| class & b != 0).map(|(n, _)| *n).collect();
    names.push("all");
    names.join(",")
}

/// `Event: NAME` and `Privilege: …`.
pub fn event(name: &str, class: u32) -> Message {
    Message::new().with("Event", name).with("Privilege", privilege(class))
}

/// Asterisk's `ast_state2str`.
pub fn state_desc(state: u8) -> &'static str {
    match state {
        0 => "Down",
        1 => "Rsrvd",
        2 => "OffHook",
        3 => "Dialing",
        4 => "Ring",
        5 => "Ringing",
        6 => "Up",
        7 => "Busy",
        8 => "Dialing Offhook",
        9 => "Pre-ring",
        _ => "Unknown",
    }
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() { "<unknown>" } else { s }
}

/// The channel snapshot block (`Channel`, `ChannelState`, … `Linkedid`), keys prefixed.
pub fn channel_block(m: &mut Message, prefix: &str, ch: &Channel) {
    m.push(format!("{prefix}Channel"), ch.name.clone());
    m.push(format!("{prefix}ChannelState"), ch.state.to_string());
    m.push(format!("{prefix}ChannelStateDesc"), state_desc(ch.state));
    m.push(format!("{prefix}CallerIDNum"), or_unknown(&ch.cid_num));
    m.push(format!("{prefix}CallerIDName"), or_unknown(&ch.cid_name));
    m.push(format!("{prefix}ConnectedLineNum"), or_unknown(&ch.conn_num));
    m.push(format!("{prefix}ConnectedLineName"), or_unknown(&ch.conn_name));
    m.push(format!("{prefix}Language"), ch.language.clone());
    m.push(format!("{prefix}AccountCode"), ch.accountcode.clone());
    m.push(format!("{prefix}Context"), ch.context.clone());
    m.push(format!("{prefix}Exten"), ch.exten.clone());
    m.push(format!("{prefix}Priority"), ch.priority.to_string());
    m.push(format!("{prefix}Uniqueid"), ch.uniqueid.clone());
    m.push(format!("{prefix}Linkedid"), ch.linkedid.clone());
}

/// An event carrying one channel block.
pub fn channel_event(name: &str, class: u32, ch: &Channel) -> Message {
    let mut m = event(name, class);
    channel_block(&mut m, "", ch);
    m
}

/// The bridge snapshot block.
pub fn bridge_block(m: &mut Message, prefix: &str, b: &Bridge) {
    m.push(format!("{prefix}BridgeUniqueid"), b.id.clone());
    m.push(format!("{prefix}BridgeType"), b.kind.clone());
    m.push(format!("{prefix}BridgeTechnology"), b.technology.clone());
    m.push(format!("{prefix}BridgeCreator"), b.creator.clone());
    m.push(format!("{prefix}BridgeName"), b.name.clone());
    m.push(format!("{prefix}BridgeNumChannels"), b.channels.len().to_string());
    m.push(format!("{prefix}BridgeVideoSourceMode"), "none");
}

/// Text of a hangup cause (`ast_cause2str`).
pub fn cause_text(cause: u16) -> &'static str {
    match cause {
        1 => "Unallocated (unassigned) number",
        3 => "No route to destination",
        16 => "Normal Clearing",
        17 => "User busy",
        18 => "No user responding",
        19 => "User alerting, no answer",
        20 => "Subscriber absent",
        21 => "Call Rejected",
        26 => "Answered elsewhere",
        27 => "Destination out of order",
        34 => "Circuit/channel congestion",
        _ => "Unknown",
    }
}
