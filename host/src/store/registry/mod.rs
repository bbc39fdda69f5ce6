//! The plugin registry: which private database each plugin identity opens as `own`, which
//! identities last ran at each route, and an audit of every binding.
//!
//! A plugin's private data belongs to its identity ([`PluginIdentity`]: the component's SHA-256,
//! or a built-in's name), never to its file name or route, so a renamed file or a moved mount
//! keeps its data and a different component never reads another's. What the registry adds is the
//! memory of routes: when a route that ran component A (which owns data) now mounts component B
//! (which owns none), B would silently start empty. [`Registry::bind`] refuses that with a
//! [`Conflicts`] error, and the admin settles it with [`Registry::adopt`]: B takes A's data
//! ([`AdoptMode::Keep`]) or starts empty while A's stays aside ([`AdoptMode::Fresh`]). Both are
//! written to the audit with who, when, and the identities before and after.
//!
//! The registry is its own database, `registry.sqlite` beside `pbx.sqlite`: the host alone opens
//! it, so no plugin grant can read or write it. Every change is one `IMMEDIATE` transaction.
//! Private databases are files `plugins/data.<n>.sqlite`, `<n>` a number the registry hands out
//! once; a database from before identities keeps its old name `plugins/<stem>.sqlite` (a stem has
//! no `.`, so the two never collide). File names come from those two shapes only, checked again
//! when read back ([`DataFile::parse`]), so no identity, stem or registry row becomes a path of
//! its own choosing.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, TransactionBehavior, params};

use crate::config::Config;
use crate::identity::PluginIdentity;

/// The registry's file in the store directory.
pub const FILE: &str = "registry.sqlite";

/// The registry's schema steps, applied in order; the version lives in `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[include_str!("0001_identities.sql")];

/// `strftime` for the registry's timestamps.
const NOW: &str = "strftime('%Y-%m-%d %H:%M:%S', 'now')";

/// The file name of a private database under `plugins/`, in one of the two shapes the host makes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DataFile(String);

impl DataFile {
    /// `data.<n>.sqlite`, or a migrated `<stem>.sqlite` (stem: ASCII letters, digits, `-`, `_`);
    /// anything else (a path separator, `..`, NUL, another extension) is refused.
    pub fn parse(name: &str) -> anyhow::Result<DataFile> {
        let numbered = name
            .strip_prefix("data.")
            .and_then(|rest| rest.strip_suffix(".sqlite"))
            .is_some_and(|n| !n.is_empty() && n.len() <= 19 && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'));
        let legacy = name.strip_suffix(".sqlite").is_some_and(is_stem);
        if numbered || legacy {
            Ok(DataFile(name.to_string()))
        } else {
            bail!("`{}` is not a private database's file name (`data.<n>.sqlite` or `<stem>.sqlite`)", name.escape_debug())
        }
    }

    fn numbered(id: i64) -> DataFile {
        DataFile(format!("data.{id}.sqlite"))
    }

    /// The file a plugin with this stem used before identities, if the stem can name one.
    fn legacy(stem: &str) -> Option<DataFile> {
        is_stem(stem).then(|| DataFile(format!("{stem}.sqlite")))
    }

    /// The file name, relative to `plugins/`.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DataFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plugins/{}", self.0)
    }
}

fn is_stem(stem: &str) -> bool {
    !stem.is_empty() && stem.len() <= 200 && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One mount, as the registry sees it.
#[derive(Debug, Clone, Copy)]
pub struct Mounted<'a> {
    /// The route prefix.
    pub route: &'a str,
    /// The identity of the component loaded for it.
    pub identity: &'a PluginIdentity,
    /// The name its private database had before identities ([`crate::identity::legacy_stem`]).
    pub legacy_stem: &'a str,
}

/// What a mount's identity will open as `own`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The database the identity is bound to.
    Bound(DataFile),
    /// A new, empty database (the identity has none and the route had none to lose).
    New,
    /// The database the plugin had under its file name before identities, taken over once.
    Migrated(DataFile),
}

/// A route whose earlier component owns data that the component now mounted there would not see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The route.
    pub route: String,
    /// The identity that ran there and owns the data.
    pub previous: String,
    /// The identity mounted there now, which has no data of its own.
    pub current: String,
    /// The previous identity's database.
    pub data: DataFile,
}

/// Mounts that would silently start with an empty database; nothing was changed.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Conflicts(pub Vec<Conflict>);

impl Conflicts {
    /// The message, with the adopt command spelled for the configuration file `config`.
    pub fn explain(&self, config: &Path) -> String {
        let config = config.display().to_string();
        self.0
            .iter()
            .map(|c| {
                format!(
                    "mount `{route}`: the component now mounted ({current}) is not the one that ran here before ({previous}), \
                     which owns data in {data}; starting would give the new component an empty database. \
                     If it is an upgrade of the same plugin, keep the data: `switchboard plugin adopt --config {config} --route {route}`; \
                     to start it empty instead (the old database stays on disk): add `--fresh`; \
                     or mount the earlier component again",
                    route = c.route,
                    current = c.current,
                    previous = c.previous,
                    data = c.data,
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for Conflicts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain(Path::new("<config file>")))
    }
}

/// How [`Registry::adopt`] treats the data of a route's earlier component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoptMode {
    /// The mount's component opens the earlier component's database (an upgrade keeping data).
    Keep,
    /// The mount's component gets a new, empty database; the earlier one stays on disk, still
    /// bound to the earlier component.
    Fresh,
}

/// One audit row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// When, `YYYY-MM-DD HH:MM:SS` UTC.
    pub at: String,
    /// Who: `os:<user> (uid <n>)` or an admin principal.
    pub actor: String,
    /// `new`, `migrated`, `adopt` or `fresh`.
    pub action: String,
    /// The route it concerned.
    pub route: Option<String>,
    /// The identity that owned the data before.
    pub before: Option<String>,
    /// The identity bound.
    pub after: String,
    /// The file the route's data was in before.
    pub data_before: Option<String>,
    /// The file `after` opens now.
    pub data_after: String,
    /// Anything else worth saying.
    pub note: String,
}

/// The registry of one store directory.
pub struct Registry {
    conn: Connection,
    plugins: PathBuf,
}

impl Registry {
    /// Opens (creating and migrating as needed) `dir/registry.sqlite`; private databases live in
    /// `dir/plugins/`.
    pub fn open(dir: &Path) -> anyhow::Result<Registry> {
        let path = dir.join(FILE);
        let mut conn = crate::store::Database::open_connection(&path)?;
        migrate(&mut conn).with_context(|| format!("migrating {}", path.display()))?;
        Ok(Registry { conn, plugins: dir.join("plugins") })
    }

    /// The registry as it is, without writing anything (for `check`): an empty one when the store
    /// has none yet.
    pub fn open_read_only(dir: &Path) -> anyhow::Result<Registry> {
        let path = dir.join(FILE);
        let conn = if path.exists() {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .with_context(|| format!("opening {}", path.display()))?;
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if usize::try_from(version).ok() != Some(MIGRATIONS.len()) {
                bail!("{} is at version {version}, this Switchboard writes {}", path.display(), MIGRATIONS.len());
            }
            conn
        } else {
            let mut conn = Connection::open_in_memory()?;
            migrate(&mut conn)?;
            conn
        };
        Ok(Registry { conn, plugins: dir.join("plugins") })
    }

    /// What each mount would open, and the routes that would lose data, without changing anything.
    pub fn plan(&self, mounts: &[Mounted<'_>]) -> anyhow::Result<(Vec<Decision>, Vec<Conflict>)> {
        plan(&self.conn, &self.plugins, mounts)
    }

    /// Binds every mount's identity to its private database and records the routes, in one
    /// transaction; returns each mount's database file. Fails with [`Conflicts`] (changing
    /// nothing) when a route's earlier component owns data the new one would not see.
    pub fn bind(&mut self, mounts: &[Mounted<'_>], actor: &str) -> anyhow::Result<Vec<DataFile>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (decisions, conflicts) = plan(&tx, &self.plugins, mounts)?;
        if !conflicts.is_empty() {
            return Err(Conflicts(conflicts).into());
        }
        let mut files = Vec::with_capacity(mounts.len());
        for (mount, decision) in mounts.iter().zip(decisions) {
            let identity = mount.identity.to_string();
            let file = match decision {
                Decision::Bound(file) => file,
                // A second mount of an identity the first already bound.
                Decision::New | Decision::Migrated(_) if bound(&tx, &identity)?.is_some() => bound(&tx, &identity)?.expect("bound").1,
                Decision::New => {
                    let (id, file) = allocate(&tx, &self.plugins, "new")?;
                    bind_identity(&tx, &identity, id)?;
                    record(&tx, actor, "new", Some(mount.route), None, &identity, None, &file, "")?;
                    file
                }
                Decision::Migrated(file) => {
                    tx.execute(&format!("INSERT INTO data_sets (file, origin, created) VALUES (?1, 'migrated', {NOW})"), [file.name()])?;
                    bind_identity(&tx, &identity, tx.last_insert_rowid())?;
                    let note = format!("migrated from file-name key `{}`", mount.legacy_stem);
                    record(&tx, actor, "migrated", Some(mount.route), None, &identity, None, &file, &note)?;
                    file
                }
            };
            files.push(file);
        }
        let mut at_route: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for mount in mounts {
            at_route.entry(mount.route).or_default().insert(mount.identity.to_string());
        }
        for (route, identities) in at_route {
            set_route(&tx, route, &identities)?;
        }
        tx.commit().context("committing the plugin registry")?;
        Ok(files)
    }

    /// Settles the route `route`, now mounting `identity`, with the data of the component that ran
    /// there before: `identity` opens that database from now on ([`AdoptMode::Keep`]), or a new,
    /// empty one ([`AdoptMode::Fresh`]). The earlier component keeps its binding either way, so
    /// mounting it again finds its data. Nothing is deleted. Recorded in the audit as done by
    /// `actor`; the admin API calls this too.
    pub fn adopt(&mut self, route: &str, identity: &PluginIdentity, mode: AdoptMode, actor: &str) -> anyhow::Result<AuditEntry> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let after = identity.to_string();
        let earlier = earlier_with_data(&tx, &self.plugins, route, &after, &HashSet::new())?;
        let (before, data_id, data) = match earlier.as_slice() {
            [] => bail!(
                "route `{route}` has no earlier component that owns data, so there is nothing to adopt: \
                 start the server and {} gets its own database",
                identity.short()
            ),
            [one] => one.clone(),
            many => bail!(
                "route `{route}` ran several components that own data ({}); mount the one whose data to keep, \
                 adopt, and mount the new one then",
                many.iter().map(|(i, _, f)| format!("{i} in {f}")).collect::<Vec<_>>().join(", ")
            ),
        };
        let own = bound(&tx, &after)?;
        let own_note = match &own {
            Some((_, file)) => format!("; {} had {file}, kept on disk", identity.short()),
            None => String::new(),
        };
        let (action, file, note) = match mode {
            AdoptMode::Keep => {
                bind_identity(&tx, &after, data_id)?;
                ("adopt", data.clone(), format!("data of {before} adopted{own_note}"))
            }
            AdoptMode::Fresh => {
                let (id, file) = allocate(&tx, &self.plugins, "fresh")?;
                bind_identity(&tx, &after, id)?;
                ("fresh", file, format!("started empty; {data} kept on disk, still bound to {before}{own_note}"))
            }
        };
        set_route(&tx, route, &BTreeSet::from([after.clone()]))?;
        record(&tx, actor, action, Some(route), Some(&before), &after, Some(&data), &file, &note)?;
        tx.commit().context("committing the plugin registry")?;
        Ok(AuditEntry {
            at: String::new(),
            actor: actor.to_string(),
            action: action.to_string(),
            route: Some(route.to_string()),
            before: Some(before),
            after,
            data_before: Some(data.to_string()),
            data_after: file.to_string(),
            note,
        })
    }

    /// Every identity and the database it opens, by identity.
    pub fn bindings(&self) -> anyhow::Result<Vec<(String, DataFile)>> {
        let mut stmt = self.conn.prepare("SELECT i.identity, d.file FROM identities i JOIN data_sets d ON d.id = i.data ORDER BY i.identity")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|row| {
            let (identity, file) = row?;
            Ok((identity, DataFile::parse(&file)?))
        })
        .collect()
    }

    /// Every route and the identities that last ran there.
    pub fn routes(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare("SELECT route, identity FROM routes ORDER BY route, identity")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The audit, oldest first.
    pub fn audit(&self) -> anyhow::Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, actor, action, route, before, after, data_before, data_after, note FROM audit ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                route: r.get(3)?,
                before: r.get(4)?,
                after: r.get(5)?,
                data_before: r.get(6)?,
                data_after: r.get(7)?,
                note: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The admin's adopt step for the mount at `route` of `config`: names the component the mount
/// loads now and [`Registry::adopt`]s it in the configuration's store. The `plugin adopt` command
/// and the admin API both call this.
pub fn adopt_mount(config: &Config, route: &str, mode: AdoptMode, actor: &str) -> anyhow::Result<AuditEntry> {
    let store = config.store.as_ref().context("the configuration has no [store], so no plugin has private data to adopt")?;
    let route = crate::config::normalize_route(route).map_err(|why| anyhow::anyhow!("bad route `{route}`: {why}"))?;
    let sources: BTreeSet<String> = config.mounts.iter().filter(|m| m.route == route).map(|m| m.plugin.to_string()).collect();
    let mount = match (config.mounts.iter().find(|m| m.route == route), sources.len()) {
        (None, _) => bail!(
            "no mount at route `{route}`; mounted routes: {}",
            config.mounts.iter().map(|m| m.route.as_str()).collect::<Vec<_>>().join(", ")
        ),
        (Some(mount), 1) => mount,
        (Some(_), _) => bail!("route `{route}` mounts different plugins on different listeners; adopt needs one component per route"),
    };
    let identity = PluginIdentity::read(&mount.plugin).with_context(|| format!("mount `{route}`"))?;
    std::fs::create_dir_all(store.dir.join("plugins")).with_context(|| format!("creating {}", store.dir.join("plugins").display()))?;
    Registry::open(&store.dir)?.adopt(&route, &identity, mode, actor)
}

/// What each mount of `config` would open, as the store's registry stands, changing nothing (for
/// `check`): the decisions, in mount order, and the routes that would refuse to start.
/// `identities` are the mounts' identities, in mount order.
pub fn plan_config(config: &Config, identities: &[PluginIdentity]) -> anyhow::Result<(Vec<Decision>, Vec<Conflict>)> {
    let Some(store) = &config.store else { return Ok((Vec::new(), Vec::new())) };
    let stems = legacy_stems(config);
    Registry::open_read_only(&store.dir)?.plan(&mounted(config, identities, &stems))
}

/// [`Registry::bind`] for every mount of `config` (with a `[store]`), in mount order; `identities`
/// are the mounts' identities, in mount order. The server calls this before it serves anything.
pub fn bind_config(config: &Config, identities: &[PluginIdentity], actor: &str) -> anyhow::Result<Vec<DataFile>> {
    let store = config.store.as_ref().context("binding private databases needs a [store]")?;
    let stems = legacy_stems(config);
    Registry::open(&store.dir)?.bind(&mounted(config, identities, &stems), actor)
}

fn legacy_stems(config: &Config) -> Vec<String> {
    config.mounts.iter().map(|m| crate::identity::legacy_stem(&m.plugin)).collect()
}

fn mounted<'a>(config: &'a Config, identities: &'a [PluginIdentity], stems: &'a [String]) -> Vec<Mounted<'a>> {
    assert_eq!(config.mounts.len(), identities.len(), "one identity per mount");
    config.mounts.iter().zip(identities).zip(stems).map(|((m, identity), stem)| Mounted { route: &m.route, identity, legacy_stem: stem }).collect()
}

fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let current = usize::try_from(current).unwrap_or(usize::MAX);
    if current > MIGRATIONS.len() {
        bail!("the plugin registry is at version {current}, newer than this Switchboard knows ({})", MIGRATIONS.len());
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql).with_context(|| format!("applying registry migration {}", i + 1))?;
        tx.pragma_update(None, "user_version", i64::try_from(i + 1)?)?;
        tx.commit()?;
    }
    Ok(())
}

/// The plan for `mounts` as the registry stands (see [`Registry::plan`]).
fn plan(conn: &Connection, plugins: &Path, mounts: &[Mounted<'_>]) -> anyhow::Result<(Vec<Decision>, Vec<Conflict>)> {
    // Databases this configuration keeps using: an earlier component still mounted elsewhere
    // loses nothing when a new one takes its old route.
    let mut in_use = HashSet::new();
    for mount in mounts {
        if let Some((id, _)) = bound(conn, &mount.identity.to_string())? {
            in_use.insert(id);
        }
    }
    let mut decided: BTreeMap<String, Decision> = BTreeMap::new();
    let mut claimed = HashSet::new();
    let (mut decisions, mut conflicts) = (Vec::new(), Vec::new());
    for mount in mounts {
        let identity = mount.identity.to_string();
        if let Some((_, file)) = bound(conn, &identity)? {
            decisions.push(Decision::Bound(file));
            continue;
        }
        let earlier = earlier_with_data(conn, plugins, mount.route, &identity, &in_use)?;
        for (previous, _, data) in earlier {
            conflicts.push(Conflict { route: mount.route.to_string(), previous, current: identity.clone(), data });
        }
        let decision = match decided.get(&identity) {
            Some(decision) => decision.clone(),
            None => {
                let legacy = DataFile::legacy(mount.legacy_stem).filter(|file| !claimed.contains(file));
                let decision = match legacy {
                    Some(file) if plugins.join(file.name()).is_file() && !registered(conn, &file)? => {
                        claimed.insert(file.clone());
                        Decision::Migrated(file)
                    }
                    _ => Decision::New,
                };
                decided.insert(identity, decision.clone());
                decision
            }
        };
        decisions.push(decision);
    }
    Ok((decisions, conflicts))
}

/// The database `identity` is bound to.
fn bound(conn: &Connection, identity: &str) -> anyhow::Result<Option<(i64, DataFile)>> {
    let row: Option<(i64, String)> = conn
        .query_row("SELECT d.id, d.file FROM identities i JOIN data_sets d ON d.id = i.data WHERE i.identity = ?1", [identity], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    row.map(|(id, file)| Ok((id, DataFile::parse(&file).context("the plugin registry holds a file name the host never writes")?)))
        .transpose()
}

fn registered(conn: &Connection, file: &DataFile) -> anyhow::Result<bool> {
    Ok(conn.query_row("SELECT count(*) FROM data_sets WHERE file = ?1", [file.name()], |r| r.get::<_, i64>(0))? > 0)
}

/// The identities other than `identity` that last ran at `route` and own a database with tables
/// in it, that no mount of the configuration keeps using (`in_use`).
fn earlier_with_data(
    conn: &Connection,
    plugins: &Path,
    route: &str,
    identity: &str,
    in_use: &HashSet<i64>,
) -> anyhow::Result<Vec<(String, i64, DataFile)>> {
    let mut stmt = conn.prepare(
        "SELECT r.identity, d.id, d.file FROM routes r JOIN identities i ON i.identity = r.identity \
         JOIN data_sets d ON d.id = i.data WHERE r.route = ?1 AND r.identity <> ?2 ORDER BY r.identity",
    )?;
    let rows: Vec<(String, i64, String)> =
        stmt.query_map(params![route, identity], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    let mut found = Vec::new();
    for (previous, id, file) in rows {
        let file = DataFile::parse(&file).context("the plugin registry holds a file name the host never writes")?;
        if !in_use.contains(&id) && holds_data(&plugins.join(file.name())) {
            found.push((previous, id, file));
        }
    }
    Ok(found)
}

/// Whether a private database exists and has a table, view or index in it. A file that cannot be
/// read counts as data: the safe answer is the one that stops a silent empty start.
fn holds_data(path: &Path) -> bool {
    if !path.exists() {
        return false;
    }
    let count = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .and_then(|conn| conn.query_row("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", [], |r| r.get::<_, i64>(0)));
    count.map_or(true, |n| n > 0)
}

/// A new, empty database: the next number, never one the registry handed out before. A file by
/// that name already on disk means the registry was replaced by an older copy; the host stops
/// rather than hand a stranger's data to a new identity.
fn allocate(conn: &Connection, plugins: &Path, origin: &str) -> anyhow::Result<(i64, DataFile)> {
    let id: i64 = conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM data_sets", [], |r| r.get(0))?;
    let file = DataFile::numbered(id);
    let path = plugins.join(file.name());
    if path.exists() {
        bail!(
            "{} exists but the plugin registry ({FILE}) does not list it: was the registry replaced or restored from an older copy? \
             Move the file aside (or restore the matching registry) and start again",
            path.display()
        );
    }
    conn.execute(&format!("INSERT INTO data_sets (id, file, origin, created) VALUES (?1, ?2, ?3, {NOW})"), params![id, file.name(), origin])?;
    Ok((id, file))
}

fn bind_identity(conn: &Connection, identity: &str, data: i64) -> anyhow::Result<()> {
    conn.execute(
        &format!("INSERT INTO identities (identity, data, bound) VALUES (?1, ?2, {NOW}) ON CONFLICT (identity) DO UPDATE SET data = ?2, bound = {NOW}"),
        params![identity, data],
    )?;
    Ok(())
}

/// Records that `identities` are what runs at `route` now (keeping `since` of those that stay).
fn set_route(conn: &Connection, route: &str, identities: &BTreeSet<String>) -> anyhow::Result<()> {
    let existing: Vec<String> =
        conn.prepare("SELECT identity FROM routes WHERE route = ?1")?.query_map([route], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for gone in existing.iter().filter(|i| !identities.contains(*i)) {
        conn.execute("DELETE FROM routes WHERE route = ?1 AND identity = ?2", params![route, gone])?;
    }
    for identity in identities {
        conn.execute(&format!("INSERT OR IGNORE INTO routes (route, identity, since) VALUES (?1, ?2, {NOW})"), params![route, identity])?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn record(
    conn: &Connection,
    actor: &str,
    action: &str,
    route: Option<&str>,
    before: Option<&str>,
    after: &str,
    data_before: Option<&DataFile>,
    data_after: &DataFile,
    note: &str,
) -> anyhow::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO audit (at, actor, action, route, before, after, data_before, data_after, note) \
             VALUES ({NOW}, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ),
        params![actor, action, route, before, after, data_before.map(|f| f.to_string()), data_after.to_string(), note],
    )?;
    Ok(())
}

/// The operating-system user running this process, for the audit: `os:<name> (uid <n>)`. The uid
/// is the kernel's; the name is looked up in `/etc/passwd` (else `$USER`), for the reader.
pub fn os_actor() -> String {
    let uid = rustix::process::getuid().as_raw();
    let from_passwd = std::fs::read_to_string("/etc/passwd").ok().and_then(|passwd| {
        passwd.lines().find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            (fields.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_string())
        })
    });
    let name = from_passwd.or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "?".into());
    format!("os:{name} (uid {uid})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_names_have_two_shapes_and_nothing_else() {
        for good in ["data.1.sqlite", "data.42.sqlite", "store_probe.sqlite", "a-b.sqlite", "data.sqlite"] {
            assert_eq!(DataFile::parse(good).unwrap().name(), good);
        }
        for hostile in [
            "../pbx.sqlite", "data.1.sqlite/..", "a/b.sqlite", "/etc/passwd", "..sqlite", ".sqlite", "a.b.sqlite", "data.01.sqlite",
            "data..sqlite", "data.-1.sqlite", "x\0.sqlite", "data.1.sqlite\0", "registry.sqlite/x", "pbx", "", "data.1.db",
        ] {
            assert!(DataFile::parse(hostile).is_err(), "{hostile:?} accepted");
        }
        // A numbered name is never a legacy stem's and the reverse: stems have no `.`.
        assert!(DataFile::legacy("data.1").is_none());
        assert!(DataFile::legacy("..").is_none());
        assert!(DataFile::legacy("a/b").is_none());
    }

    #[test]
    fn a_tampered_registry_row_never_becomes_a_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("plugins")).unwrap();
        let mut registry = Registry::open(dir.path()).unwrap();
        let id = PluginIdentity::Builtin("hello".into());
        registry
            .conn
            .execute_batch(&format!(
                "INSERT INTO data_sets (id, file, origin, created) VALUES (1, '../pbx.sqlite', 'new', '');
                 INSERT INTO identities (identity, data, bound) VALUES ('{id}', 1, '');"
            ))
            .unwrap();
        let err = registry.bind(&[Mounted { route: "/x", identity: &id, legacy_stem: "hello" }], "test").unwrap_err();
        assert!(format!("{err:#}").contains("never writes"), "{err:#}");
    }
}
