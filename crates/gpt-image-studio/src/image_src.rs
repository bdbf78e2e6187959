//! The allow-list for image sources: only `http(s)`, `blob:` and `data:image/…` URLs may be
//! bound to an `<img src>`. Anything else (`javascript:`, `data:text/html`, relative paths from
//! a hostile reply) is refused before it reaches the DOM.

/// `src` when it is safe to show as an image, else `None`.
pub fn safe_image_src(src: &str) -> Option<&str> {
    let trimmed = src.trim();
    if trimmed.len() != src.len() || src.chars().any(char::is_control) {
        return None;
    }
    let lower = src.get(..src.len().min(16))?.to_ascii_lowercase();
    let ok = if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        !rest.is_empty() && !rest.starts_with('/') && !src.contains(char::is_whitespace)
    } else if lower.starts_with("blob:") {
        lower.starts_with("blob:http://") || lower.starts_with("blob:https://")
    } else if lower.starts_with("data:image/") {
        // SVG can carry markup; the providers only ever return raster images.
        !lower.starts_with("data:image/svg") && src.contains(',')
    } else {
        false
    };
    ok.then_some(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_web_blob_and_raster_data_urls() {
        for ok in [
            "https://cdn.example/a.png",
            "http://127.0.0.1:8787/files/j/0.png",
            "blob:http://127.0.0.1:8787/3f1c",
            "data:image/png;base64,iVBORw0KGgo=",
            "HTTPS://CDN.EXAMPLE/A.PNG",
        ] {
            assert_eq!(safe_image_src(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "/files/x.png",
            "//evil.example/x.png",
            "https://",
            "https:///x",
            " https://a.example/x.png",
            "https://a.example/x\n.png",
            "blob:null/1234",
            "ftp://a/b.png",
            "",
            "é",
        ] {
            assert_eq!(safe_image_src(bad), None, "{bad:?}");
        }
    }
}
