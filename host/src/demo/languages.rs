//! The demo's JavaScript and Python plugins: `examples/hello-js` and `examples/hello-py`, as
//! `switchboard new --lang js|python` writes them (the binary carries their sources, lockfiles and
//! the WIT), built with their pinned toolchains and mounted on `/hello-js` and `/hello-py`.
//!
//! Why not at build time: building needs Node.js with npm and Python with venv, which building
//! Switchboard does not, and takes a minute or two; `build.rs` would impose both on every build.
//! Why in the background: the rest of the demo should not wait for it. So the demo starts without
//! them, builds each into its cache directory — once: a build is kept under the hash of everything
//! it is built from, and a later start with the same sources mounts it at once — and adds the
//! mount through the live mount table ([`Control::add`]) when it is ready, logging why not when it
//! cannot (a tool missing, with how to install it).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context as _, bail};
use sha2::{Digest, Sha256};

use crate::control::{Control, MountSpec};
use crate::scaffold::{Lang, Project};

/// One of the demo's plugins in another language.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The plugin's name and its route (`/<name>`).
    pub name: &'static str,
    /// Which `switchboard new --lang` project it is.
    pub lang: Lang,
    /// What the language is called in the banner and the log.
    pub language: &'static str,
    /// How to get the tools it is built with, for the log when they are missing.
    pub install: &'static str,
}

/// The demo's JavaScript and Python plugins.
pub const EXAMPLES: [Example; 2] = [
    Example { name: "hello-js", lang: Lang::Js, language: "JavaScript", install: "install Node.js 20+ and npm (Debian: apt-get install nodejs npm)" },
    Example { name: "hello-py", lang: Lang::Python, language: "Python", install: "install Python 3 with venv (Debian: apt-get install python3-venv)" },
];

impl Example {
    fn project(&self) -> Project {
        match self.lang {
            Lang::Js => Project::Js,
            _ => Project::Python,
        }
    }

    /// `/<name>`.
    pub fn route(&self) -> String {
        format!("/{}", self.name)
    }

    /// The mount: what its `needs.toml` declares, with `Originate` held to the demo's dialplan
    /// context as click-to-call's is.
    fn mount(&self, wasm: &Path) -> MountSpec {
        let json = serde_json::json!({
            "route": self.route(),
            "plugin": wasm.display().to_string(),
            "listener": "main",
            "settings": { "greeting": format!("Hello from {} in the Switchboard demo", self.language), "context": "from-internal" },
            "grants": { "ami": ["Ping", "Originate Context=from-internal, Application="], "sqlite": { "own": true } },
            // An instance carries its interpreter: a fresh one on a small machine takes seconds.
            "limits": { "timeout_ms": 20000 },
        });
        serde_json::from_value(json).expect("a valid mount spec")
    }
}

/// Where builds are kept: `<cache>/languages`.
pub fn build_root(cache: &Path) -> PathBuf {
    cache.join("languages")
}

/// The banner's lines about them: where they will be mounted, where they are built.
pub fn banner(base: &str, cache: &Path) -> String {
    let mut out = format!("\nJavaScript and Python plugins: building in the background in {} (once; the log says when each is mounted, or why not)\n", build_root(cache).display());
    for example in EXAMPLES {
        let route = example.route();
        out.push_str(&format!("  {route:<16} {base}{route}   ({}, examples/{})\n", example.language, example.name));
        out.push_str(&format!("  {:<16} curl {base}{route}/ping ; curl -X POST {base}{route}/hits ; curl -d from=1001 -d to=1002 {base}{route}/call\n", ""));
    }
    out
}

/// Builds each example (or finds its earlier build) and mounts it; each on its own task, so the
/// faster one is served first. Failures are logged, never fatal: the rest of the demo runs on.
pub fn spawn(control: Control, cache: PathBuf) -> Vec<tokio::task::JoinHandle<()>> {
    EXAMPLES
        .iter()
        .map(|example| {
            let (control, cache, example) = (control.clone(), cache.clone(), *example);
            tokio::spawn(async move {
                let route = example.route();
                let wasm = match built(&example, &build_root(&cache)).await {
                    Ok(wasm) => wasm,
                    Err(e) => {
                        tracing::warn!(route = %route, "the {} example is not mounted: {e:#}", example.language);
                        return;
                    }
                };
                match control.add(example.mount(&wasm), "demo").await {
                    Ok(_) => tracing::info!(route = %route, plugin = %wasm.display(), "the {} example is mounted", example.language),
                    Err(e) => tracing::warn!(route = %route, code = e.code, "the {} example is built but could not be mounted: {}", example.language, e.message),
                }
            })
        })
        .collect()
}

/// The example's component, built in `root/<name>-<hash>/` unless a build of the same sources is
/// there already. A build runs in a directory of its own and is renamed into place when complete,
/// so an interrupted one is never taken for done.
async fn built(example: &Example, root: &Path) -> anyhow::Result<PathBuf> {
    let files = crate::scaffold::render(example.name, &example.project())?;
    let mut hash = Sha256::new();
    for (path, text) in &files {
        hash.update((path.len() as u64).to_le_bytes());
        hash.update(path.as_bytes());
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    }
    let hash: String = hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    let dir = root.join(format!("{}-{hash}", example.name));
    let wasm = dir.join(format!("{}.wasm", example.name));
    if wasm.is_file() {
        tracing::info!(plugin = %wasm.display(), "the {} example was built before, from the same sources", example.language);
        return Ok(wasm);
    }
    let building = root.join(format!("{}-{hash}.building-{}", example.name, std::process::id()));
    if building.exists() {
        std::fs::remove_dir_all(&building).with_context(|| format!("removing the unfinished build {}", building.display()))?;
    }
    crate::scaffold::write(&building, example.name, &example.project())?;
    tracing::info!(dir = %building.display(), "building the {} example", example.language);
    let result = build(example, &building).await;
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&building);
        return Err(e);
    }
    match std::fs::rename(&building, &dir) {
        Ok(()) => {}
        // Another demo finished the same build first: its copy is as good.
        Err(_) if wasm.is_file() => {
            let _ = std::fs::remove_dir_all(&building);
        }
        Err(e) => return Err(e).with_context(|| format!("renaming {} to {}", building.display(), dir.display())),
    }
    Ok(wasm)
}

/// The build commands of the project's README, then its `needs.toml` embedded.
async fn build(example: &Example, dir: &Path) -> anyhow::Result<()> {
    let out = format!("{}.wasm", example.name);
    let steps: Vec<(&str, Vec<&str>)> = match example.lang {
        Lang::Js => vec![("npm", vec!["ci", "--no-audit", "--no-fund"]), ("node", vec!["build.mjs", "wit", &out])],
        _ => vec![
            ("python3", vec!["-m", "venv", "venv"]),
            ("venv/bin/pip", vec!["install", "-q", "-r", "requirements.txt"]),
            ("venv/bin/componentize-py", vec!["-d", "wit", "-w", "plugin", "componentize", "app", "-o", &out]),
        ],
    };
    for (program, args) in steps {
        run(example, dir, program, &args).await?;
    }
    let wasm = dir.join(&out);
    let bytes = std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let needs = dir.join("needs.toml");
    let text = std::fs::read_to_string(&needs).with_context(|| format!("reading {}", needs.display()))?;
    let declared = crate::needs::embed(&bytes, &text, &wasm)?;
    std::fs::write(&wasm, declared).with_context(|| format!("writing {}", wasm.display()))?;
    Ok(())
}

/// Runs one build step in `dir`; its output is kept for the error. The child is killed when the
/// demo stops mid-build (its task is dropped with the runtime).
async fn run(example: &Example, dir: &Path, program: &str, args: &[&str]) -> anyhow::Result<()> {
    let local = program.contains('/');
    if !local && !on_path(program) {
        bail!("`{program}` is not on the PATH: {}", example.install);
    }
    let output = tokio::process::Command::new(if local { dir.join(program) } else { PathBuf::from(program) })
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("running `{program} {}` in {}: {}", args.join(" "), dir.display(), example.install))?;
    if !output.status.success() {
        let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        let tail: Vec<&str> = said.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
        bail!("`{program} {}` failed ({}) in {}:\n{}", args.join(" "), output.status, dir.display(), tail.join("\n"));
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

