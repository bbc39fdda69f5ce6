//! `switchboard:pbx/pbx-control`: start, stop or reboot the PBX. Grant: `grants.pbx_control =
//! ["start", "stop", "reboot"]`, each command on its own. Service: the commands the config's
//! `[pbx_control]` names ([`PbxControl`]).
//!
//! Admin APIs (SARK's `syscommands`) offer these buttons. What runs is decided by the admin alone:
//! each command is an argument vector from the host's config, started directly (no shell, so no
//! quoting or expansion), with no standard input and no text from the plugin or its request. The
//! plugin names one of three commands and gets back whether it worked. Commands run one at a time:
//! a `stop` does not race a `start`.

#[cfg(feature = "engine")]
mod host;
mod run;

#[cfg(feature = "engine")]
pub(crate) use self::host::CAPABILITY;

use std::fmt;

use toml::Spanned;

pub use self::run::{OUTPUT_LINES, TIMEOUT};

/// `[pbx_control]` as the config validated it: each configured command and its argument vector.
pub type Commands = Vec<(Command, Vec<String>)>;
use crate::config::Problems;

/// One of the PBX commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Start Asterisk.
    Start,
    /// Stop Asterisk.
    Stop,
    /// Reboot the machine.
    Reboot,
}

impl Command {
    /// Every command, in config order.
    pub const ALL: [Command; 3] = [Command::Start, Command::Stop, Command::Reboot];

    /// Its name in the grant and in `[pbx_control]`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Start => "start",
            Command::Stop => "stop",
            Command::Reboot => "reboot",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `grants.pbx_control`: the commands a mount may run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PbxControlGrant {
    /// May start Asterisk.
    pub start: bool,
    /// May stop Asterisk.
    pub stop: bool,
    /// May reboot.
    pub reboot: bool,
}

impl PbxControlGrant {
    /// Whether `command` is granted.
    pub fn allows(&self, command: Command) -> bool {
        match command {
            Command::Start => self.start,
            Command::Stop => self.stop,
            Command::Reboot => self.reboot,
        }
    }
}

/// `grants.pbx_control` as written.
pub(crate) type RawGrant = Vec<Spanned<String>>;

/// The typed grant; an unknown command name is a located problem.
pub(crate) fn validate_grant(raw: &RawGrant, problems: &mut Problems<'_>) -> PbxControlGrant {
    let mut grant = PbxControlGrant::default();
    for entry in raw {
        match entry.get_ref().as_str() {
            "start" => grant.start = true,
            "stop" => grant.stop = true,
            "reboot" => grant.reboot = true,
            other => problems.add(
                entry.span().start,
                format!("grants.pbx_control entry `{other}` is not a PBX command: use \"start\", \"stop\" or \"reboot\""),
            ),
        }
    }
    grant
}

/// Whether a mount's grants lend any PBX command (what "requested vs granted" reports).
pub fn granted(grants: &super::Grants) -> bool {
    let g = &grants.pbx_control;
    g.start || g.stop || g.reboot
}

/// `[pbx_control]`: the program and arguments of each command the host may run; a command
/// without one answers `not-configured`.
#[derive(Debug, Default)]
pub struct PbxControl {
    /// The argument vector per command; the first item is an absolute program path.
    commands: Commands,
    /// Held while a command runs.
    running: tokio::sync::Mutex<()>,
}

impl PbxControl {
    /// The configured commands (each checked by the config: absolute program, not empty).
    pub fn new(commands: Commands) -> Self {
        PbxControl { commands, running: tokio::sync::Mutex::new(()) }
    }

    /// The argument vector configured for `command`.
    pub fn argv(&self, command: Command) -> Option<&[String]> {
        self.commands.iter().find(|(c, _)| *c == command).map(|(_, argv)| argv.as_slice())
    }

    /// Runs `command`'s program (after any command still running) and waits for it, at most
    /// [`TIMEOUT`]: `Ok` with the first lines of its output when it exits with status 0, `Err`
    /// with why otherwise. `None` when the command is not configured.
    pub async fn run(&self, command: Command) -> Option<Result<String, String>> {
        let argv = self.argv(command)?;
        let _running = self.running.lock().await;
        Some(run::run(argv, TIMEOUT).await)
    }
}
