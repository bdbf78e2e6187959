//! Static files (a built single-page app) under `--static-prefix`, and the studio config.
//!
//! This is the router's fallback, so API routes always take precedence. `{prefix}` serves
//! `index.html`; a path with no file extension that matches no file also serves `index.html`
//! (client-side routing); `..` is refused. `{prefix}studio-config.json` serves the
//! `--studio-config` text verbatim when given. Faults never apply here.

use std::path::{Path, PathBuf};

use axum::extract::State;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::Shared;

/// `Content-Type` for a file name, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The file under `dir` for a request path relative to the prefix, refusing `..` and absolute parts.
pub fn file_for(dir: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    for part in relative.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part == "." || part.contains('\\') {
            return None;
        }
        path.push(part);
    }
    if relative.is_empty() || relative.ends_with('/') {
        path.push("index.html");
    }
    Some(path)
}

fn not_found(method: &Method, uri: &Uri) -> Response {
    let message = format!("no route for {method} {}", uri.path());
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": {"code": "not_found", "message": message}})),
    )
        .into_response()
}

/// Fallback handler: studio config, static files, or a JSON 404.
pub async fn serve(State(state): State<Shared>, method: Method, uri: Uri) -> Response {
    let prefix = state.config.static_prefix.as_str();
    let Some(relative) = uri.path().strip_prefix(prefix).or_else(|| {
        // The prefix without its trailing slash (e.g. `/studio`) also reaches index.html.
        (uri.path() == prefix.trim_end_matches('/')).then_some("")
    }) else {
        return not_found(&method, &uri);
    };
    if method != Method::GET && method != Method::HEAD {
        return not_found(&method, &uri);
    }
    if relative == "studio-config.json"
        && let Some(config) = &state.config.studio_config
    {
        return (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            config.clone(),
        )
            .into_response();
    }
    let Some(dir) = &state.config.static_dir else {
        return not_found(&method, &uri);
    };
    let Some(path) = file_for(dir, relative) else {
        return not_found(&method, &uri);
    };
    let (path, bytes) = match tokio::fs::read(&path).await {
        Ok(bytes) => (path, bytes),
        Err(_) => {
            let last = relative.rsplit('/').next().unwrap_or("");
            if last.contains('.') {
                return not_found(&method, &uri);
            }
            let index = dir.join("index.html");
            match tokio::fs::read(&index).await {
                Ok(bytes) => (index, bytes),
                Err(_) => return not_found(&method, &uri),
            }
        }
    };
    (
        [
            (header::CONTENT_TYPE, content_type(&path)),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(content_type(Path::new("app_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("a/b.JS")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x.svg")), "image/svg+xml");
    }

    #[test]
    fn paths() {
        let dir = Path::new("/srv");
        assert_eq!(file_for(dir, ""), Some(PathBuf::from("/srv/index.html")));
        assert_eq!(
            file_for(dir, "pkg/app.js"),
            Some(PathBuf::from("/srv/pkg/app.js"))
        );
        assert_eq!(file_for(dir, "../etc/passwd"), None);
        assert_eq!(
            file_for(dir, "sub/"),
            Some(PathBuf::from("/srv/sub/index.html"))
        );
    }
}
