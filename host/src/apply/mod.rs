//! Apply changes: render Asterisk's configuration from the `pbx` database and reload only the
//! modules whose files changed.
//!
//! Every flavor writes the one canonical PBX model, but Asterisk reads `.conf` files.
//! This module is the bridge: [`render`] turns the database into four files, pure and
//! deterministic (same rows, same bytes), and [`Applier`] writes those that differ from what is on
//! disk and asks Asterisk over AMI to reload the matching modules — nothing else, so an unrelated
//! module (and its calls) is never disturbed.
//!
//! | file                          | Asterisk module reloaded | from                                              |
//! |-------------------------------|--------------------------|---------------------------------------------------|
//! | `pjsip.switchboard.conf`      | `res_pjsip.so`           | `ps_endpoints`, `ps_auths`, `ps_aors`, `ps_registrations`, `trunks` |
//! | `extensions.switchboard.conf` | `pbx_config.so`          | extensions, follow-me, ring groups, queues, routes, IVRs, day/holiday timers, custom apps, classes of service |
//! | `queues.switchboard.conf`     | `app_queue.so`           | `queues`, `queue_members`                         |
//! | `voicemail.switchboard.conf`  | `app_voicemail.so`       | `voicemail`                                       |
//!
//! The files go in one directory (say `/etc/asterisk/switchboard/`), which the admin includes once
//! from Asterisk's own configs — at the end of each file, so no section of theirs runs into ours.
//! Relative `#include` paths are relative to Asterisk's config directory:
//!
//! ```text
//! ; /etc/asterisk/pjsip.conf
//! #include switchboard/pjsip.switchboard.conf
//! ; /etc/asterisk/extensions.conf
//! #include switchboard/extensions.switchboard.conf
//! ; /etc/asterisk/queues.conf
//! #include switchboard/queues.switchboard.conf
//! ; /etc/asterisk/voicemail.conf
//! #include switchboard/voicemail.switchboard.conf
//! ```
//!
//! and in `extensions.conf`, `include => switchboard-internal` in the context phones dial from
//! (`[from-internal]`, the `context` of extensions' endpoints) and `include => switchboard-inbound`
//! in the context trunks deliver to (`[from-trunk]`).
//!
//! Writing is atomic (temp file in the same directory, fsync, rename), so Asterisk never reads a
//! half-written file. Database text that could escape its place in a file — a line break, a `;`
//! where it starts a comment, a `${…}` the dialplan would evaluate — is escaped where Asterisk has
//! an escape and refused otherwise.
//!
//! ## A bad row is skipped, not fatal
//!
//! The schema refuses such values when they are written (its rules, migration 4), so a row
//! written under them always renders. A row written before the rules, or by hand with them
//! bypassed, may still hold one, and one bad row must not keep every other change from reaching
//! Asterisk. So a row that cannot be rendered — a refused value, a blob or non-UTF-8 text, a
//! non-number in a number column, a PJSIP object name another row already took — is left out of
//! its file whole (an extension's dialplan entry, a trunk's five objects, one ring-group member),
//! logged at `warn` with its table, key and column, and listed in [`Applied::skipped`]; the rest
//! renders, is written and reloaded. What refers to a skipped row degrades the way Asterisk would
//! with the row missing: an extension whose follow-me is skipped dials its phone directly, a
//! route leaves out a trunk it cannot dial. Fix the row (through any flavor, or SQL) and the next
//! apply renders it.
//!
//! Requests are coalesced: a burst of `apply()` calls (one per changed row, from many plugins)
//! costs one render and one reload per changed module, and every caller still gets a run that
//! started after its call did, so it sees its own change.

mod apps;
mod cells;
mod cos;
mod dialplan;
mod hours;
mod ivr;
mod pjsip;
mod queues;
mod syntax;
mod voicemail;

pub use apps::APPS;
pub use cos::COS_PREFIX;
pub use dialplan::{EXTENSIONS, FOLLOWME, INBOUND, INTERNAL, OUTBOUND, QUEUES, RINGGROUPS, VOICEMAIL};
pub use hours::TIMERS;
pub use ivr::IVRS;
pub use syntax::{HEADER, Unrenderable};

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags};

use crate::ami::{AmiClient, Message};

/// The PJSIP file (`#include`d from `pjsip.conf`).
pub const PJSIP_FILE: &str = "pjsip.switchboard.conf";
/// The dialplan file (`#include`d from `extensions.conf`).
pub const EXTENSIONS_FILE: &str = "extensions.switchboard.conf";
/// The queues file (`#include`d from `queues.conf`).
pub const QUEUES_FILE: &str = "queues.switchboard.conf";
/// The voicemail file (`#include`d from `voicemail.conf`).
pub const VOICEMAIL_FILE: &str = "voicemail.switchboard.conf";

/// Each rendered file and the Asterisk module that reads it, in the order reloads are sent.
pub const FILES: [(&str, &str); 4] = [
    (PJSIP_FILE, "res_pjsip.so"),
    (EXTENSIONS_FILE, "pbx_config.so"),
    (QUEUES_FILE, "app_queue.so"),
    (VOICEMAIL_FILE, "app_voicemail.so"),
];

/// The rendered configuration: file name → content, ordered by name.
pub type Rendered = BTreeMap<String, String>;

/// What [`render`] made of the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendering {
    /// The files.
    pub files: Rendered,
    /// The rows left out because they cannot be rendered, each once, in file order.
    pub skipped: Vec<Unrenderable>,
}

/// What the admin's `[asterisk]` section adds to what the database says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// The transport of endpoints and registrations whose own `transport` is empty.
    pub transport: Option<String>,
}

impl RenderOptions {
    /// The options `[asterisk]` sets.
    pub fn from_config(asterisk: &crate::config::AsteriskConfig) -> Self {
        RenderOptions { transport: asterisk.transport.clone() }
    }
}

/// Renders every file from `conn` (run it inside one read transaction for a consistent view).
///
/// Rows that cannot be rendered are left out and listed in [`Rendering::skipped`]; it fails only
/// when the database cannot be read (a table missing, an I/O error).
pub fn render(conn: &Connection, options: &RenderOptions) -> anyhow::Result<Rendering> {
    let mut files = Rendered::new();
    let mut skipped = Vec::new();
    files.insert(PJSIP_FILE.into(), pjsip::render(conn, options.transport.as_deref(), &mut skipped).with_context(|| format!("rendering {PJSIP_FILE}"))?);
    files.insert(
        EXTENSIONS_FILE.into(),
        dialplan::render(conn, &mut skipped).with_context(|| format!("rendering {EXTENSIONS_FILE}"))?,
    );
    files.insert(QUEUES_FILE.into(), queues::render(conn, &mut skipped).with_context(|| format!("rendering {QUEUES_FILE}"))?);
    files.insert(VOICEMAIL_FILE.into(), voicemail::render(conn, &mut skipped).with_context(|| format!("rendering {VOICEMAIL_FILE}"))?);
    // A trunk a route cannot dial is found once per route: report each refusal once.
    let mut seen = std::collections::HashSet::new();
    skipped.retain(|u| seen.insert((u.table, u.key.clone(), u.column)));
    Ok(Rendering { files, skipped })
}

/// What one apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Files whose content changed and were rewritten, in [`FILES`] order.
    pub changed_files: Vec<String>,
    /// Modules Asterisk reloaded, in [`FILES`] order: those of the changed files, plus any whose
    /// reload was still pending from an earlier apply (every module is pending when an `Applier`
    /// is new, since a previous process may have written files and died before reloading).
    pub reloaded_modules: Vec<String>,
    /// Rows left out of the files because they cannot be rendered (see the module docs); the
    /// rest was applied.
    pub skipped: Vec<Unrenderable>,
}

/// Why an apply did not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// No AMI connection is configured: the files were written, but nothing asked Asterisk to
    /// reload them ([`Applier::pending_reloads`] lists the modules to reload by hand).
    #[error("the configuration files are written, but no AMI connection is configured to reload Asterisk")]
    NotConfigured,
    /// The database could not be read; nothing was written.
    #[error("reading the pbx database: {0}")]
    Database(String),
    /// Not returned any more: a row that cannot be rendered is skipped and listed in
    /// [`Applied::skipped`] instead of failing the apply. Kept so callers that match every
    /// variant keep compiling.
    #[error("the pbx database holds a value that cannot be rendered: {0}")]
    Invalid(String),
    /// A file could not be written. Files written before it stay, and their modules' reloads are
    /// pending.
    #[error("writing the configuration: {0}")]
    Write(String),
    /// Asterisk was not reloaded: it answered an error, or AMI is down. The files are written;
    /// the modules stay pending, and the next apply (the applier's own retry, or a caller's)
    /// reloads them.
    #[error("reloading {module}: {message}")]
    Reload {
        /// The module(s) that did not reload, comma-separated (`res_pjsip.so, pbx_config.so`).
        module: String,
        /// Asterisk's message, or why the action could not be sent.
        message: String,
    },
}

/// The longest wait between two retries of a failed apply.
pub const RETRY_MAX: Duration = Duration::from_secs(30);

/// Writes the rendered configuration and reloads what changed, one run at a time.
///
/// Cheap to clone; clones share the coalescing state.
#[derive(Clone)]
pub struct Applier {
    inner: Arc<Inner>,
}

struct Inner {
    db_path: PathBuf,
    config_dir: PathBuf,
    options: RenderOptions,
    ami: Option<AmiClient>,
    /// Whether a retry of a failed apply is scheduled (see [`Applier::retry_until_applied`]).
    retrying: std::sync::atomic::AtomicBool,
    /// Tickets handed out: one per `apply()` call.
    requested: AtomicU64,
    /// Held for a whole run; the runs' shared state.
    runs: tokio::sync::Mutex<Runs>,
}

struct Runs {
    /// Every ticket up to this was issued before a finished run started reading the database.
    served: u64,
    /// That run's result, for the callers it served.
    last: Option<Result<Applied, ApplyError>>,
    /// Modules whose files changed but which Asterisk has not reloaded yet.
    pending: BTreeSet<&'static str>,
}

impl Applier {
    /// An applier reading the database at `db_path` (opened read-only for each run), writing into
    /// `config_dir` (created when missing) and reloading over `ami` (`None`: write only).
    pub fn new(db_path: PathBuf, config_dir: PathBuf, ami: Option<AmiClient>) -> Self {
        Self::with_options(db_path, config_dir, ami, RenderOptions::default())
    }

    /// [`Applier::new`], rendering with `options`.
    pub fn with_options(db_path: PathBuf, config_dir: PathBuf, ami: Option<AmiClient>, options: RenderOptions) -> Self {
        Applier {
            inner: Arc::new(Inner {
                db_path,
                config_dir,
                options,
                ami,
                retrying: std::sync::atomic::AtomicBool::new(false),
                requested: AtomicU64::new(0),
                runs: tokio::sync::Mutex::new(Runs {
                    served: 0,
                    last: None,
                    pending: FILES.iter().map(|(_, module)| *module).collect(),
                }),
            }),
        }
    }

    /// The directory the files are written to.
    pub fn config_dir(&self) -> &Path {
        &self.inner.config_dir
    }

    /// Renders, writes the files that changed and reloads their modules.
    ///
    /// Concurrent calls are coalesced: a call made while a run is in progress waits for the next
    /// run (which starts after it, so it sees every change committed before the call), and all
    /// calls waiting meanwhile share that one run and its result.
    pub async fn apply(&self) -> Result<Applied, ApplyError> {
        let ticket = self.inner.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut runs = self.inner.runs.lock().await;
        if runs.served >= ticket {
            if let Some(last) = &runs.last {
                return last.clone();
            }
        }
        // Every ticket issued up to now was issued before this run reads the database.
        let covers = self.inner.requested.load(Ordering::SeqCst);
        let result = self.run(&mut runs).await;
        runs.served = covers;
        runs.last = Some(result.clone());
        drop(runs);
        if matches!(result, Err(ApplyError::Database(_) | ApplyError::Write(_) | ApplyError::Reload { .. })) {
            self.retry_until_applied();
        }
        result
    }

    /// After a failed apply, applies again in the background (after 1 s, then twice as long each
    /// time, at most [`RETRY_MAX`]) until one succeeds, so that a change a plugin committed and was
    /// told is pending (the PBX was down, a file could not be written) reaches Asterisk without
    /// anyone having to ask again. One retry loop at a time; it ends with the applier.
    fn retry_until_applied(&self) {
        if self.inner.retrying.swap(true, Ordering::SeqCst) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.inner.retrying.store(false, Ordering::SeqCst);
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            let mut wait = Duration::from_secs(1);
            loop {
                tokio::time::sleep(wait).await;
                let Some(inner) = weak.upgrade() else { return };
                let applier = Applier { inner };
                // `apply` schedules nothing while this loop runs (`retrying` is set).
                match applier.apply().await {
                    Ok(applied) => {
                        tracing::info!(modules = ?applied.reloaded_modules, "apply: the pending changes reached Asterisk on a retry");
                        applier.inner.retrying.store(false, Ordering::SeqCst);
                        return;
                    }
                    Err(error) => tracing::warn!(%error, retry_in = ?(wait * 2).min(RETRY_MAX), "apply: retry failed"),
                }
                wait = (wait * 2).min(RETRY_MAX);
            }
        });
    }

    /// Modules whose files changed but which Asterisk has not reloaded yet, in [`FILES`] order.
    pub async fn pending_reloads(&self) -> Vec<String> {
        let runs = self.inner.runs.lock().await;
        FILES.iter().filter(|(_, m)| runs.pending.contains(m)).map(|(_, m)| m.to_string()).collect()
    }

    async fn run(&self, runs: &mut Runs) -> Result<Applied, ApplyError> {
        let (db, dir, options) = (self.inner.db_path.clone(), self.inner.config_dir.clone(), self.inner.options.clone());
        let written = tokio::task::spawn_blocking(move || render_and_write(&db, &dir, &options))
            .await
            .unwrap_or_else(|e| Err(Failed { written: Vec::new(), error: ApplyError::Write(format!("the writer task failed: {e}")) }));
        let Written { changed, skipped } = match written {
            Ok(written) => written,
            Err(Failed { written, error }) => {
                runs.pending.extend(FILES.iter().filter(|(f, _)| written.iter().any(|w| w == f)).map(|(_, m)| *m));
                return Err(error);
            }
        };
        runs.pending.extend(FILES.iter().filter(|(f, _)| changed.iter().any(|c| c == f)).map(|(_, m)| *m));
        let mut applied = Applied { changed_files: changed, reloaded_modules: Vec::new(), skipped };
        let due: Vec<&'static str> = FILES.iter().map(|(_, m)| *m).filter(|m| runs.pending.contains(m)).collect();
        if due.is_empty() {
            return Ok(applied);
        }
        let Some(ami) = &self.inner.ami else {
            tracing::warn!(modules = ?due, "apply: no AMI connection configured; reload Asterisk by hand");
            return Err(ApplyError::NotConfigured);
        };
        let mut failed: Vec<(&'static str, String)> = Vec::new();
        for (i, module) in due.iter().enumerate() {
            match ami.send(Message::new().with("Action", "Reload").with("Module", *module)).await {
                Ok(answer) if answer.is_success() => {
                    runs.pending.remove(module);
                    applied.reloaded_modules.push(module.to_string());
                }
                Ok(answer) => {
                    let message = answer.response.get("Message").unwrap_or("Asterisk answered Error").to_string();
                    failed.push((module, format!("{message}; the reload stays pending")));
                }
                Err(e) => {
                    // The link is gone: the rest would fail the same way.
                    let message = format!("{e}; the files are written and the reload is pending: the next apply retries it");
                    failed.extend(due[i..].iter().map(|m| (*m, message.clone())));
                    break;
                }
            }
        }
        if failed.is_empty() {
            tracing::info!(files = ?applied.changed_files, modules = ?applied.reloaded_modules, skipped = applied.skipped.len(),
                "configuration applied");
            return Ok(applied);
        }
        let module = failed.iter().map(|(m, _)| *m).collect::<Vec<_>>().join(", ");
        let mut messages: Vec<String> = failed.into_iter().map(|(_, msg)| msg).collect();
        messages.dedup();
        tracing::warn!(%module, message = %messages.join("; "), "apply: reload failed");
        Err(ApplyError::Reload { module, message: messages.join("; ") })
    }
}

/// Renders the database's configuration into `dir` and replaces the files that differ, without
/// reloading anything: the files a PBX reads when it starts (the demo writes them before its
/// simulator boots). Returns the files replaced. Blocking: run it on the blocking pool.
pub fn write_files(db: &Path, dir: &Path, options: &RenderOptions) -> Result<Vec<String>, ApplyError> {
    render_and_write(db, dir, options).map(|written| written.changed).map_err(|failed| failed.error)
}

/// A successful render-and-write: the files replaced and the rows skipped.
struct Written {
    changed: Vec<String>,
    skipped: Vec<Unrenderable>,
}

/// A failed render-and-write, with the files already replaced before it failed.
struct Failed {
    written: Vec<String>,
    error: ApplyError,
}

impl From<ApplyError> for Failed {
    fn from(error: ApplyError) -> Self {
        Failed { written: Vec::new(), error }
    }
}

/// Reads the database read-only in one transaction, renders, and replaces the files that differ;
/// each skipped row is logged at `warn`. Blocking: run it on the blocking pool.
fn render_and_write(db: &Path, dir: &Path, options: &RenderOptions) -> Result<Written, Failed> {
    let database = |e: &dyn std::fmt::Display| ApplyError::Database(format!("{}: {e}", db.display()));
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| database(&e))?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(|e| database(&e))?;
    let Rendering { files: rendered, skipped } = {
        let tx = conn.unchecked_transaction().map_err(|e| database(&e))?;
        render(&tx, options).map_err(|e| database(&format!("{e:#}")))?
    };
    drop(conn);
    for u in &skipped {
        tracing::warn!(table = u.table, key = %u.key, column = u.column, value = ?u.value, problem = u.problem,
            "apply: a row cannot be rendered; it is left out and the rest is applied");
    }

    fs::create_dir_all(dir).map_err(|e| ApplyError::Write(format!("creating {}: {e}", dir.display())))?;
    // Every changed file is written to a temp file first and only then are they renamed into
    // place: a failure while writing (the disk full) replaces none of them, so Asterisk never
    // reads a half-new set, and the old files stay as they were.
    let mut staged: Vec<(&str, PathBuf, PathBuf)> = Vec::new();
    let unstage = |staged: &[(&str, PathBuf, PathBuf)]| {
        for (_, temp, _) in staged {
            let _ = fs::remove_file(temp);
        }
    };
    for (file, _) in FILES {
        let text = &rendered[file];
        let path = dir.join(file);
        match fs::read(&path) {
            Ok(old) if old == text.as_bytes() => continue,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                unstage(&staged);
                return Err(Failed { written: Vec::new(), error: ApplyError::Write(format!("reading {}: {e}", path.display())) });
            }
        }
        match stage(&path, text.as_bytes()) {
            Ok(temp) => staged.push((file, temp, path)),
            Err(e) => {
                unstage(&staged);
                return Err(Failed { written: Vec::new(), error: ApplyError::Write(format!("{}: {e:#}", path.display())) });
            }
        }
    }
    let mut written = Vec::new();
    for (i, (file, temp, path)) in staged.iter().enumerate() {
        if let Err(e) = fs::rename(temp, path) {
            unstage(&staged[i..]);
            return Err(Failed { written, error: ApplyError::Write(format!("{}: renaming into place: {e}", path.display())) });
        }
        written.push(file.to_string());
    }
    if !written.is_empty() {
        // The renames are durable once the directory is.
        if let Err(e) = fs::File::open(dir).and_then(|d| d.sync_all()) {
            tracing::warn!(dir = %dir.display(), error = %e, "apply: could not fsync the config directory");
        }
    }
    Ok(Written { changed: written, skipped })
}

/// Writes `bytes` to a new temp file beside `path` (fsynced; an existing file's permissions
/// copied, since an admin may have narrowed them: the files hold secrets) and returns its path,
/// for the caller to rename over `path`. On failure nothing is left behind.
fn stage(path: &Path, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().context("the path has no directory")?;
    let name = path.file_name().context("the path has no file name")?.to_string_lossy();
    let temp = dir.join(format!(".{name}.tmp-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let result = (|| {
        let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temp).context("creating the temp file")?;
        if let Ok(meta) = fs::metadata(path) {
            file.set_permissions(meta.permissions()).context("copying permissions")?;
        }
        file.write_all(bytes).context("writing")?;
        file.sync_all().context("fsync")
    })();
    match result {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::migrate;

    fn database(dir: &Path) -> PathBuf {
        let path = dir.join("pbx.sqlite");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn).unwrap();
        path
    }

    /// The simulator reads the files apply-changes writes by its own copy of their names (it
    /// does not depend on the host): the two must name the same files.
    #[test]
    fn simulator_reads_the_files_apply_writes() {
        assert_eq!(PJSIP_FILE, switchboard_sim::PJSIP_FILE);
        assert_eq!(EXTENSIONS_FILE, switchboard_sim::EXTENSIONS_FILE);
        assert_eq!(QUEUES_FILE, switchboard_sim::QUEUES_FILE);
        assert_eq!(VOICEMAIL_FILE, switchboard_sim::VOICEMAIL_FILE);
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("switchboard-apply-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn every_file_starts_with_the_header_and_rendering_is_deterministic() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute_batch("INSERT INTO extensions (number, name) VALUES ('1001', 'Ada'), ('1002', 'Bob');").unwrap();
        let first = render(&conn, &RenderOptions::default()).unwrap();
        assert!(first.skipped.is_empty(), "{:?}", first.skipped);
        assert_eq!(first.files.keys().map(String::as_str).collect::<Vec<_>>(), [EXTENSIONS_FILE, PJSIP_FILE, QUEUES_FILE, VOICEMAIL_FILE]);
        for text in first.files.values() {
            assert!(text.starts_with(&format!("{HEADER}\n")), "{text}");
        }
        assert_eq!(render(&conn, &RenderOptions::default()).unwrap(), first);
    }

    #[tokio::test]
    async fn without_ami_the_files_are_written_and_the_reloads_stay_pending() {
        let dir = temp_dir("no-ami");
        let db = database(&dir);
        let config = dir.join("asterisk").join("switchboard");
        let applier = Applier::new(db.clone(), config.clone(), None);
        assert_eq!(applier.apply().await, Err(ApplyError::NotConfigured));
        for (file, _) in FILES {
            assert!(fs::read_to_string(config.join(file)).unwrap().starts_with(HEADER));
        }
        assert_eq!(applier.pending_reloads().await, ["res_pjsip.so", "pbx_config.so", "app_queue.so", "app_voicemail.so"]);
        // No temp files are left behind.
        assert_eq!(fs::read_dir(&config).unwrap().count(), 4);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_hostile_row_is_skipped_and_the_rest_is_written() {
        let dir = temp_dir("hostile");
        let path = dir.join("pbx.sqlite");
        {
            // Written before the schema's rules, as an older database may hold it.
            let mut conn = Connection::open(&path).unwrap();
            crate::store::migrate::migrate_to(&mut conn, crate::store::migrate::BEFORE_RULES).unwrap();
            conn.execute_batch(
                "INSERT INTO ps_aors (id, contact) VALUES ('a', 'sip:x\n#exec /bin/sh');
                 INSERT INTO extensions (number, name) VALUES ('1001', 'Ada');",
            )
            .unwrap();
            migrate(&mut conn).unwrap();
        }
        let config = dir.join("conf");
        let err = Applier::new(path, config.clone(), None).apply().await.unwrap_err();
        assert_eq!(err, ApplyError::NotConfigured, "written, only the reload is missing");
        let pjsip = fs::read_to_string(config.join(PJSIP_FILE)).unwrap();
        assert!(!pjsip.contains("#exec") && !pjsip.contains("\n[a]\n"), "{pjsip}");
        assert!(pjsip.contains("\n[1001]\ntype=endpoint\n"), "{pjsip}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_missing_database_is_a_database_error() {
        let dir = temp_dir("missing");
        let err = Applier::new(dir.join("nope.sqlite"), dir.join("conf"), None).apply().await.unwrap_err();
        assert!(matches!(&err, ApplyError::Database(m) if m.contains("nope.sqlite")), "{err:?}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
