//! Apiframe webhooks of one job: which events go out and when (25, 50 and 75 % of the duration
//! for `progress`, then `completed` or `failed`), and their payloads.
//!
//! Signing and the HTTP delivery itself are in `webhooks.rs`.

use std::time::Instant;

use serde_json::json;

use super::bodies::{result, status_name};
use crate::jobs::{Phase, ends_after, rfc3339};
use crate::{Shared, lock, webhooks};

/// Sends the subscribed webhook events of one job at the right moments.
pub async fn send_webhooks(state: Shared, job_id: String) {
    let Some(job) = lock(&state.jobs).get(&job_id).cloned() else {
        return;
    };
    let Some(webhook) = job.webhook.clone() else {
        return;
    };
    let end = ends_after(job.duration, job.failure.is_some());
    let mut moments: Vec<std::time::Duration> = Vec::new();
    if webhook.events.iter().any(|e| e == "progress") {
        moments.extend(
            [0.25, 0.5, 0.75]
                .iter()
                .map(|share| job.duration.mul_f64(*share))
                .filter(|at| *at < end),
        );
    }
    moments.push(end);
    for at in moments {
        tokio::time::sleep_until(tokio::time::Instant::from_std(job.created + at)).await;
        let (phase, progress) = job.state_at(Instant::now().max(job.created + at));
        let (event, payload) = match phase {
            Phase::Completed => (
                "completed",
                json!({
                    "event": "completed",
                    "jobId": job.id,
                    "status": "COMPLETED",
                    "progress": 100,
                    "result": result(&job, phase, &job.submit_host, false),
                    "model": job.model,
                    "creditCost": job.credits_in(phase),
                    "completedAt": rfc3339(job.ends_at()),
                }),
            ),
            Phase::Failed => (
                "failed",
                json!({
                    "event": "failed",
                    "jobId": job.id,
                    "status": "FAILED",
                    "error": job.failure,
                    "model": job.model,
                }),
            ),
            _ => {
                let mut payload = json!({
                    "event": "progress",
                    "jobId": job.id,
                    "status": status_name(phase),
                    "progress": progress,
                    "model": job.model,
                });
                if !job.reports_progress() {
                    payload.as_object_mut().map(|p| p.remove("progress"));
                }
                ("progress", payload)
            }
        };
        if !webhook.events.iter().any(|e| e == event) {
            continue;
        }
        let body = payload.to_string().into_bytes();
        if webhooks::deliver(
            &state.webhook_client,
            &webhook.url,
            event,
            &job.api_key,
            body,
        )
        .await
            && let Some(stored) = lock(&state.jobs).get_mut(&job.id)
        {
            stored.webhook_sent = true;
        }
    }
}
