//! Deterministic image rendering and encoding.
//!
//! An image is a gradient plus a handful of circles and rectangles whose colours and places come
//! from a SHA-256 of (prompt, image index), so it differs visibly per prompt and per index and
//! never changes between runs. With an input image, the input fills the frame, tinted, under the
//! pattern. Transparent images get a fully transparent margin around the subject.
//! Pure functions: no I/O and no shared state (the cache lives in `lib.rs`).

use std::f32::consts::TAU;
use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageResult, RgbaImage};
use sha2::{Digest, Sha256};

/// Frame shape of a job's images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// `1:1`, 1024×1024.
    Square,
    /// `3:2`, 1536×1024.
    Landscape,
    /// `2:3`, 1024×1536.
    Portrait,
}

impl Aspect {
    /// Parses `1:1`, `3:2` or `2:3`.
    pub fn parse(text: &str) -> Option<Aspect> {
        match text {
            "1:1" => Some(Aspect::Square),
            "3:2" => Some(Aspect::Landscape),
            "2:3" => Some(Aspect::Portrait),
            _ => None,
        }
    }

    /// Width and height in pixels.
    pub fn dimensions(self) -> (u32, u32) {
        match self {
            Aspect::Square => (1024, 1024),
            Aspect::Landscape => (1536, 1024),
            Aspect::Portrait => (1024, 1536),
        }
    }
}

/// Encoded image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// PNG, with alpha.
    Png,
    /// JPEG, always opaque.
    Jpeg,
    /// Lossless WebP, with alpha.
    Webp,
}

impl Format {
    /// Parses an `output_format` value: `png`, `jpeg` or `webp`.
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "png" => Some(Format::Png),
            "jpeg" => Some(Format::Jpeg),
            "webp" => Some(Format::Webp),
            _ => None,
        }
    }

    /// Parses a file extension: `png`, `jpg`, `jpeg` or `webp`.
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "png" => Some(Format::Png),
            "jpg" | "jpeg" => Some(Format::Jpeg),
            "webp" => Some(Format::Webp),
            _ => None,
        }
    }

    /// File extension used in image URLs.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Webp => "webp",
        }
    }

    /// `Content-Type` of the encoded bytes.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    /// Whether the format keeps an alpha channel.
    pub fn has_alpha(self) -> bool {
        !matches!(self, Format::Jpeg)
    }
}

/// Everything one rendered image depends on.
#[derive(Debug, Clone, Copy)]
pub struct Scene<'a> {
    /// The job's prompt.
    pub prompt: &'a str,
    /// Index of the image within the job.
    pub index: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Leave a transparent margin around the subject.
    pub transparent: bool,
    /// Input image to derive from.
    pub input: Option<&'a RgbaImage>,
    /// Keep more of the input (lighter tint and pattern).
    pub high_fidelity: bool,
}

struct Shape {
    round: bool,
    cx: f32,
    cy: f32,
    radius: f32,
    colour: [f32; 3],
}

fn seed_bytes(prompt: &str, index: u32) -> [u8; 64] {
    let mut hasher = Sha256::new();
    hasher.update(prompt.as_bytes());
    hasher.update([0]);
    hasher.update(index.to_le_bytes());
    let first = hasher.finalize();
    let second = Sha256::digest(first);
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(&first);
    bytes[32..].copy_from_slice(&second);
    bytes
}

fn unit(byte: u8) -> f32 {
    f32::from(byte) / 255.0
}

fn rgb(bytes: &[u8]) -> [f32; 3] {
    [
        f32::from(bytes[0]),
        f32::from(bytes[1]),
        f32::from(bytes[2]),
    ]
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// Draws one image.
pub fn render(scene: &Scene<'_>) -> RgbaImage {
    let (w, h) = (scene.width.max(1), scene.height.max(1));
    let seed = seed_bytes(scene.prompt, scene.index);
    let from = rgb(&seed[0..3]);
    let to = rgb(&seed[3..6]);
    let angle = unit(seed[6]) * TAU;
    let (dx, dy) = (angle.cos(), angle.sin());
    let short = w.min(h) as f32;
    let shapes: Vec<Shape> = seed[7..]
        .chunks_exact(8)
        .map(|b| Shape {
            round: b[0] % 2 == 0,
            cx: unit(b[1]) * w as f32,
            cy: unit(b[2]) * h as f32,
            radius: (0.06 + unit(b[3]) * 0.2) * short,
            colour: rgb(&b[4..7]),
        })
        .collect();
    let base = scene.input.map(|input| {
        DynamicImage::ImageRgba8(input.clone())
            .resize_to_fill(w, h, FilterType::Triangle)
            .to_rgba8()
    });
    let (tint, pattern_alpha) = match (base.is_some(), scene.high_fidelity) {
        (false, _) => (0.0, 0.85),
        (true, false) => (0.3, 0.5),
        (true, true) => (0.12, 0.25),
    };
    let margin = if scene.transparent {
        short * 0.08
    } else {
        -1.0
    };
    let half_diag = ((w * w + h * h) as f32).sqrt() / 2.0;
    let mut pixels = vec![0u8; w as usize * h as usize * 4];
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let at = (y as usize * w as usize + x as usize) * 4;
            if fx < margin || fy < margin || fx > w as f32 - margin || fy > h as f32 - margin {
                continue; // transparent margin: stays 0,0,0,0
            }
            let t = (((fx - w as f32 / 2.0) * dx + (fy - h as f32 / 2.0) * dy) / half_diag)
                .mul_add(0.5, 0.5)
                .clamp(0.0, 1.0);
            let gradient = mix(from, to, t);
            let mut colour = match &base {
                Some(base) => {
                    let p = &base.as_raw()[at..at + 3];
                    mix(
                        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])],
                        gradient,
                        tint,
                    )
                }
                None => gradient,
            };
            for shape in &shapes {
                let (ox, oy) = (fx - shape.cx, fy - shape.cy);
                let inside = if shape.round {
                    ox * ox + oy * oy <= shape.radius * shape.radius
                } else {
                    ox.abs() <= shape.radius && oy.abs() <= shape.radius * 0.6
                };
                if inside {
                    colour = mix(colour, shape.colour, pattern_alpha);
                }
            }
            pixels[at] = colour[0] as u8;
            pixels[at + 1] = colour[1] as u8;
            pixels[at + 2] = colour[2] as u8;
            pixels[at + 3] = 255;
        }
    }
    RgbaImage::from_raw(w, h, pixels).unwrap_or_else(|| RgbaImage::new(w, h))
}

/// Encodes an image; JPEG drops the alpha channel.
pub fn encode(image: RgbaImage, format: Format) -> ImageResult<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    let image = DynamicImage::ImageRgba8(image);
    match format {
        Format::Png => image.write_to(&mut out, ImageFormat::Png)?,
        Format::Webp => image.write_to(&mut out, ImageFormat::WebP)?,
        Format::Jpeg => {
            DynamicImage::ImageRgb8(image.to_rgb8()).write_to(&mut out, ImageFormat::Jpeg)?
        }
    }
    Ok(out.into_inner())
}

/// Decodes PNG, JPEG or WebP bytes.
pub fn decode(bytes: &[u8]) -> ImageResult<RgbaImage> {
    Ok(image::load_from_memory(bytes)?.to_rgba8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(prompt: &str, index: u32) -> Scene<'_> {
        Scene {
            prompt,
            index,
            width: 96,
            height: 64,
            transparent: false,
            input: None,
            high_fidelity: false,
        }
    }

    fn difference(a: &RgbaImage, b: &RgbaImage) -> f64 {
        let total: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        total as f64 / a.as_raw().len() as f64
    }

    #[test]
    fn deterministic_and_different_per_prompt_and_index() {
        let a = render(&scene("a red fox", 0));
        assert_eq!(a, render(&scene("a red fox", 0)));
        assert!(difference(&a, &render(&scene("a blue whale", 0))) > 10.0);
        assert!(difference(&a, &render(&scene("a red fox", 1))) > 10.0);
        assert_eq!(a.dimensions(), (96, 64));
    }

    #[test]
    fn transparent_margin_has_alpha() {
        let image = render(&Scene {
            transparent: true,
            ..scene("logo", 0)
        });
        assert_eq!(image.get_pixel(0, 0)[3], 0);
        assert_eq!(image.get_pixel(48, 32)[3], 255);
        let opaque = render(&scene("logo", 0));
        assert!(opaque.pixels().all(|p| p[3] == 255));
    }

    #[test]
    fn input_image_shows_through() {
        let input = RgbaImage::from_pixel(10, 10, image::Rgba([0, 255, 0, 255]));
        let plain = render(&scene("cat", 0));
        let derived = render(&Scene {
            input: Some(&input),
            ..scene("cat", 0)
        });
        // Where no shape covers the pixel, the colour is 70 % input green.
        let greener = derived
            .pixels()
            .zip(plain.pixels())
            .filter(|(d, p)| d[1] > p[1])
            .count();
        assert!(greener > derived.pixels().len() / 2);
    }

    #[test]
    fn encodes_and_decodes_every_format() {
        let image = render(&Scene {
            transparent: true,
            ..scene("round trip", 2)
        });
        for format in [Format::Png, Format::Jpeg, Format::Webp] {
            let bytes = encode(image.clone(), format).expect("encodes");
            let back = decode(&bytes).expect("decodes");
            assert_eq!(back.dimensions(), (96, 64));
            assert_eq!(
                back.get_pixel(0, 0)[3] == 0,
                format.has_alpha(),
                "{format:?}"
            );
        }
    }
}
