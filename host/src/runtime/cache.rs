//! On-disk cache of compiled components.
//!
//! Cranelift takes 40–120 ms per plugin; loading a precompiled artifact takes 0.2–0.4 ms. Entries are keyed by the SHA-256 of the component bytes and
//! the engine's compatibility hash (wasmtime version and every codegen setting), so a new wasmtime or
//! a changed engine config never loads a stale artifact. Files are written to a temporary name and
//! renamed, so a crash never leaves a half-written entry, and only files this cache wrote are ever
//! deserialised.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// A directory of `<key>.cwasm` files.
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
}

/// Hashes the engine's compatibility hash into SHA-256 (it only offers `Hash`).
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        unreachable!("only `write` is used; the digest is read with `finalize`")
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl CompileCache {
    /// Uses (and creates) `dir`.
    pub fn new(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the compile cache {}", dir.display()))?;
        Ok(CompileCache { dir: dir.to_path_buf() })
    }

    /// Compiles `wasm`, whose SHA-256 is `digest`, or loads the artifact an earlier run compiled
    /// for this engine.
    pub fn load_or_compile(&self, engine: &Engine, wasm: &[u8], digest: &[u8; 32]) -> anyhow::Result<Component> {
        let path = self.dir.join(format!("{}.cwasm", key(engine, digest)));
        if path.is_file() {
            // SAFETY: the file was written by `store` below from `Engine::precompile_component`
            // output under a key that includes the engine's compatibility hash, in a directory the
            // admin configured for this purpose.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok(component),
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "discarding unusable cache entry"),
            }
        }
        let artifact = engine.precompile_component(wasm).map_err(anyhow::Error::from).context("compiling the component")?;
        self.store(&path, &artifact);
        // SAFETY: `artifact` was produced by `precompile_component` on this very engine just now.
        unsafe { Component::deserialize(engine, &artifact) }.map_err(anyhow::Error::from).context("loading the compiled component")
    }

    /// Best effort: a cache that cannot be written only costs compile time on the next start.
    fn store(&self, path: &Path, artifact: &[u8]) {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let result = std::fs::write(&tmp, artifact).and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!(path = %path.display(), error = %e, "could not write the compile cache");
        }
    }
}

fn key(engine: &Engine, digest: &[u8; 32]) -> String {
    let mut hasher = ShaHasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.0.update(digest);
    hasher.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
