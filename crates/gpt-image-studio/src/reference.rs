//! Local images offered as references (pasted, dropped or picked): which ones a provider can
//! take as they are, which must be refused and why, and which can be scaled down in the
//! browser first, with the user's agreement.
//!
//! Local files travel as `data:` URLs inside the JSON request. Neither provider documents a
//! size limit for them, so the studio keeps each one under [`MAX_BYTES`]: request bodies much
//! over 2 MB are commonly refused (the emulator, built on axum, refuses them too), and GPT
//! Image works at 1536 px at most, so nothing visible is lost by scaling to [`MAX_SIDE`].
//!
//! Pure: the browser reads the file's type, size and pixel size and passes them in.

use gpt_image::Provider;

/// The image types the providers' model takes as references (GPT Image edits: PNG, JPEG, WebP).
pub const ACCEPTED_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// Largest local file sent as a reference, in bytes (1 MiB, about 1.4 MB once encoded).
pub const MAX_BYTES: u64 = 1024 * 1024;

/// Longest side, in pixels, of a reference scaled down to fit.
pub const MAX_SIDE: u32 = 2048;

/// What to do with a local image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Send it as it is.
    Take,
    /// It cannot be used; the sentence says why.
    Refuse(String),
    /// Too big as it is: it can be scaled down in the browser if the user agrees. The
    /// sentence says why and what scaling does.
    Shrink(String),
}

/// `1.4 MB`, `820 KB`: sizes as people read them (integer arithmetic only).
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        let tenths = (bytes + 50_000) / 100_000;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", bytes.div_ceil(1000))
    }
}

fn type_name(mime: &str) -> String {
    match mime.split(';').next().unwrap_or("").trim() {
        "" => "a file of unknown type".into(),
        m => match m.strip_prefix("image/") {
            Some(sub) => format!("a {} image", sub.to_ascii_uppercase()),
            None => format!("not an image ({m})"),
        },
    }
}

/// What to do with the file `name` of type `mime` and `bytes` long, for `provider`.
pub fn check(provider: Provider, name: &str, mime: &str, bytes: u64) -> Verdict {
    let mime_lower = mime.trim().to_ascii_lowercase();
    if !ACCEPTED_TYPES.contains(&mime_lower.as_str()) {
        return Verdict::Refuse(format!(
            "{name} is {}: {} takes PNG, JPEG or WebP references.",
            type_name(&mime_lower),
            provider.name()
        ));
    }
    if bytes > MAX_BYTES {
        return Verdict::Shrink(format!(
            "{name} is {}; a reference can be {} at most. Scale it down in the browser to at most {MAX_SIDE} px and under {}?",
            size_text(bytes),
            size_text(MAX_BYTES),
            size_text(MAX_BYTES)
        ));
    }
    Verdict::Take
}

/// The size to draw a `width`×`height` image at so its longest side is at most `max_side`,
/// keeping its proportions; never larger than it is, never 0.
pub fn fitted(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side || longest == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| {
        ((u64::from(side) * u64::from(max_side) + u64::from(longest) / 2) / u64::from(longest))
            .max(1) as u32
    };
    (scale(width), scale(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pngs_jpegs_and_webps_within_the_limit_are_taken() {
        for mime in ACCEPTED_TYPES {
            assert_eq!(check(Provider::Apiframe, "a", mime, 10_000), Verdict::Take);
        }
        assert_eq!(
            check(Provider::Apiframe, "a", "IMAGE/PNG", 1),
            Verdict::Take
        );
    }

    #[test]
    fn other_types_are_refused_with_the_reason() {
        let Verdict::Refuse(why) = check(Provider::Apiframe, "cat.gif", "image/gif", 10) else {
            panic!("a GIF must be refused");
        };
        assert_eq!(
            why,
            "cat.gif is a GIF image: Apiframe takes PNG, JPEG or WebP references."
        );
        let Verdict::Refuse(why) = check(Provider::ApiInOne, "notes.txt", "text/plain", 10) else {
            panic!("text must be refused");
        };
        assert!(
            why.contains("not an image (text/plain)") && why.contains("API in One"),
            "{why}"
        );
        assert!(matches!(
            check(Provider::Apiframe, "x", "", 10),
            Verdict::Refuse(_)
        ));
        assert!(matches!(
            check(Provider::Apiframe, "x", "image/svg+xml", 10),
            Verdict::Refuse(_)
        ));
    }

    #[test]
    fn big_ones_can_be_scaled_down() {
        let Verdict::Shrink(why) = check(Provider::Apiframe, "photo.jpg", "image/jpeg", 5_200_000)
        else {
            panic!("a 5 MB photo must be offered scaling");
        };
        assert!(
            why.starts_with("photo.jpg is 5.2 MB; a reference can be 1.0 MB at most"),
            "{why}"
        );
        assert_eq!(size_text(820_100), "821 KB");
    }

    #[test]
    fn fitting_keeps_proportions() {
        assert_eq!(fitted(4000, 3000, 2048), (2048, 1536));
        assert_eq!(fitted(3000, 6000, 2048), (1024, 2048));
        assert_eq!(fitted(800, 600, 2048), (800, 600));
        assert_eq!(fitted(10_000, 1, 2048), (2048, 1));
        assert_eq!(fitted(0, 0, 2048), (1, 1));
    }
}
