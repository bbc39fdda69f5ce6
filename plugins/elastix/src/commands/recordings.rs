//! `getwavfile&name=/YYYY/MM/DD/file.wav`: a recording from the `recordings` area, streamed.

use switchboard_sdk::prelude::*;

const NOT_FOUND: &str = r#"{"status": "File not found", "code": 404}"#;

fn not_found() -> Response {
    Response::bytes("application/json", NOT_FOUND).with_status(404)
}

/// The path inside the plugin's filesystem for `name`, or `None` when it could leave the area.
/// (The host also confines every path to the area, symlinks included; this refuses early.)
pub fn area_path(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.is_empty() || parts.iter().any(|p| *p == ".." || p.contains('\\') || p.contains('\0')) {
        return None;
    }
    Some(format!("/recordings/{}", parts.join("/")))
}

/// The file, or the original's 404; a mount without the `recordings` area (not granted
/// `files.recordings`, so `/recordings` is not in the plugin's filesystem) is 403
/// `files_not_granted` instead, so the admin is not told every recording is missing.
pub fn getwavfile(req: &Request) -> Result<Response, Error> {
    if !std::path::Path::new("/recordings").is_dir() {
        return Err(Error::new(403, "files_not_granted", "the `recordings` file area is not granted to this mount (files.recordings)"));
    }
    Ok(wav(req))
}

fn wav(req: &Request) -> Response {
    let query = req.query();
    let Some(path) = query.get("name").and_then(area_path) else { return not_found() };
    let basename = path.rsplit('/').next().unwrap_or_default().replace('"', "");
    match Response::file(&path, "application/octet-stream") {
        Ok(response) => response.header("content-disposition", format!("attachment; filename=\"{basename}\"")),
        Err(_) => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_in_the_area() {
        assert_eq!(area_path("/2024/05/01/a.wav").as_deref(), Some("/recordings/2024/05/01/a.wav"));
        assert_eq!(area_path("a.wav").as_deref(), Some("/recordings/a.wav"));
        assert_eq!(area_path("/../etc/passwd"), None);
        assert_eq!(area_path("2024/../../x"), None);
        assert_eq!(area_path("/"), None);
    }
}
