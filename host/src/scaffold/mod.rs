//! `switchboard new`: a plugin project of its own, outside this repository — in Rust, a Cargo crate
//! that depends on the SDK, a router whose handlers use a setting, AMI and the plugin's own
//! database, native tests of those handlers against the SDK's test doubles; in JavaScript or
//! Python, `examples/hello-js` or `examples/hello-py` with its pinned toolchain and a copy of the
//! repository's `wit/` (there is no SDK to carry it); each with the `switchboard.toml` that serves it
//! against `switchboard sim`.
//!
//! The JavaScript and Python projects are the examples themselves, embedded from `examples/` at
//! build time rather than kept as second copies: the example is what `other_languages` builds and
//! drives, so what `new` writes is known to work, and a fix to the example reaches new projects.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// Where the project's `switchboard-sdk` dependency comes from.
#[derive(Debug, Clone)]
pub enum SdkSource {
    /// A directory holding the SDK crate.
    Path(PathBuf),
    /// A git repository whose workspace holds the SDK crate.
    Git(String),
}

impl SdkSource {
    /// `text` as a git URL (`https://…`, `ssh://…`, `git@…`, or ending in `.git`) or a directory.
    pub fn parse(text: &str) -> SdkSource {
        let git = ["https://", "http://", "ssh://", "git@", "git://"].iter().any(|p| text.starts_with(p)) || text.ends_with(".git");
        if git { SdkSource::Git(text.to_string()) } else { SdkSource::Path(PathBuf::from(text)) }
    }

    /// The SDK this binary was built with, when its sources are still where they were built.
    pub fn built_with() -> Option<SdkSource> {
        let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
        sdk.join("Cargo.toml").is_file().then(|| SdkSource::Path(sdk.canonicalize().unwrap_or(sdk)))
    }

    /// The dependency's value in the project's Cargo.toml.
    fn dependency(&self) -> anyhow::Result<String> {
        Ok(match self {
            SdkSource::Path(dir) => {
                let dir = dir.canonicalize().with_context(|| format!("the SDK directory {}", dir.display()))?;
                if !dir.join("Cargo.toml").is_file() {
                    bail!("{} holds no Cargo.toml: not the SDK crate", dir.display());
                }
                format!("{{ path = {} }}", toml_string(&dir.display().to_string()))
            }
            SdkSource::Git(url) => format!("{{ git = {} }}", toml_string(url)),
        })
    }
}

/// The language of a new project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// A Cargo crate depending on the SDK.
    #[default]
    Rust,
    /// `examples/hello-js`: ComponentizeJS, pinned by `package-lock.json`.
    Js,
    /// `examples/hello-py`: componentize-py, pinned by `requirements.txt`.
    #[value(alias = "py")]
    Python,
}

/// What a new project is: its language, and for Rust where the SDK comes from.
#[derive(Debug, Clone)]
pub enum Project {
    /// A crate depending on the SDK from this source.
    Rust(SdkSource),
    /// `examples/hello-js` under the project's name, with the WIT.
    Js,
    /// `examples/hello-py` under the project's name, with the WIT.
    Python,
}

mod wit {
    include!(concat!(env!("OUT_DIR"), "/wit_files.rs"));
}

/// The files of a new project named `name`: (relative path, text).
pub fn render(name: &str, project: &Project) -> anyhow::Result<Vec<(String, String)>> {
    check_name(name)?;
    let files = match project {
        Project::Rust(sdk) => {
            let crate_name = name.replace('-', "_");
            let dependency = sdk.dependency()?;
            let fill = |template: &str| template.replace("{{name}}", name).replace("{{crate}}", &crate_name).replace("{{sdk}}", &dependency);
            vec![
                ("Cargo.toml", fill(include_str!("rust/Cargo.toml.tmpl"))),
                ("src/lib.rs", fill(include_str!("rust/lib.rs.tmpl"))),
                ("switchboard.toml", fill(include_str!("rust/switchboard.toml.tmpl"))),
                ("README.md", fill(include_str!("rust/README.md.tmpl"))),
                (".gitignore", fill(include_str!("rust/gitignore.tmpl"))),
            ]
        }
        Project::Js | Project::Python => {
            let (example, language) = if matches!(project, Project::Js) { ("hello-js", "JavaScript") } else { ("hello-py", "Python") };
            // The example's own name (its package name, the `.wasm` its comments mention) becomes
            // the project's.
            let fill = |template: &str| {
                template.replace("switchboard-hello-js", name).replace(example, name).replace("{{name}}", name).replace("{{language}}", language)
            };
            let mut files = match project {
                Project::Js => vec![
                    ("package.json", fill(include_str!("../../../examples/hello-js/package.json"))),
                    ("package-lock.json", fill(include_str!("../../../examples/hello-js/package-lock.json"))),
                    ("build.mjs", fill(include_str!("../../../examples/hello-js/build.mjs"))),
                    ("app.js", fill(include_str!("../../../examples/hello-js/app.js"))),
                    ("needs.toml", fill(include_str!("../../../examples/hello-js/needs.toml"))),
                    ("README.md", fill(include_str!("js/README.md.tmpl"))),
                    (".gitignore", fill(include_str!("js/gitignore.tmpl"))),
                ],
                _ => vec![
                    ("requirements.txt", fill(include_str!("../../../examples/hello-py/requirements.txt"))),
                    ("app.py", fill(include_str!("../../../examples/hello-py/app.py"))),
                    ("needs.toml", fill(include_str!("../../../examples/hello-py/needs.toml"))),
                    ("README.md", fill(include_str!("python/README.md.tmpl"))),
                    (".gitignore", fill(include_str!("python/gitignore.tmpl"))),
                ],
            };
            files.push(("switchboard.toml", fill(include_str!("component.switchboard.toml.tmpl"))));
            let mut files: Vec<(String, String)> = files.into_iter().map(|(path, text)| (path.to_string(), text)).collect();
            files.extend(wit::WIT_FILES.iter().map(|(path, text)| (format!("wit/{path}"), text.to_string())));
            return Ok(files);
        }
    };
    Ok(files.into_iter().map(|(path, text)| (path.to_string(), text)).collect())
}

/// Writes the project into `dir`, which must not exist or be empty; never overwrites a file.
pub fn write(dir: &Path, name: &str, project: &Project) -> anyhow::Result<()> {
    let files = render(name, project)?;
    if dir.exists() && dir.read_dir().with_context(|| format!("reading {}", dir.display()))?.next().is_some() {
        bail!("{} already exists and is not empty; choose another directory with --dir", dir.display());
    }
    for (relative, text) in files {
        let path = dir.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// A plugin name is a Cargo package name that is also a clean route segment: lowercase ASCII
/// letters, digits and single dashes, starting with a letter, at most 40 bytes.
fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        bail!("`{}` is not a plugin name: use lowercase letters, digits and single dashes, starting with a letter (at most 40)", name.escape_debug());
    }
    Ok(())
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_package_names_and_route_segments() {
        for good in ["crm", "crm-notes", "a1"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "Crm", "1crm", "crm-", "a--b", "crm_notes", "../x", "crm;rm", &"a".repeat(41)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_project_names_its_component_with_underscores_and_quotes_the_sdk_source() {
        let files = render("crm-notes", &Project::Rust(SdkSource::Git("https://example.org/sb \"x\".git".into()))).unwrap();
        let config = &files.iter().find(|(p, _)| *p == "switchboard.toml").unwrap().1;
        assert!(config.contains("target/wasm32-wasip2/release/crm_notes.wasm"), "{config}");
        assert!(config.contains("route = \"/crm-notes\""));
        let manifest = &files.iter().find(|(p, _)| *p == "Cargo.toml").unwrap().1;
        let parsed: toml::Table = manifest.parse().unwrap();
        assert_eq!(parsed["dependencies"]["switchboard-sdk"]["git"].as_str(), Some("https://example.org/sb \"x\".git"));
        assert!(files.iter().all(|(_, text)| !text.contains("{{")), "every placeholder is filled");
    }

    #[test]
    fn a_js_or_python_project_is_the_example_named_after_it_with_the_wit() {
        for (project, source) in [(Project::Js, "app.js"), (Project::Python, "app.py")] {
            let files = render("crm-notes", &project).unwrap();
            let file = |path: &str| &files.iter().find(|(p, _)| p == path).unwrap_or_else(|| panic!("{path} in {project:?}")).1;
            assert!(file("switchboard.toml").contains("plugin = \"crm-notes.wasm\""), "{}", file("switchboard.toml"));
            assert!(file("README.md").contains("crm-notes.wasm"));
            assert!(file("needs.toml").contains("Originate"));
            assert!(!file(source).is_empty());
            // The WIT world the project builds against, with the interfaces it imports.
            assert!(file("wit/world.wit").contains("world plugin"));
            assert!(file("wit/deps/http.wit").contains("package wasi:http"));
            for (path, text) in &files {
                assert!(!text.contains("{{") && !text.contains("hello-js") && !text.contains("hello-py"), "{project:?} {path}: names filled");
            }
        }
        let files = render("crm-notes", &Project::Js).unwrap();
        let lock: serde_json::Value = serde_json::from_str(&files.iter().find(|(p, _)| p == "package-lock.json").unwrap().1).unwrap();
        assert_eq!(lock["name"], "crm-notes");
        assert_eq!(lock["packages"][""]["name"], "crm-notes");
        assert_eq!(lock["packages"]["node_modules/@bytecodealliance/componentize-js"]["version"], "0.23.0");
    }
}
