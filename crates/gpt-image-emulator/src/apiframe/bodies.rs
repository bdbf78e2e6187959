//! Apiframe job JSON: the status names and the body of a job as `GET /v2/jobs/{id}`, the
//! listing and the webhooks show it.
//!
//! Pure functions of a job and a moment; no I/O.

use std::time::Instant;

use serde_json::{Value, json};

use crate::files::file_url;
use crate::jobs::{Job, Phase, rfc3339};

/// Apiframe's name for a phase.
pub fn status_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Queued => "QUEUED",
        Phase::Processing => "PROCESSING",
        Phase::Completed => "COMPLETED",
        Phase::Failed => "FAILED",
    }
}

fn image_urls(job: &Job, host: &str) -> Vec<String> {
    (0..job.artwork.count)
        .map(|i| file_url(host, &job.id, i, job.artwork.format))
        .collect()
}

/// `result` of a job: null until completed, then `{"images": [...]}` (or, with `alt_shape` and
/// one image, the bare URL string).
pub fn result(job: &Job, phase: Phase, host: &str, alt_shape: bool) -> Value {
    if phase != Phase::Completed {
        return Value::Null;
    }
    let urls = image_urls(job, host);
    match (alt_shape, urls.as_slice()) {
        (true, [only]) => json!(only),
        _ => json!({ "images": urls }),
    }
}

/// The body of `GET /v2/jobs/{id}` at `now` (with no `progress` under `--progress none`).
pub fn job_body(job: &Job, now: Instant, host: &str, alt_shape: bool) -> Value {
    let (phase, progress) = job.state_at(now);
    let done = matches!(phase, Phase::Completed | Phase::Failed);
    let mut body = json!({
        "id": job.id,
        "status": status_name(phase),
        "model": job.model,
        "progress": progress,
        "result": result(job, phase, host, alt_shape),
        "error": if phase == Phase::Failed { json!(job.failure) } else { Value::Null },
        "creditCost": job.credits_in(phase),
        "webhookStatus": if job.webhook_sent { json!("sent") } else { Value::Null },
        "createdAt": rfc3339(job.created_at),
        "completedAt": if done { json!(rfc3339(job.ends_at())) } else { Value::Null },
    });
    if !job.reports_progress() {
        body.as_object_mut().map(|body| body.remove("progress"));
    }
    body
}
