//! The same small route in Rust, JavaScript and Python, side by side in one run: the mount's
//! `greeting` setting answered as text — `examples/hello` (Rust, built in) at `GET /rust/`,
//! `examples/hello-js` (ComponentizeJS) at `GET /js/`, `examples/hello-py` (componentize-py) at
//! `GET /py/` — each driven by the same closed-loop load generator (keep-alive HTTP/1.1
//! connections, the next request as soon as the answer arrived), rounds alternating. Prints
//! requests/s, p50/p99 and each language's ratio to Rust.
//!
//! The JavaScript and Python components are built first, the way their READMEs say (`npm ci` and
//! `node build.mjs`; a venv, `pip install -r requirements.txt`, `componentize-py … componentize`),
//! in a temporary directory; `--js FILE` / `--py FILE` use components built already.
//!
//! Every mount gets the same `limits.reuse` (`--reuse N`, default 1000: instances kept between
//! requests, as built-in plugins are; `--reuse 1`: a fresh instance per request, a plugin file's
//! default), so the languages are compared like for like.
//!
//! `cargo bench --bench languages -- [--connections 32] [--seconds 5] [--rounds 3] [--reuse 1000] [--js FILE] [--py FILE]`

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Figures, Target, load, median, print};

const GREETING: &str = "Hello from a setting";

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2).find(|w| w[0] == name).map(|w| w[1].clone())
}

fn run(command: &mut Command) {
    let status = command.status().unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed ({status})");
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn copy(example: &str, files: &[&str], dir: &Path) {
    for file in files {
        std::fs::copy(repository().join("examples").join(example).join(file), dir.join(file)).unwrap();
    }
}

/// `examples/hello-js` built in `dir`.
fn build_js(dir: &Path) -> PathBuf {
    copy("hello-js", &["package.json", "package-lock.json", "app.js", "build.mjs"], dir);
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--silent"]).current_dir(dir));
    let wasm = dir.join("hello-js.wasm");
    run(Command::new("node").arg("build.mjs").arg(repository().join("wit")).arg(&wasm).current_dir(dir));
    wasm
}

/// `examples/hello-py` built in `dir`.
fn build_py(dir: &Path) -> PathBuf {
    copy("hello-py", &["requirements.txt", "app.py"], dir);
    run(Command::new("python3").args(["-m", "venv", "venv"]).current_dir(dir));
    run(Command::new(dir.join("venv/bin/pip")).args(["install", "-q", "-r", "requirements.txt"]).current_dir(dir));
    let wasm = dir.join("hello-py.wasm");
    run(Command::new(dir.join("venv/bin/componentize-py"))
        .arg("-d")
        .arg(repository().join("wit"))
        .args(["-w", "plugin", "componentize", "app", "-o"])
        .arg(&wasm)
        .current_dir(dir));
    wasm
}

fn main() {
    let options = common::options(&[32]);
    let connections = options.connections[0];
    let built = tempfile::tempdir().unwrap();
    let js = arg("--js").map(PathBuf::from).unwrap_or_else(|| {
        let dir = built.path().join("js");
        std::fs::create_dir_all(&dir).unwrap();
        build_js(&dir)
    });
    let py = arg("--py").map(PathBuf::from).unwrap_or_else(|| {
        let dir = built.path().join("py");
        std::fs::create_dir_all(&dir).unwrap();
        build_py(&dir)
    });
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let reuse: u32 = arg("--reuse").map_or(1000, |n| n.parse().expect("--reuse takes a number of requests"));
    let mount = |route: &str, plugin: &str| {
        format!("[[mount]]\nroute = {route:?}\nplugin = {plugin:?}\nsettings = {{ greeting = {GREETING:?} }}\nlimits = {{ max_concurrent = 256, reuse = {reuse} }}\n")
    };
    let config = [mount("/rust", "hello"), mount("/js", &js.display().to_string()), mount("/py", &py.display().to_string())].concat();
    let (_server, addr) = servers.block_on(common::start_host(&config));
    // Rust's `hello` answers the setting as it is; the other two add a line break.
    let check: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body.trim_ascii_end() == GREETING.as_bytes();
    let targets = [("Rust", Target::get(addr, "/rust/", check)), ("JavaScript", Target::get(addr, "/js/", check)), ("Python", Target::get(addr, "/py/", check))];
    common::announce(&format!("one setting answered as text, Rust vs JavaScript vs Python plugins, reuse = {reuse}, {connections} connections"), &options, "");
    for (_, target) in &targets {
        load(target, connections, Duration::from_secs(1));
    }
    let mut figures: Vec<Vec<Figures>> = vec![Vec::new(); targets.len()];
    let duration = Duration::from_secs(options.seconds);
    for round in 1..=options.rounds {
        println!("round {round}");
        for (i, (label, target)) in targets.iter().enumerate() {
            let f = load(target, connections, duration);
            print(label, &f);
            figures[i].push(f);
        }
    }
    println!("median of {} rounds", options.rounds);
    let medians: Vec<Figures> = figures.iter().map(|f| median(f)).collect();
    for ((label, _), f) in targets.iter().zip(&medians) {
        print(label, f);
    }
    for (i, (label, _)) in targets.iter().enumerate().skip(1) {
        println!(
            "  {label}/Rust: throughput {:.2}x, p99 {:.2}x",
            medians[i].rps / medians[0].rps,
            medians[i].p99_us as f64 / medians[0].p99_us.max(1) as f64
        );
    }
}
