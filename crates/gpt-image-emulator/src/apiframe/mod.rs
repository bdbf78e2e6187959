//! Apiframe v2 routes: `POST /v2/images/generate` and `GET /v2/jobs/{id}` here; the listing,
//! the account and its concurrency limit, submit validation, job JSON and webhook events each
//! in their own file.
//!
//! The handlers add auth, faults, idempotency, statistics and the job store around the pure
//! parts ([`validation::parse_submit`], [`bodies::job_body`]).

mod account;
mod bodies;
mod events;
mod listing;
mod validation;

use std::time::Instant;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use bytes::Bytes;
use serde_json::json;

use crate::faults::RequestKind;
use crate::jobs::{Artwork, Job, Provider};
use crate::requests::{Arrival, json_body};
use crate::{lock, request_host};
pub use account::me;
use bodies::{job_body, status_name};
use events::send_webhooks;
pub use listing::list;
use validation::{credits_per_image, parse_submit};

/// The only model this emulator serves on Apiframe.
pub const MODEL: &str = "gpt-image-1.5";

/// A UUID v4 in its usual text form.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn accepted(job: &Job) -> Response {
    let (phase, _) = job.state_at(Instant::now());
    (
        StatusCode::ACCEPTED,
        Json(json!({"jobId": job.id, "status": status_name(phase)})),
    )
        .into_response()
}

/// `POST /v2/images/generate`.
pub async fn submit(arrival: Arrival, body: Bytes) -> Response {
    let request = &arrival.to(Provider::Apiframe);
    let (state, headers, body) = (&request.state, &request.headers, &body);
    lock(&state.stats).submit_received(&request.presented_key);
    request
        .answer(RequestKind::Submit, |plan, key| async move {
            let submit = match json_body(body).and_then(|value| parse_submit(&value)) {
                Ok(submit) => submit,
                Err(error) => return request.reply(error),
            };
            let idempotency_key = headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            if let Some(idem) = &idempotency_key {
                let existing = lock(&state.jobs).by_idempotency_key(&key, idem).cloned();
                if let Some(job) = existing {
                    lock(&state.stats).duplicate_prevented(&key);
                    return accepted(&job);
                }
            }
            let fate = request.fate(&plan, &submit.input_images).await;
            let job = {
                let mut jobs = lock(&state.jobs);
                if let Some(existing) = idempotency_key
                    .as_deref()
                    .and_then(|k| jobs.by_idempotency_key(&key, k))
                {
                    let existing = existing.clone();
                    drop(jobs);
                    lock(&state.stats).duplicate_prevented(&key);
                    return accepted(&existing);
                }
                let limit = state.config.max_concurrent_jobs;
                if let Some((error, wait)) = account::refusal(&jobs, &key, limit, Instant::now()) {
                    drop(jobs);
                    lock(&state.stats).concurrency_refused(&key);
                    return account::with_retry_after(request.reply(error), wait);
                }
                let job = Job {
                    id: uuid_v4(),
                    seq: jobs.next_seq(),
                    provider: Provider::Apiframe,
                    api_key: key.clone(),
                    model: MODEL,
                    credits: credits_per_image(&submit.quality) * submit.count,
                    artwork: Artwork {
                        prompt: submit.prompt,
                        aspect: submit.aspect,
                        background: submit.background,
                        count: submit.count,
                        format: submit.format,
                        high_fidelity: submit.high_fidelity,
                        inputs: fate.inputs,
                    },
                    created: Instant::now(),
                    created_at: std::time::SystemTime::now(),
                    duration: fate.duration,
                    failure: fate.failure,
                    progress: fate.progress,
                    webhook: submit.webhook,
                    webhook_sent: false,
                    submit_host: request_host(headers),
                };
                jobs.insert(job.clone(), idempotency_key.as_deref());
                job
            };
            lock(&state.stats).job_created(&key);
            if job.webhook.is_some() {
                tokio::spawn(send_webhooks(state.clone(), job.id.clone()));
            }
            accepted(&job)
        })
        .await
}

/// `GET /v2/jobs/{id}`.
pub async fn status(arrival: Arrival, Path(id): Path<String>) -> Response {
    arrival
        .to(Provider::Apiframe)
        .status(&id, "job", job_body)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
