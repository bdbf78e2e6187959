//! Job images at `/files/{job_id}/{index}.{png|jpg|webp}`, and reading input images.
//!
//! Images exist only once their job is COMPLETED; they are rendered and encoded on first request
//! and the bytes cached in memory, by what they look like: jobs with the same prompt and
//! settings share one rendering, and requests that arrive while it is drawn wait for it instead
//! of drawing it again (a burst of 200 jobs must not keep every core busy drawing).
//!
//! Input images are either this emulator's own `/files/…` URLs (on 127.0.0.1 or localhost) or
//! `data:image/…;base64,` URLs; anything else cannot be downloaded here, which fails the job.
//! Faults never apply to these routes.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use bytes::Bytes;
use image::RgbaImage;
use tokio::sync::OnceCell;

use crate::images::{self, Format, Scene};
use crate::jobs::{Artwork, Background, Job, Phase};
use crate::{Shared, lock};

/// Absolute URL of image `index` of a job, for a client that reached us at `host`.
pub fn file_url(host: &str, job_id: &str, index: u32, format: Format) -> String {
    format!(
        "http://{host}/files/{job_id}/{index}.{}",
        format.extension()
    )
}

/// What one encoded image depends on, so equal images are drawn once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImageKey {
    /// Drawn from the prompt alone: the same for every job with these settings.
    Scene {
        prompt: String,
        index: u32,
        size: (u32, u32),
        transparent: bool,
        format: Format,
    },
    /// Drawn over the job's own input image.
    Edit {
        job_id: String,
        index: u32,
        format: Format,
    },
}

/// Encoded images, each filled once by whichever request asks for it first.
pub type ImageCache = std::collections::HashMap<ImageKey, Arc<OnceCell<Bytes>>>;

/// The scene of image `index` of job `job_id` at full size, and its cache key.
fn scene<'a>(art: &'a Artwork, job_id: &str, index: u32, format: Format) -> (Scene<'a>, ImageKey) {
    let (width, height) = art.aspect.dimensions();
    let scene = Scene {
        prompt: &art.prompt,
        index,
        width,
        height,
        transparent: art.background == Background::Transparent && format.has_alpha(),
        input: art.inputs.first().map(Arc::as_ref),
        high_fidelity: art.high_fidelity,
    };
    let key = match scene.input {
        Some(_) => ImageKey::Edit {
            job_id: job_id.to_owned(),
            index,
            format,
        },
        None => ImageKey::Scene {
            prompt: scene.prompt.to_owned(),
            index,
            size: (width, height),
            transparent: scene.transparent,
            format,
        },
    };
    (scene, key)
}

/// A completed job and a valid image index, from a `{index}.{ext}` file name.
fn completed_image(state: &Shared, job_id: &str, file: &str) -> Option<(Job, u32, Format)> {
    let (index, ext) = file.split_once('.')?;
    let index: u32 = index.parse().ok()?;
    let format = Format::from_extension(ext)?;
    let jobs = lock(&state.jobs);
    let job = jobs.get(job_id)?;
    let (phase, _) = job.state_at(Instant::now());
    (phase == Phase::Completed && index < job.artwork.count).then(|| (job.clone(), index, format))
}

/// `GET /files/{job_id}/{file}`: the encoded image, or 404 before the job completes.
pub async fn serve(
    State(state): State<Shared>,
    Path((job_id, file)): Path<(String, String)>,
) -> Response {
    let Some((job, index, format)) = completed_image(&state, &job_id, &file) else {
        return (StatusCode::NOT_FOUND, "no such image (yet)").into_response();
    };
    let key = scene(&job.artwork, &job_id, index, format).1;
    let cell = lock(&state.images).entry(key).or_default().clone();
    let encoded = cell
        .get_or_try_init(|| async move {
            tokio::task::spawn_blocking(move || {
                let (scene, _) = scene(&job.artwork, &job_id, index, format);
                images::encode(images::render(&scene), format).map(Bytes::from)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
        })
        .await;
    let bytes = match encoded {
        Ok(bytes) => bytes.clone(),
        Err(error) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("encoding failed: {error}"),
            )
                .into_response();
        }
    };
    (
        [
            (header::CONTENT_TYPE, format.content_type()),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

/// Shortens a data URL for an error message.
fn shown(url: &str) -> String {
    if url.len() > 64 {
        let cut = (0..=48)
            .rev()
            .find(|&i| url.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}…", &url[..cut])
    } else {
        url.to_string()
    }
}

/// `(job id, file name)` if `url` is one of this emulator's own image URLs.
fn own_file(url: &str) -> Option<(&str, &str)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let (authority, path) = rest.split_once('/')?;
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut parts = path.strip_prefix("files/")?.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(job), Some(file), None) => Some((job, file)),
        _ => None,
    }
}

/// Reads one input image, or says why the job must fail.
fn read_input(state: &Shared, url: &str) -> Result<RgbaImage, String> {
    let undecodable = || format!("input image could not be decoded: {}", shown(url));
    if let Some(rest) = url.strip_prefix("data:") {
        let (meta, data) = rest.split_once(',').ok_or_else(undecodable)?;
        if !meta.ends_with(";base64") {
            return Err(undecodable());
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| undecodable())?;
        return images::decode(&bytes).map_err(|_| undecodable());
    }
    let unreachable = || format!("input image could not be downloaded: {url}");
    let (job_id, file) = own_file(url).ok_or_else(unreachable)?;
    let (job, index, format) = completed_image(state, job_id, file).ok_or_else(unreachable)?;
    Ok(images::render(
        &scene(&job.artwork, job_id, index, format).0,
    ))
}

/// Reads every input image (rendering our own images as needed, off the async threads).
pub async fn read_inputs(state: &Shared, urls: &[String]) -> Result<Vec<Arc<RgbaImage>>, String> {
    if urls.is_empty() {
        return Ok(Vec::new());
    }
    let state = state.clone();
    let urls = urls.to_vec();
    tokio::task::spawn_blocking(move || {
        urls.iter()
            .map(|url| read_input(&state, url).map(Arc::new))
            .collect()
    })
    .await
    .unwrap_or_else(|_| Err("input image could not be read".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::Aspect;

    fn artwork(prompt: &str) -> Artwork {
        Artwork {
            prompt: prompt.to_owned(),
            aspect: Aspect::Square,
            background: Background::Auto,
            count: 2,
            format: Format::Png,
            high_fidelity: false,
            inputs: Vec::new(),
        }
    }

    #[test]
    fn jobs_that_look_alike_share_one_rendering_and_edits_keep_their_own() {
        let key =
            |art: &Artwork, job: &str, index: u32, format: Format| scene(art, job, index, format).1;
        let cat = artwork("a cat");
        let wide = Artwork {
            aspect: Aspect::Landscape,
            ..artwork("a cat")
        };
        let clear = Artwork {
            background: Background::Transparent,
            ..artwork("a cat")
        };
        let edit = Artwork {
            inputs: vec![Arc::new(RgbaImage::new(4, 4))],
            ..artwork("a cat")
        };
        let one = key(&cat, "job-1", 0, Format::Png);
        assert_eq!(one, key(&artwork("a cat"), "job-2", 0, Format::Png));
        for (other, why) in [
            (key(&cat, "job-1", 1, Format::Png), "another index"),
            (key(&cat, "job-1", 0, Format::Webp), "another format"),
            (
                key(&artwork("a dog"), "job-1", 0, Format::Png),
                "another prompt",
            ),
            (key(&wide, "job-1", 0, Format::Png), "another size"),
            (
                key(&clear, "job-1", 0, Format::Png),
                "a transparent background",
            ),
        ] {
            assert_ne!(one, other, "{why}");
        }
        // JPEG has no alpha: a transparent background draws the same picture.
        assert_eq!(
            key(&cat, "job-1", 0, Format::Jpeg),
            key(&clear, "job-2", 0, Format::Jpeg)
        );
        assert_ne!(
            key(&edit, "job-1", 0, Format::Png),
            key(&edit, "job-2", 0, Format::Png),
            "an edit draws over its own input"
        );
    }

    #[test]
    fn recognises_own_files() {
        assert_eq!(
            own_file("http://127.0.0.1:8787/files/abc/0.png"),
            Some(("abc", "0.png"))
        );
        assert_eq!(
            own_file("http://localhost/files/abc/1.webp?x=1"),
            Some(("abc", "1.webp"))
        );
        assert_eq!(own_file("https://example.com/files/abc/0.png"), None);
        assert_eq!(own_file("http://127.0.0.1:8787/other/abc/0.png"), None);
        assert_eq!(own_file("http://127.0.0.1:8787/files/abc/0/x.png"), None);
    }

    #[test]
    fn shortens_long_data_urls() {
        let long = format!("data:image/png;base64,{}", "A".repeat(500));
        assert!(shown(&long).len() < 60);
        assert_eq!(shown("https://x/y.png"), "https://x/y.png");
    }
}
