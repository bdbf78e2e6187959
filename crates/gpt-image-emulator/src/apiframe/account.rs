//! The Apiframe account: `GET /v2/me`, and the limit on jobs running at once for one API key
//! (`team.maxConcurrentJobs`, `--max-concurrent-jobs`) that a submit over it meets as a 429.
//!
//! The emulator's account is per API key: its credits are a fixed starting balance less what
//! the key's jobs cost, its plan is `emulator`.

use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;

use crate::errors::ApiError;
use crate::faults::RequestKind;
use crate::jobs::{JobStore, Phase, Provider, ends_after};
use crate::lock;
use crate::requests::Arrival;

/// Credits every key starts with.
pub const STARTING_CREDITS: u64 = 1_000_000;

/// How many of `api_key`'s Apiframe jobs are running (QUEUED or PROCESSING) at `now`, and when
/// the first of them ends.
pub fn running(jobs: &JobStore, api_key: &str, now: Instant) -> (usize, Option<Instant>) {
    jobs.newest_first(Provider::Apiframe, api_key)
        .filter(|job| matches!(job.state_at(now).0, Phase::Queued | Phase::Processing))
        .fold((0, None), |(count, first_end), job| {
            let end = job.created + ends_after(job.duration, job.failure.is_some());
            (
                count + 1,
                Some(first_end.map_or(end, |e: Instant| e.min(end))),
            )
        })
}

/// The 429 for a submit when `api_key` already has `max` jobs running, with how long until one
/// of them ends (at least 1 ms); `None` when there is room or `max` is 0 (no limit).
pub fn refusal(
    jobs: &JobStore,
    api_key: &str,
    max: usize,
    now: Instant,
) -> Option<(ApiError, Duration)> {
    let (count, first_end) = running(jobs, api_key, now);
    if max == 0 || count < max {
        return None;
    }
    let wait = first_end
        .map_or(Duration::ZERO, |end| end.saturating_duration_since(now))
        .max(Duration::from_millis(1));
    let secs = wait.as_millis().div_ceil(1000);
    let error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_concurrent_jobs",
        format!(
            "{count} jobs are already running for this API key (maxConcurrentJobs {max}). \
             Retry after {secs} s."
        ),
    );
    Some((error, wait))
}

/// Adds `Retry-After` (whole seconds, rounded up) and `retry-after-ms` for `wait` to `reply`.
pub fn with_retry_after(mut reply: Response, wait: Duration) -> Response {
    let millis = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    let headers = reply.headers_mut();
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from(millis.div_ceil(1000)),
    );
    headers.insert("retry-after-ms", HeaderValue::from(millis));
    reply
}

/// `GET /v2/me`: `{"team": {name, plan, credits, maxConcurrentJobs, runningJobs}}`.
pub async fn me(arrival: Arrival) -> Response {
    let request = &arrival.to(Provider::Apiframe);
    let state = &request.state;
    lock(&state.stats).account_requested(&request.presented_key);
    request
        .answer(RequestKind::Account, |_plan, key| async move {
            let now = Instant::now();
            let jobs = lock(&state.jobs);
            let spent: u64 = jobs
                .newest_first(Provider::Apiframe, &key)
                .map(|job| u64::from(job.credits_in(job.state_at(now).0)))
                .sum();
            let (running, _) = running(&jobs, &key, now);
            Json(json!({
                "team": {
                    "name": "Emulator",
                    "plan": "emulator",
                    "credits": STARTING_CREDITS.saturating_sub(spent),
                    "maxConcurrentJobs": state.config.max_concurrent_jobs,
                    "runningJobs": running,
                }
            }))
            .into_response()
        })
        .await
}
