//! A local emulator of two image-generation providers (Apiframe v2 and API in One) for
//! developing and testing clients with no internet and no real API key.
//!
//! [`router`] builds the whole HTTP surface from a [`Config`], so tests can run it in-process;
//! `main.rs` only parses flags and binds 127.0.0.1. This file wires routes, shared state,
//! CORS, request ids and the `/_fault/SPEC/…` base-URL prefix; each concern lives in its module.

mod apiframe;
mod apiinone;
mod auth;
mod errors;
pub mod faults;
mod files;
mod images;
mod injection;
mod jobs;
mod requests;
mod static_files;
mod stats;
pub mod timing;
mod webhooks;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderName, HeaderValue, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{any, get, post};
use serde_json::json;
use tower::ServiceExt;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

pub use faults::FaultSpec;
pub use timing::{Distribution, Progress, ProgressSetting};

/// Default of `--max-concurrent-jobs`: far above what any test of the project runs at once for
/// one key (three), so only a benchmark or a soak meets it.
pub const DEFAULT_MAX_CONCURRENT_JOBS: usize = 10;

/// How the emulator behaves; every field matches a command-line flag.
#[derive(Debug, Clone)]
pub struct Config {
    /// Multiplies every job duration and injected delay (`--time-scale`).
    pub time_scale: f64,
    /// Share of jobs (0..1) that end FAILED (`--fail-rate`).
    pub fail_rate: f64,
    /// Fault spec applied to every request (`--fault`).
    pub fault: Option<FaultSpec>,
    /// Seed for durations and failures (`--seed`).
    pub seed: u64,
    /// Folder of static files to serve (`--static`).
    pub static_dir: Option<PathBuf>,
    /// Path prefix of the static files, starting and ending with `/` (`--static-prefix`).
    pub static_prefix: String,
    /// JSON text served at `{static_prefix}studio-config.json` (`--studio-config`).
    pub studio_config: Option<String>,
    /// Send CORS headers and answer preflights (`--cors on`, the default); `false` answers as a
    /// provider that refuses browsers: no `access-control-*` header on any reply.
    pub cors: bool,
    /// Apiframe jobs one API key may have running at once; a submit beyond gets a 429
    /// (`--max-concurrent-jobs`, reported as `team.maxConcurrentJobs` by `GET /v2/me`).
    pub max_concurrent_jobs: usize,
    /// Durations of Apiframe jobs, before time scaling (`--apiframe-duration`, `--duration`).
    pub apiframe_duration: Distribution,
    /// Durations of API in One tasks, before time scaling (`--apiinone-duration`, `--duration`).
    pub apiinone_duration: Distribution,
    /// How job progress rises (`--progress`).
    pub progress: ProgressSetting,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            time_scale: 1.0,
            fail_rate: 0.0,
            fault: None,
            seed: 0,
            static_dir: None,
            static_prefix: "/".into(),
            studio_config: None,
            cors: true,
            max_concurrent_jobs: DEFAULT_MAX_CONCURRENT_JOBS,
            apiframe_duration: Distribution::apiframe_default(),
            apiinone_duration: Distribution::apiinone_default(),
            progress: ProgressSetting::default(),
        }
    }
}

/// Everything the handlers share; one per server.
struct AppState {
    config: Config,
    jobs: Mutex<jobs::JobStore>,
    stats: Mutex<stats::Stats>,
    faults: Mutex<faults::FaultCounter>,
    images: Mutex<files::ImageCache>,
    rng: Mutex<fastrand::Rng>,
    webhook_client: reqwest::Client,
}

type Shared = Arc<AppState>;

impl AppState {
    /// Draws, from the seeded generator, a new job's duration (from the provider's
    /// distribution, time-scaled), whether it fails (`--fail-rate`) and its progress pattern.
    fn draw_fate(&self, provider: jobs::Provider) -> (Duration, Option<String>, Progress) {
        let distribution = match provider {
            jobs::Provider::Apiframe => &self.config.apiframe_duration,
            jobs::Provider::ApiInOne => &self.config.apiinone_duration,
        };
        let mut rng = lock(&self.rng);
        let duration = distribution.draw(&mut rng);
        let failure = (rng.f64() < self.config.fail_rate)
            .then(|| jobs::FAILURE_REASONS[rng.usize(..jobs::FAILURE_REASONS.len())].to_string());
        let progress = self.config.progress.pick(&mut rng);
        (self.scaled(duration), failure, progress)
    }

    /// `duration` stretched by the time scale, at most a year (so no huge `--time-scale` or
    /// distribution can overflow a clock).
    fn scaled(&self, duration: Duration) -> Duration {
        const YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);
        let scale = self.config.time_scale.max(0.0);
        Duration::try_from_secs_f64(duration.as_secs_f64() * scale).map_or(YEAR, |d| d.min(YEAR))
    }
}

/// The `Host` the client used, for absolute image URLs (`127.0.0.1` if absent).
fn request_host(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ']))
        .unwrap_or("127.0.0.1")
        .to_string()
}

/// Locks a mutex, carrying on if a panicking thread poisoned it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The `x-request-id` of the request being answered (`req_…`).
#[derive(Debug, Clone)]
struct RequestId(String);

/// A fault spec taken from a `/_fault/SPEC/…` path prefix.
#[derive(Debug, Clone)]
struct PathFault(String);

/// Random lowercase letters and digits (not seeded: ids must differ between runs, since
/// browsers cache images by URL).
fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]))
        .collect()
}

/// Gives every request an id (kept when a `/_fault/` prefix forwards it) and every response
/// an `x-request-id` header.
async fn tag_request(mut request: Request, next: Next) -> Response {
    let id = match request.extensions().get::<RequestId>() {
        Some(id) => id.clone(),
        None => RequestId(format!("req_{}", random_token(20))),
    };
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        response
            .headers_mut()
            .entry(HeaderName::from_static("x-request-id"))
            .or_insert(value);
    }
    response
}

/// `/_fault/SPEC/<route>`: answers `<route>` as if the request carried the fault `SPEC`.
async fn forward_with_fault(
    inner: Router,
    Path((spec, rest)): Path<(String, String)>,
    mut request: Request,
) -> Response {
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let Ok(uri) = format!("/{rest}{query}").parse::<Uri>() else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            "bad path after /_fault/SPEC/",
        )
            .into_response();
    };
    // A fresh request: the outer route's path parameters must not reach the inner route.
    let request_id = request.extensions_mut().remove::<RequestId>();
    let (parts, body) = request.into_parts();
    let mut forwarded = Request::new(body);
    *forwarded.method_mut() = parts.method;
    *forwarded.uri_mut() = uri;
    *forwarded.version_mut() = parts.version;
    *forwarded.headers_mut() = parts.headers;
    if let Some(request_id) = request_id {
        forwarded.extensions_mut().insert(request_id);
    }
    forwarded.extensions_mut().insert(PathFault(spec));
    match inner.oneshot(forwarded).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"ok": true}))
}

async fn stats_report(
    State(state): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    Json(lock(&state.stats).report(query.get("key").map(String::as_str)))
}

/// CORS for any origin: preflights for any method and request headers (mirrored, so
/// `Authorization` works), and the retry and request-id headers exposed to scripts.
fn cors_grants() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            HeaderName::from_static("retry-after"),
            HeaderName::from_static("retry-after-ms"),
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(Duration::from_secs(600))
}

/// Builds the emulator's whole HTTP surface.
pub fn router(config: Config) -> Router {
    let seed = config.seed;
    let cors = config.cors;
    let state: Shared = Arc::new(AppState {
        config,
        jobs: Mutex::default(),
        stats: Mutex::default(),
        faults: Mutex::new(faults::FaultCounter::with_seed(seed)),
        images: Mutex::default(),
        rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        webhook_client: reqwest::Client::new(),
    });
    let inner = Router::new()
        .route("/v2/images/generate", post(apiframe::submit))
        .route("/v2/jobs", get(apiframe::list))
        .route("/v2/jobs/{id}", get(apiframe::status))
        .route("/v2/me", get(apiframe::me))
        .route("/api/v1/images/generations", post(apiinone::submit))
        .route("/api/v1/tasks/{task_id}", get(apiinone::status))
        .route("/files/{job_id}/{file}", get(files::serve))
        .route("/_emulator/health", get(health))
        .route("/_emulator/stats", get(stats_report))
        .fallback(static_files::serve)
        .with_state(state);
    let forward_to = inner.clone();
    let app = inner.route(
        "/_fault/{spec}/{*rest}",
        any(move |path, request| forward_with_fault(forward_to.clone(), path, request)),
    );
    // With `--cors off` no reply carries CORS headers: static files are same-origin and need
    // none, and a browser on another origin is refused as a provider without CORS refuses it.
    let app = if cors { app.layer(cors_grants()) } else { app };
    app.layer(middleware::from_fn(tag_request))
}

/// Serves the emulator on an already-bound listener until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> std::io::Result<()> {
    axum::serve(listener, router(config)).await
}
