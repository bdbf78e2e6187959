//! File names for downloaded images: a slug of the prompt, the image's number and the right
//! extension, e.g. `lighthouse-at-dawn-watercolour-2.png`.

use gpt_image::OutputFormat;

/// Longest slug taken from a prompt, in characters.
const MOST: usize = 48;

/// The download name of image `index` (0-based) of a job made from `prompt`.
pub fn file_name(prompt: &str, index: usize, extension: &str) -> String {
    let ext: String = extension
        .trim_start_matches('.')
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(5)
        .collect::<String>()
        .to_ascii_lowercase();
    let ext = if ext.is_empty() { "png".into() } else { ext };
    format!("{}-{}.{ext}", slug(prompt), index + 1)
}

/// Lower-case ASCII words joined by `-`, cut at a word boundary; `image` when nothing is left.
pub fn slug(prompt: &str) -> String {
    let mut out = String::new();
    for word in prompt
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let extra = usize::from(!out.is_empty()) + word.len();
        if out.len() + extra > MOST {
            if out.is_empty() {
                out.push_str(&word[..MOST]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() { "image".into() } else { out }
}

/// The extension of an image: from its MIME type when known, else the requested format,
/// else the URL's own extension, else `png`.
pub fn extension(mime: Option<&str>, format: Option<OutputFormat>, url: &str) -> &'static str {
    let from_mime =
        mime.and_then(
            |m| match m.split(';').next()?.trim().to_ascii_lowercase().as_str() {
                "image/png" => Some("png"),
                "image/jpeg" | "image/jpg" => Some("jpg"),
                "image/webp" => Some("webp"),
                "image/gif" => Some("gif"),
                _ => None,
            },
        );
    if let Some(ext) = from_mime.or(format.map(OutputFormat::extension)) {
        return ext;
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    match last
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("jpg" | "jpeg") => "jpg",
        Some("webp") => "webp",
        Some("gif") => "gif",
        _ => "png",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_slug_index_extension() {
        assert_eq!(
            file_name("A lighthouse at dawn, watercolour!", 1, "png"),
            "a-lighthouse-at-dawn-watercolour-2.png"
        );
        assert_eq!(file_name("🦊🦊", 0, ".JPG"), "image-1.jpg");
        assert_eq!(file_name("fox", 0, "../../x"), "fox-1.x");
        assert_eq!(file_name("fox", 0, ""), "fox-1.png");
    }

    #[test]
    fn slugs_are_cut_at_word_boundaries() {
        let s = slug(&"word ".repeat(40));
        assert!(s.len() <= MOST && s.ends_with("word"), "{s}");
        assert_eq!(slug(&"x".repeat(100)).len(), MOST);
        assert_eq!(slug("Ünïcode café"), "n-code-caf");
    }

    #[test]
    fn extensions_prefer_what_the_bytes_are() {
        assert_eq!(
            extension(Some("image/webp"), Some(OutputFormat::Png), "x.png"),
            "webp"
        );
        assert_eq!(extension(None, Some(OutputFormat::Jpeg), "x.png"), "jpg");
        assert_eq!(
            extension(None, None, "https://cdn.example/a/b.JPEG?sig=1"),
            "jpg"
        );
        assert_eq!(extension(Some("text/html"), None, "https://x/y"), "png");
    }
}
