//! What the shared `pbx` database admits in its configuration columns, so a plugin can check a
//! value before it writes and tell its client which field is wrong.
//!
//! Apply-changes writes these columns into Asterisk's config files, where a line break ends a
//! line, a `[` at the start of one opens a section, a `;` starts a comment and the dialplan
//! evaluates `${…}` and `$[…]`. So the schema holds every configuration column to a shape (its
//! host triggers refuse anything else with `<table>.<column>: <why>`, whoever writes), and
//! [`RULES`] is that list, column by column, with the same checks in the same order and the same
//! words: [`check`] refuses exactly what the database would refuse for that value.
//!
//! What a single value cannot show is left to the database: that a trunk's name is not also a
//! PJSIP object's, that a registering trunk has a host and a user. Its refusals come back as a
//! `constraint-violation` whose text [`Refusal::parse`] reads.
//!
//! ```
//! use switchboard_sdk::schema;
//!
//! assert!(schema::check("extensions", "context", "from-internal").is_ok());
//! let refusal = schema::check("extensions", "callerid", "Eve <666>\r\n[evil]").unwrap_err();
//! assert_eq!(refusal.to_string(), "extensions.callerid: holds a line break or another control character");
//! assert_eq!(schema::Refusal::parse(&refusal.to_string()), Some(refusal));
//! ```

use std::fmt;

/// The form a column's values must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Text shown to people (a name, a description): no line break or other control character,
    /// no `${` or `$[`, at most this many characters.
    Label(usize),
    /// A value written alone after `key=` in a config file: a [`Shape::Label`] that does not start
    /// or end with a space (Asterisk would drop it). `;` is allowed: the renderer escapes it.
    Value(usize),
    /// One field of a comma-separated config line (a voicemail box, a queue member): a
    /// [`Shape::Value`] without `,` or `|`.
    Field(usize),
    /// Text inside a dialplan application's arguments (a caller-name prefix): none of
    /// `; , ( ) $ \ & | [ ] { } " `` ` `` and no control character.
    DialplanText(usize),
    /// A caller ID the dialplan sets (`"Acme" <5551234>`): [`Shape::DialplanText`] with `"`.
    CallerId(usize),
    /// A dialplan application's whole argument list (`PJSIP/1001&PJSIP/1002,20`,
    /// `1001@default,u`): no control character and none of `; $ \ ( ) [ ] { } " `` ` ``, which
    /// would end the line, close the application or be evaluated; `,` (between arguments) and
    /// `& / @ |` are allowed.
    Arguments(usize),
    /// A context, class or queue name: 1 to 80 letters, digits, `-` and `_`, starting with a
    /// letter or digit.
    Identifier,
    /// A trunk name: 1 to 80 letters, digits, `_`, `.` and `-`, starting with a letter or digit.
    Name,
    /// An extension, ring group or mailbox number: 1 to 20 digits.
    Number,
    /// A number to ring: 1 to 20 digits, an optional leading `+`, an optional trailing `#` (an
    /// external number).
    Member,
    /// A PJSIP object name: 1 to 80 letters, digits and `_ . + * # -`.
    ObjectName,
    /// PJSIP object names separated by commas.
    ObjectNames,
    /// A dialplan destination `context,exten,priority` (or `exten,priority`, or `priority`), each
    /// part letters, digits and `_ . + * # -`.
    Destination,
    /// A dialplan pattern or number (`_0ZXXXXXXXX`, `_1[2-9]XX.`, `5551234`): 1 to 80 letters,
    /// digits and `_ . + * # - [ ] !`.
    Pattern,
    /// Digits added or stripped: at most 20 of `0-9 * # +`.
    Digits,
    /// Keys pressed in an IVR: 1 to 10 of `0-9 * #`.
    Keys,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A whole number in this range.
    Int(i64, i64),
    /// Codec names separated by commas (`ulaw,alaw`).
    Codecs,
    /// A host name or address (`sip.example.com`, `192.0.2.1`, `[2001:db8::1]`).
    Host,
    /// A sound file (`custom/welcome`).
    Sound,
    /// A device (`PJSIP/1001`, `Local/1001@from-queue/n`).
    Device,
    /// A SIP user name: at most 80 letters, digits and `_ . + * # -`.
    SipUser,
    /// Call or pickup groups: numbers and ranges separated by commas (`1,3-5`).
    Groups,
    /// Lowercase words separated by commas (`paused,unavailable`).
    Words,
}

/// One column's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The table.
    pub table: &'static str,
    /// The column.
    pub column: &'static str,
    /// What its values must look like.
    pub shape: Shape,
    /// Whether the empty string is allowed besides the shape (it means "not set").
    pub empty: bool,
    /// Names refused besides (case-insensitive): the settings sections of the file the value
    /// would become a section of.
    pub reserved: &'static [&'static str],
}

const fn rule(table: &'static str, column: &'static str, shape: Shape) -> Rule {
    Rule { table, column, shape, empty: false, reserved: &[] }
}

const fn or_empty(table: &'static str, column: &'static str, shape: Shape) -> Rule {
    Rule { table, column, shape, empty: true, reserved: &[] }
}

const YES_NO: Shape = Shape::OneOf(&["yes", "no"]);
const FLAG: Shape = Shape::Int(0, 1);
const RECORDING: Shape = Shape::OneOf(&["always", "dontcare", "never"]);
const ID: Shape = Shape::Int(0, 2_147_483_647);
const SECONDS: Shape = Shape::Int(0, 86_400);
const COUNT: Shape = Shape::Int(0, 1_000_000);
const EXPIRY: Shape = Shape::Int(0, 31_536_000);
const FOLLOW_ME_STRATEGY: Shape = Shape::OneOf(&[
    "ringallv2", "ringallv2-prim", "ringall", "ringall-prim", "hunt", "hunt-prim", "memoryhunt", "memoryhunt-prim", "firstavailable",
    "firstnotonphone",
]);
const GROUP_STRATEGY: Shape =
    Shape::OneOf(&["ringall", "ringall-prim", "hunt", "hunt-prim", "memoryhunt", "memoryhunt-prim", "firstavailable", "firstnotonphone"]);

/// The dialplan applications a custom app's step may run: those that answer, play, dial, wait or
/// go somewhere, none that runs a program or writes files.
const CUSTOM_APPLICATIONS: Shape = Shape::OneOf(&[
    "Answer", "Background", "Busy", "ConfBridge", "Congestion", "Dial", "Echo", "Goto", "Hangup", "MusicOnHold", "NoOp", "Playback",
    "Progress", "Queue", "Ringing", "SayDigits", "SayNumber", "VoiceMail", "VoiceMailMain", "Wait", "WaitExten",
]);

/// Every configuration column of the `pbx` schema and its shape, table by table in the schema's
/// order. Columns not listed (row ids, positions, tenants' ids, timestamps, call records) are
/// not configuration and have no rule beyond their type.
pub const RULES: &[Rule] = &[
    rule("tenants", "name", Shape::Label(80)),
    rule("tenants", "description", Shape::Label(255)),
    rule("tenants", "open_state", Shape::OneOf(&["auto", "open", "closed"])),
    rule("extensions", "number", Shape::Number),
    rule("extensions", "name", Shape::Label(100)),
    rule("extensions", "secret", Shape::Value(128)),
    rule("extensions", "technology", Shape::OneOf(&["pjsip", "sip", "iax2", "dahdi", "virtual", "custom"])),
    rule("extensions", "context", Shape::Identifier),
    rule("extensions", "callerid", Shape::Value(200)),
    rule("extensions", "outbound_cid", Shape::CallerId(80)),
    rule("extensions", "voicemail", Shape::Identifier),
    rule("extensions", "ring_time", Shape::Int(0, 300)),
    rule("extensions", "recording_in_external", RECORDING),
    rule("extensions", "recording_out_external", RECORDING),
    rule("extensions", "recording_in_internal", RECORDING),
    rule("extensions", "recording_out_internal", RECORDING),
    rule("extensions", "recording_ondemand", Shape::OneOf(&["enabled", "disabled"])),
    rule("device_options", "number", Shape::Number),
    rule("device_options", "key", Shape::Identifier),
    rule("device_options", "value", Shape::Label(255)),
    rule("ps_endpoints", "id", Shape::ObjectName),
    or_empty("ps_endpoints", "transport", Shape::Identifier),
    rule("ps_endpoints", "aors", Shape::ObjectNames),
    rule("ps_endpoints", "auth", Shape::ObjectNames),
    rule("ps_endpoints", "outbound_auth", Shape::ObjectNames),
    rule("ps_endpoints", "context", Shape::Identifier),
    or_empty("ps_endpoints", "disallow", Shape::Codecs),
    or_empty("ps_endpoints", "allow", Shape::Codecs),
    or_empty("ps_endpoints", "direct_media", YES_NO),
    or_empty("ps_endpoints", "dtmf_mode", Shape::OneOf(&["rfc4733", "inband", "info", "auto", "auto_info"])),
    rule("ps_endpoints", "callerid", Shape::Value(200)),
    rule("ps_endpoints", "mailboxes", Shape::Value(255)),
    rule("ps_endpoints", "from_user", Shape::SipUser),
    or_empty("ps_endpoints", "from_domain", Shape::Host),
    or_empty("ps_endpoints", "rtp_symmetric", YES_NO),
    or_empty("ps_endpoints", "force_rport", YES_NO),
    or_empty("ps_endpoints", "rewrite_contact", YES_NO),
    or_empty("ps_endpoints", "ice_support", YES_NO),
    or_empty("ps_endpoints", "media_encryption", Shape::OneOf(&["no", "sdes", "dtls"])),
    or_empty("ps_endpoints", "trust_id_inbound", YES_NO),
    or_empty("ps_endpoints", "send_rpid", YES_NO),
    rule("ps_endpoints", "call_group", Shape::Groups),
    rule("ps_endpoints", "pickup_group", Shape::Groups),
    rule("ps_endpoints", "device_state_busy_at", Shape::Int(0, 1000)),
    or_empty("ps_endpoints", "language", Shape::Identifier),
    rule("ps_auths", "id", Shape::ObjectName),
    rule("ps_auths", "auth_type", Shape::OneOf(&["userpass", "md5"])),
    rule("ps_auths", "username", Shape::Value(128)),
    rule("ps_auths", "password", Shape::Value(128)),
    rule("ps_auths", "md5_cred", Shape::Value(128)),
    rule("ps_auths", "realm", Shape::Value(128)),
    rule("ps_aors", "id", Shape::ObjectName),
    rule("ps_aors", "max_contacts", Shape::Int(0, 1000)),
    or_empty("ps_aors", "remove_existing", YES_NO),
    rule("ps_aors", "qualify_frequency", SECONDS),
    rule("ps_aors", "default_expiration", EXPIRY),
    rule("ps_aors", "contact", Shape::Value(255)),
    rule("ps_aors", "mailboxes", Shape::Value(255)),
    rule("ps_registrations", "id", Shape::ObjectName),
    rule("ps_registrations", "server_uri", Shape::Value(255)),
    rule("ps_registrations", "client_uri", Shape::Value(255)),
    rule("ps_registrations", "contact_user", Shape::SipUser),
    rule("ps_registrations", "outbound_auth", Shape::ObjectNames),
    or_empty("ps_registrations", "transport", Shape::Identifier),
    rule("ps_registrations", "retry_interval", SECONDS),
    rule("ps_registrations", "expiration", EXPIRY),
    or_empty("ps_registrations", "line", YES_NO),
    or_empty("ps_registrations", "endpoint", Shape::ObjectName),
    rule("ring_groups", "number", Shape::Number),
    rule("ring_groups", "name", Shape::Label(100)),
    rule("ring_groups", "strategy", GROUP_STRATEGY),
    rule("ring_groups", "ring_time", Shape::Int(1, 300)),
    rule("ring_groups", "announcement_id", ID),
    rule("ring_groups", "remote_announce_id", ID),
    rule("ring_groups", "too_late_announce_id", ID),
    rule("ring_groups", "alert_info", Shape::Label(255)),
    rule("ring_groups", "cid_name_prefix", Shape::DialplanText(80)),
    rule("ring_groups", "change_callerid", Shape::OneOf(&["default", "fixed", "extern", "did", "forcedid"])),
    rule("ring_groups", "fixed_callerid", Shape::CallerId(80)),
    rule("ring_groups", "confirm_calls", FLAG),
    rule("ring_groups", "enable_call_pickup", FLAG),
    rule("ring_groups", "ignore_call_forward", FLAG),
    rule("ring_groups", "skip_busy_agent", FLAG),
    rule("ring_groups", "music_on_hold_ringing", Shape::Identifier),
    rule("ring_groups", "recording", RECORDING),
    rule("ring_groups", "destination_if_no_answer", Shape::Destination),
    rule("ring_group_members", "group_number", Shape::Number),
    rule("ring_group_members", "destination", Shape::Member),
    rule("follow_me", "extension", Shape::Number),
    rule("follow_me", "strategy", FOLLOW_ME_STRATEGY),
    rule("follow_me", "ring_time", Shape::Int(1, 60)),
    rule("follow_me", "prefix", Shape::DialplanText(80)),
    rule("follow_me", "announcement_id", ID),
    rule("follow_me", "remote_alert_id", ID),
    rule("follow_me", "too_late_id", ID),
    rule("follow_me", "post_destination", Shape::Destination),
    rule("follow_me", "alert_info", Shape::Label(255)),
    rule("follow_me", "confirm_calls", Shape::Label(20)),
    rule("follow_me", "pre_ring", Shape::Int(0, 60)),
    rule("follow_me", "music_on_hold_ringing", Shape::Identifier),
    rule("follow_me", "enabled", FLAG),
    rule("follow_me_numbers", "extension", Shape::Number),
    rule("follow_me_numbers", "number", Shape::Member),
    rule("trunks", "name", Shape::Name),
    rule("trunks", "technology", Shape::OneOf(&["pjsip", "sip", "iax2", "dahdi", "custom"])),
    or_empty("trunks", "host", Shape::Host),
    rule("trunks", "port", Shape::Int(1, 65_535)),
    rule("trunks", "username", Shape::SipUser),
    rule("trunks", "secret", Shape::Value(128)),
    rule("trunks", "register", FLAG),
    rule("trunks", "context", Shape::Identifier),
    rule("trunks", "outbound_cid", Shape::CallerId(80)),
    rule("trunks", "max_channels", COUNT),
    rule("trunks", "dial_prefix", Shape::Digits),
    rule("trunks", "codecs", Shape::Codecs),
    rule("trunks", "enabled", FLAG),
    Rule { table: "queues", column: "name", shape: Shape::Identifier, empty: false, reserved: &["general"] },
    rule("queues", "description", Shape::Label(255)),
    rule("queues", "strategy", Shape::OneOf(&["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom", "rrordered"])),
    rule("queues", "timeout", SECONDS),
    rule("queues", "retry", SECONDS),
    rule("queues", "wrapuptime", SECONDS),
    rule("queues", "maxlen", COUNT),
    rule("queues", "servicelevel", SECONDS),
    rule("queues", "weight", COUNT),
    or_empty("queues", "musiconhold", Shape::Identifier),
    or_empty("queues", "announce", Shape::Sound),
    rule("queues", "joinempty", Shape::Words),
    rule("queues", "leavewhenempty", Shape::Words),
    rule("queues", "ringinuse", YES_NO),
    rule("queue_members", "queue_name", Shape::Identifier),
    rule("queue_members", "interface", Shape::Device),
    rule("queue_members", "membername", Shape::Field(80)),
    or_empty("queue_members", "state_interface", Shape::Device),
    rule("queue_members", "penalty", COUNT),
    rule("queue_members", "paused", FLAG),
    rule("inbound_routes", "description", Shape::Label(255)),
    or_empty("inbound_routes", "did", Shape::Pattern),
    or_empty("inbound_routes", "cid", Shape::Pattern),
    rule("inbound_routes", "destination", Shape::Destination),
    rule("inbound_routes", "destination_closed", Shape::Destination),
    rule("inbound_routes", "enabled", FLAG),
    rule("outbound_routes", "name", Shape::Label(100)),
    rule("outbound_routes", "outbound_cid", Shape::CallerId(80)),
    rule("outbound_routes", "emergency", FLAG),
    rule("outbound_route_patterns", "match", Shape::Pattern),
    rule("outbound_route_patterns", "prefix", Shape::Digits),
    rule("outbound_route_patterns", "prepend", Shape::Digits),
    rule("outbound_route_trunks", "trunk_name", Shape::Name),
    rule("ivrs", "name", Shape::Label(100)),
    or_empty("ivrs", "announcement", Shape::Sound),
    rule("ivrs", "timeout", Shape::Int(0, 3600)),
    rule("ivrs", "direct_dial", FLAG),
    rule("ivrs", "invalid_destination", Shape::Destination),
    rule("ivrs", "timeout_destination", Shape::Destination),
    rule("ivr_entries", "digits", Shape::Keys),
    rule("ivr_entries", "destination", Shape::Destination),
    rule("day_timers", "name", Shape::Label(100)),
    rule("day_timers", "weekdays", Shape::Label(40)),
    rule("day_timers", "begin_time", Shape::Label(8)),
    rule("day_timers", "end_time", Shape::Label(8)),
    rule("day_timers", "state", Shape::OneOf(&["auto", "open", "closed"])),
    rule("day_timers", "destination_open", Shape::Destination),
    rule("day_timers", "destination_closed", Shape::Destination),
    rule("day_timers", "month_days", Shape::Label(40)),
    rule("day_timers", "months", Shape::Label(40)),
    rule("day_timers", "description", Shape::Label(255)),
    rule("holiday_timers", "name", Shape::Label(100)),
    rule("holiday_timers", "starts", Shape::Label(19)),
    rule("holiday_timers", "ends", Shape::Label(19)),
    rule("holiday_timers", "destination", Shape::Destination),
    Rule { table: "voicemail", column: "context", shape: Shape::Identifier, empty: false, reserved: &["general", "zonemessages"] },
    rule("voicemail", "mailbox", Shape::Number),
    rule("voicemail", "password", Shape::Field(80)),
    rule("voicemail", "fullname", Shape::Field(100)),
    rule("voicemail", "email", Shape::Field(255)),
    rule("voicemail", "pager", Shape::Field(255)),
    rule("voicemail", "attach", YES_NO),
    rule("voicemail", "delete_after_email", YES_NO),
    rule("astdb", "family", Shape::Label(80)),
    rule("astdb", "key", Shape::Label(80)),
    rule("astdb", "value", Shape::Label(255)),
    rule("custom_apps", "name", Shape::Identifier),
    rule("custom_apps", "description", Shape::Label(255)),
    rule("custom_apps", "span", Shape::OneOf(&["internal", "external", "both", "neither"])),
    rule("custom_app_steps", "app_name", Shape::Identifier),
    rule("custom_app_steps", "application", CUSTOM_APPLICATIONS),
    rule("custom_app_steps", "arguments", Shape::Arguments(255)),
    rule("cos_rules", "name", Shape::Identifier),
    rule("cos_rules", "description", Shape::Label(255)),
    rule("cos_rule_patterns", "rule_name", Shape::Identifier),
    rule("cos_rule_patterns", "pattern", Shape::Pattern),
    rule("cos_assignments", "extension", Shape::Number),
    rule("cos_assignments", "rule_name", Shape::Identifier),
    rule("cos_assignments", "hours", Shape::OneOf(&["open", "closed"])),
];

impl Rule {
    /// What the column admits, in a few words (the "admits" column of `pbx-schema.md`).
    pub fn describe(&self) -> String {
        let mut text = match self.shape {
            Shape::Label(n) => format!("text, at most {n} characters, no control characters, no `${{`/`$[`"),
            Shape::Value(n) => format!("one line, at most {n} characters, no control characters, no `${{`/`$[`, no space at either end"),
            Shape::Field(n) => format!("one line, at most {n} characters, no control characters, no `${{`/`$[`, `,` or `|`, no space at either end"),
            Shape::DialplanText(n) => format!("at most {n} characters, none of `` ; , ( ) $ \\ & | [ ] {{ }} \" ` `` and no control characters"),
            Shape::CallerId(n) => format!("at most {n} characters, none of `` ; , ( ) $ \\ & | [ ] {{ }} ` `` and no control characters"),
            Shape::Arguments(n) => format!("at most {n} characters, none of `` ; $ \\ ( ) [ ] {{ }} \" ` `` and no control characters"),
            Shape::Identifier => "1–80 letters, digits, `-`, `_`, starting with a letter or digit".into(),
            Shape::Name => "1–80 letters, digits, `_`, `.`, `-`, starting with a letter or digit".into(),
            Shape::Number => "1–20 digits".into(),
            Shape::Member => "1–20 digits, an optional leading `+`, an optional trailing `#`".into(),
            Shape::ObjectName => "1–80 letters, digits, `_ . + * # -`".into(),
            Shape::ObjectNames => "object names (letters, digits, `_ . + * # -`) separated by `,`".into(),
            Shape::Destination => "empty, or `context,exten,priority` (up to 3 parts of letters, digits, `_ . + * # -`)".into(),
            Shape::Pattern => "1–80 letters, digits, `_ . + * # - [ ] !`".into(),
            Shape::Digits => "at most 20 of `0-9 * # +`".into(),
            Shape::Keys => "1–10 of `0-9 * #`".into(),
            Shape::OneOf(words) => format!("one of {}", words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")),
            Shape::Int(min, max) => format!("a whole number {min}–{max}"),
            Shape::Codecs => "codec names (letters, digits, `_`, `-`) separated by `,`".into(),
            Shape::Host => "a host name or address (letters, digits, `. _ - : [ ]`)".into(),
            Shape::Sound => "a sound file name (letters, digits, `_ . / -`)".into(),
            Shape::Device => "a device such as `PJSIP/1001` (letters, digits, `_ . / @ + * # : -`)".into(),
            Shape::SipUser => "at most 80 letters, digits, `_ . + * # -`".into(),
            Shape::Groups => "groups and ranges such as `1,3-5`".into(),
            Shape::Words => "lowercase words separated by `,`".into(),
        };
        if self.empty {
            text.push_str(", or empty");
        }
        for reserved in self.reserved {
            text.push_str(&format!(", not `{reserved}`"));
        }
        text
    }
}

/// The rule of `table.column`, if it has one.
pub fn rule_of(table: &str, column: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.table == table && r.column == column)
}

/// Why the database would refuse a value: `<table>.<column>: <why>`, as its triggers say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// What is wrong with the value (`holds a line break or another control character`).
    pub why: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}: {}", self.table, self.column, self.why)
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// Reads a refusal of the schema's rules from a database error's text (a
    /// `constraint-violation`), with or without a `statement N: ` in front; `None` for other
    /// constraint failures (a duplicate key, a missing parent row).
    pub fn parse(message: &str) -> Option<Refusal> {
        let message = match message.strip_prefix("statement ").and_then(|m| m.split_once(": ")) {
            Some((n, rest)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => message,
        };
        let (place, why) = message.split_once(": ")?;
        let (table, column) = place.split_once('.')?;
        let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        (plain(table) && plain(column) && !why.is_empty())
            .then(|| Refusal { table: table.to_string(), column: column.to_string(), why: why.to_string() })
    }
}

/// Checks a text value for `table.column` as the database's triggers would; a column without a
/// rule accepts anything. An [`Shape::Int`] column refuses every text value (it holds numbers:
/// use [`check_int`]).
pub fn check(table: &str, column: &str, value: &str) -> Result<(), Refusal> {
    let Some(rule) = rule_of(table, column) else { return Ok(()) };
    refusal(rule, value).map_or(Ok(()), |why| Err(Refusal { table: rule.table.into(), column: rule.column.into(), why }))
}

/// Checks a whole number for `table.column` as the database's triggers would (a number given to
/// a text column is checked as its text, as SQLite stores it).
pub fn check_int(table: &str, column: &str, value: i64) -> Result<(), Refusal> {
    match rule_of(table, column) {
        Some(rule @ Rule { shape: Shape::Int(min, max), .. }) => match (*min..=*max).contains(&value) {
            true => Ok(()),
            false => Err(Refusal { table: rule.table.into(), column: rule.column.into(), why: int_message(*min, *max) }),
        },
        _ => check(table, column, &value.to_string()),
    }
}

fn int_message(min: i64, max: i64) -> String {
    format!("must be a whole number from {min} to {max}")
}

// The messages shared by several shapes. The host's migration words its triggers the same way,
// and a test of the host holds the two to the same verdicts and messages on random values.
const CONTROL: &str = "holds a line break or another control character";
const EVALUATED: &str = "holds `${` or `$[`, which the dialplan would evaluate";
const BLANK_ENDS: &str = "starts or ends with a space, which Asterisk would drop";
const SEPARATOR: &str = "holds `,` or `|`, which separate the fields of its line";
const DIALPLAN: &str = "holds a character the dialplan would interpret (; , ( ) $ \\ & | [ ] { } \" `)";
const ARGUMENTS: &str = "holds a character the dialplan would interpret (; $ \\ ( ) [ ] { } \" `)";
const DIALPLAN_CALLERID: &str = "holds a character the dialplan would interpret (; , ( ) $ \\ & | [ ] { } `)";
const RESERVED: &str = "is the name of its file's settings section";

fn is_control(c: char) -> bool {
    let c = c as u32;
    c <= 0x1f || (0x7f..=0x9f).contains(&c)
}

fn only(value: &str, allowed: &str) -> bool {
    value.chars().all(|c| c.is_ascii_alphanumeric() || allowed.contains(c))
}

/// Comma-separated, no empty item.
fn listed(value: &str) -> bool {
    !value.starts_with(',') && !value.ends_with(',') && !value.contains(",,")
}

/// The message of the first check `value` fails, or `None`; mirrors the triggers exactly.
fn refusal(rule: &Rule, value: &str) -> Option<String> {
    let len = value.chars().count();
    if rule.empty && value.is_empty() {
        return None;
    }
    let fail = |bad: bool, why: &str| bad.then(|| why.to_string());
    match rule.shape {
        Shape::Int(min, max) => return Some(int_message(min, max)),
        Shape::OneOf(words) => return fail(!words.contains(&value), &format!("must be one of {}", words.join(", "))),
        _ => {}
    }
    if value.chars().any(is_control) {
        return Some(CONTROL.into());
    }
    let evaluated = value.contains("${") || value.contains("$[");
    let too_long = |max: usize| fail(len > max, &format!("is longer than {max} characters"));
    let blank_ends = value.starts_with(' ') || value.ends_with(' ');
    match rule.shape {
        Shape::Label(max) => fail(evaluated, EVALUATED).or_else(|| too_long(max)),
        Shape::Value(max) => fail(evaluated, EVALUATED).or_else(|| fail(blank_ends, BLANK_ENDS)).or_else(|| too_long(max)),
        Shape::Field(max) => fail(evaluated, EVALUATED)
            .or_else(|| fail(blank_ends, BLANK_ENDS))
            .or_else(|| fail(value.contains([',', '|']), SEPARATOR))
            .or_else(|| too_long(max)),
        Shape::DialplanText(max) => fail(value.chars().any(|c| ";,()$\\&|[]{}\"`".contains(c)), DIALPLAN).or_else(|| too_long(max)),
        Shape::CallerId(max) => fail(value.chars().any(|c| ";,()$\\&|[]{}`".contains(c)), DIALPLAN_CALLERID).or_else(|| too_long(max)),
        Shape::Arguments(max) => fail(value.chars().any(|c| ";$\\()[]{}\"`".contains(c)), ARGUMENTS).or_else(|| too_long(max)),
        Shape::Identifier => fail(
            value.is_empty() || !only(value, "-_") || value.starts_with(['-', '_']) || len > 80,
            "must be 1 to 80 letters, digits, - and _, starting with a letter or digit",
        )
        .or_else(|| fail(rule.reserved.iter().any(|r| r.eq_ignore_ascii_case(value)), RESERVED)),
        Shape::Name => fail(
            value.is_empty() || !only(value, "_.-") || value.starts_with(['_', '.', '-']) || len > 80,
            "must be 1 to 80 letters, digits, _ . and -, starting with a letter or digit",
        ),
        Shape::Number => fail(value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) || len > 20, "must be 1 to 20 digits"),
        Shape::Member => {
            let digits = value.chars().filter(char::is_ascii_digit).count();
            let body = value.strip_prefix('+').unwrap_or(value);
            let body = body.strip_suffix('#').unwrap_or(body);
            fail(
                !body.bytes().all(|b| b.is_ascii_digit()) || !(1..=20).contains(&digits),
                "must be 1 to 20 digits, with an optional leading + and an optional trailing # (an external number)",
            )
        }
        Shape::ObjectName => fail(value.is_empty() || !only(value, "_.+*#-") || len > 80, "must be 1 to 80 letters, digits and _ . + * # -"),
        Shape::ObjectNames => fail(
            !only(value, "_.+*#-,") || !listed(value) || len > 255,
            "must be names (letters, digits and _ . + * # -) separated by commas",
        ),
        Shape::Destination => fail(
            !only(value, "_.+*#-,") || !listed(value) || value.matches(',').count() > 2 || len > 255,
            "must be `context,exten,priority` (letters, digits and _ . + * # - in each part)",
        ),
        Shape::Pattern => fail(value.is_empty() || !only(value, "_.+*#-[]!") || len > 80, "must be 1 to 80 letters, digits and _ . + * # - [ ] !"),
        Shape::Digits => fail(!value.chars().all(|c| c.is_ascii_digit() || "*#+".contains(c)) || len > 20, "must be at most 20 of 0-9 * # +"),
        Shape::Keys => fail(
            value.is_empty() || !value.chars().all(|c| c.is_ascii_digit() || "*#".contains(c)) || len > 10,
            "must be 1 to 10 of the keys 0-9 * #",
        ),
        Shape::Codecs => fail(
            value.is_empty() || !only(value, "_-,") || !listed(value) || len > 200,
            "must be codec names (letters, digits, _ and -) separated by commas",
        ),
        Shape::Host => fail(value.is_empty() || !only(value, "._-:[]") || len > 255, "must be a host name or address (letters, digits and . _ - : [ ])"),
        Shape::Sound => fail(value.is_empty() || !only(value, "_./-") || len > 255, "must be a sound file name (letters, digits and _ . / -)"),
        Shape::Device => fail(
            value.is_empty() || !only(value, "_./@+*#:-") || len > 128,
            "must be a device such as PJSIP/1001 (letters, digits and _ . / @ + * # : -)",
        ),
        Shape::SipUser => fail(!only(value, "_.+*#-") || len > 80, "must be at most 80 letters, digits and _ . + * # -"),
        Shape::Groups => fail(
            !value.chars().all(|c| c.is_ascii_digit() || ",-".contains(c)) || len > 80,
            "must be group numbers and ranges separated by commas (1,3-5)",
        ),
        Shape::Words => fail(
            value.is_empty() || !value.chars().all(|c| c.is_ascii_lowercase() || c == ',') || len > 80,
            "must be lowercase words separated by commas",
        ),
        Shape::Int(..) | Shape::OneOf(..) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_are_refused_with_the_column_named() {
        for (table, column, value) in [
            ("extensions", "callerid", "Eve\r\n[evil]"),
            ("extensions", "number", "-5"),
            ("extensions", "number", "1001;x"),
            ("extensions", "number", &"9".repeat(21)),
            ("extensions", "context", "from-internal${SHELL(id)}"),
            ("extensions", "context", "[section]"),
            ("extensions", "name", "a\0b"),
            ("ring_groups", "cid_name_prefix", "${SHELL(id)}"),
            ("ring_groups", "cid_name_prefix", "x;y"),
            ("queues", "name", "General"),
            ("voicemail", "fullname", "Smith, John"),
            ("ring_group_members", "destination", "12#3"),
            ("custom_app_steps", "arguments", "${SHELL(id)}"),
            ("custom_app_steps", "arguments", "x)\nexten => 1,1,System(id"),
            ("custom_app_steps", "application", "System"),
            ("cos_assignments", "hours", "always"),
            ("tenants", "open_state", "OPEN"),
        ] {
            let refusal = check(table, column, value).unwrap_err();
            assert_eq!((refusal.table.as_str(), refusal.column.as_str()), (table, column), "{value:?}");
        }
    }

    #[test]
    fn ordinary_values_pass() {
        for (table, column, value) in [
            ("extensions", "number", "1001"),
            ("extensions", "name", "Zoë \"Z\" O'Brien; Sales"),
            ("extensions", "callerid", "\"Ada\" <1001>"),
            ("extensions", "secret", "s3;cr[et]"),
            ("ring_groups", "cid_name_prefix", "Sales: "),
            ("ring_groups", "destination_if_no_answer", "app-blackhole,hangup,1"),
            ("ring_group_members", "destination", "+31612345678#"),
            ("outbound_route_patterns", "match", "_1[2-9]XX."),
            ("ps_endpoints", "transport", ""),
            ("trunks", "name", "trunk.provider-1"),
            ("custom_app_steps", "arguments", "PJSIP/1001&PJSIP/1002,20,tT"),
            ("custom_app_steps", "arguments", "1001@default,u"),
            ("custom_app_steps", "application", "VoiceMailMain"),
            ("cos_rule_patterns", "pattern", "_00X."),
            ("inbound_routes", "destination_closed", ""),
            ("no_such_table", "x", "\n"),
        ] {
            assert_eq!(check(table, column, value), Ok(()), "{table}.{column} = {value:?}");
        }
        assert!(check_int("extensions", "ring_time", 300).is_ok() && check_int("extensions", "ring_time", 301).is_err());
    }

    #[test]
    fn refusals_read_back_from_database_errors() {
        let r = Refusal::parse("statement 2: extensions.number: must be 1 to 20 digits").unwrap();
        assert_eq!((r.table.as_str(), r.column.as_str(), r.why.as_str()), ("extensions", "number", "must be 1 to 20 digits"));
        assert_eq!(Refusal::parse("UNIQUE constraint failed: extensions.number"), None);
        assert_eq!(Refusal::parse("FOREIGN KEY constraint failed"), None);
    }
}
