//! The demo office, written down once: the people and their extensions, the phones the simulated
//! PBX has, its trunk, queues and astdb keys. [`crate::PbxSeed::demo`] builds the simulated PBX
//! from it, and the host's demo database seed (extensions, mailboxes, queues, call records) builds
//! the same office in its `pbx` database, so the two describe one office; tests take names from it.

/// The people of the office, from extension [`FIRST_EXTENSION`] on, in extension order. The first
/// [`PHONES`] are the simulated PBX's phones; the rest (in the database only) mix nationalities and
/// scripts' diacritics, one apostrophe and one multi-word surname, as real directories do.
pub const PEOPLE: [&str; 50] = [
    "Alice Smith",
    "Bob Jones",
    "Carol White",
    "Dave Brown",
    "Erin Green",
    "Frank Black",
    "Grace Hall",
    "Heidi King",
    "Ivan Wright",
    "Judy Scott",
    "José Muñoz",
    "Zoë Ångström",
    "Mei Chen",
    "Priya Patel",
    "Lars Østergaard",
    "François Dubois",
    "Jürgen Müller",
    "Aoife O'Brien",
    "Łukasz Wójcik",
    "Ayşe Yılmaz",
    "Kenji Tanaka",
    "Chloé Lefèvre",
    "Björn Lindqvist",
    "Giulia Rossi",
    "Anouk van der Berg",
    "Thandiwe Nkosi",
    "Rafael Gonçalves",
    "Emma Jansen",
    "Noah Bakker",
    "Sofia Andersson",
    "Mateo García",
    "Hannah Schmidt",
    "Minh Nguyễn",
    "Tomáš Dvořák",
    "Eleni Papadopoulou",
    "Kwame Mensah",
    "Ana Silva",
    "Ravi Kumar",
    "Isabelle Martin",
    "Niamh Kelly",
    "Pieter de Jong",
    "Olga Ivanova",
    "Ahmed Hassan",
    "Yuki Satō",
    "Fatma Demir",
    "Mário Costa",
    "Sanne Visser",
    "Ingrid Håland",
    "Diego Hernández",
    "Amélie Laurent",
];

/// The first person's extension (`1001`).
pub const FIRST_EXTENSION: u32 = 1001;

/// How many of [`PEOPLE`] have a phone on the simulated PBX (1001–1010).
pub const PHONES: usize = 10;

/// The extension of person `index` in [`PEOPLE`].
pub fn extension(index: usize) -> String {
    (FIRST_EXTENSION + index as u32).to_string()
}

/// The name of the person at extension `number`, if anyone is.
pub fn name_of(number: &str) -> Option<&'static str> {
    number.parse::<u32>().ok().and_then(|n| n.checked_sub(FIRST_EXTENSION)).and_then(|i| PEOPLE.get(i as usize)).copied()
}

/// (extension, name) of the simulated PBX's phones, in extension order.
pub fn phones() -> impl Iterator<Item = (String, &'static str)> {
    PEOPLE[..PHONES].iter().enumerate().map(|(i, name)| (extension(i), *name))
}

/// The phone that rings but never answers.
pub const NEVER_ANSWERS: &str = "1008";

/// The phones with no registered contact (`Unavailable`).
pub const UNREGISTERED: [&str; 2] = ["1009", "1010"];

/// A trunk to a SIP provider.
pub struct Trunk {
    /// Endpoint name (`trunk-provider`).
    pub name: &'static str,
    /// The provider's host.
    pub host: &'static str,
    /// The provider's SIP port.
    pub port: u16,
}

/// The provider trunk (calls out and in go through it).
pub const TRUNK: Trunk = Trunk { name: "trunk-provider", host: "sip.provider.example", port: 5060 };

/// A call queue: its `queues.conf`-style settings and its static members, the phones' first (the
/// simulated PBX has those), then the database's extra ones.
pub struct Queue {
    /// Queue name (`support`).
    pub name: &'static str,
    /// The extension phones reach it on (`7001`).
    pub exten: &'static str,
    /// Its description in the database (`Support`).
    pub description: &'static str,
    /// `ringall`, `rrmemory`, …
    pub strategy: &'static str,
    /// Seconds a member rings.
    pub timeout: u32,
    /// Seconds after a call before a member rings again.
    pub wrapuptime: u32,
    /// The service level, in seconds.
    pub servicelevel: u32,
    /// (extension, penalty, paused).
    pub members: &'static [(&'static str, u32, bool)],
}

/// The queues: `support` (7001) and `sales` (7002).
pub const QUEUES: [Queue; 2] = [
    Queue {
        name: "support",
        exten: "7001",
        description: "Support",
        strategy: "ringall",
        timeout: 15,
        wrapuptime: 10,
        servicelevel: 60,
        members: &[("1001", 0, false), ("1002", 0, false), ("1003", 0, false), ("1013", 1, false)],
    },
    Queue {
        name: "sales",
        exten: "7002",
        description: "Sales",
        strategy: "rrmemory",
        timeout: 20,
        wrapuptime: 5,
        servicelevel: 30,
        members: &[("1004", 0, false), ("1005", 0, false), ("1011", 1, false), ("1012", 1, true)],
    },
];

/// astdb keys the simulated PBX starts with (family, key, value): 1006 does not disturb, 1007
/// forwards to 1002. The database has them too, first.
pub const ASTDB: [(&str, &str, &str); 2] = [("DND", "1006", "YES"), ("CF", "1007", "1002")];

/// Voicemail boxes with messages waiting on the simulated PBX: (mailbox, urgent, new, old).
pub const MAILBOX_MESSAGES: [(&str, u32, u32, u32); 2] = [("1001@default", 0, 2, 5), ("1002@default", 1, 1, 0)];
