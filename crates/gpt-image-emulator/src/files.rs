//! Job images at `/files/{job_id}/{index}.{png|jpg|webp}`, and reading input images.
//!
//! Images exist only once their job is COMPLETED; they are rendered and encoded on first request
//! and the bytes cached in memory. Input images are either this emulator's own `/files/…` URLs
//! (on 127.0.0.1 or localhost) or `data:image/…;base64,` URLs; anything else cannot be
//! downloaded here, which fails the job. Faults never apply to these routes.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use bytes::Bytes;
use image::RgbaImage;

use crate::images::{self, Format, Scene};
use crate::jobs::{Background, Job, Phase};
use crate::{Shared, lock};

/// Absolute URL of image `index` of a job, for a client that reached us at `host`.
pub fn file_url(host: &str, job_id: &str, index: u32, format: Format) -> String {
    format!(
        "http://{host}/files/{job_id}/{index}.{}",
        format.extension()
    )
}

/// Draws image `index` of `job` at full size.
fn draw(job: &Job, index: u32, format: Format) -> RgbaImage {
    let (width, height) = job.artwork.aspect.dimensions();
    images::render(&Scene {
        prompt: &job.artwork.prompt,
        index,
        width,
        height,
        transparent: job.artwork.background == Background::Transparent && format.has_alpha(),
        input: job.artwork.inputs.first().map(Arc::as_ref),
        high_fidelity: job.artwork.high_fidelity,
    })
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
    let cache_key = (job_id, index, format);
    let cached = lock(&state.images).get(&cache_key).cloned();
    let bytes = match cached {
        Some(bytes) => bytes,
        None => {
            let encoded = tokio::task::spawn_blocking(move || {
                images::encode(draw(&job, index, format), format)
            })
            .await;
            match encoded {
                Ok(Ok(bytes)) => {
                    let bytes = Bytes::from(bytes);
                    lock(&state.images).insert(cache_key, bytes.clone());
                    bytes
                }
                Ok(Err(error)) => {
                    return (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("encoding failed: {error}"),
                    )
                        .into_response();
                }
                Err(_) => {
                    return (StatusCode::INTERNAL_SERVER_ERROR, "encoding failed").into_response();
                }
            }
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
    Ok(draw(&job, index, format))
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
