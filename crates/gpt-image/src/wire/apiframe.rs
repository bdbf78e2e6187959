//! Apiframe v2: the `gptImageParams` body, the 202 job reply and `GET /v2/jobs/{id}`.

use serde_json::{Map, Value, json};

use super::{collect_urls, credits_of, progress_of, reason_of};
use crate::error::Error;
use crate::job::{Job, JobStatus, JobUpdate};
use crate::provider::Provider;
use crate::request::{OutputFormat, Request};

/// The documented body: top-level prompt/model/webhook, model options under `gptImageParams`
/// in snake_case. Output format is always sent, because the seed and the docs disagree on its
/// default.
pub(super) fn submit_body(request: &Request) -> Value {
    let mut params = Map::new();
    if !request.input_images.is_empty() {
        params.insert("input_images".into(), json!(request.input_images));
    }
    let options = [
        ("quality", request.quality.map(|v| v.as_str())),
        ("aspect_ratio", request.aspect_ratio.map(|v| v.as_str())),
        ("background", request.background.map(|v| v.as_str())),
        (
            "output_format",
            Some(request.output_format.unwrap_or(OutputFormat::Png).as_str()),
        ),
        ("input_fidelity", request.input_fidelity.map(|v| v.as_str())),
    ];
    for (key, value) in options {
        if let Some(value) = value {
            params.insert(key.into(), json!(value));
        }
    }
    if let Some(n) = request.n {
        params.insert("number_of_images".into(), json!(n));
    }
    let mut body = Map::new();
    body.insert("prompt".into(), json!(request.prompt));
    body.insert("model".into(), json!(Provider::Apiframe.model_id()));
    body.insert("gptImageParams".into(), Value::Object(params));
    if let Some(url) = &request.webhook_url {
        body.insert("webhookUrl".into(), json!(url));
    }
    if !request.webhook_events.is_empty() {
        let events: Vec<&str> = request.webhook_events.iter().map(|e| e.as_str()).collect();
        body.insert("webhookEvents".into(), json!(events));
    }
    Value::Object(body)
}

/// `{"jobId": "…", "status": "QUEUED"}` (also tolerates `id`).
pub(super) fn parse_submit(v: &Value, raw: &str) -> Result<Job, Error> {
    let id = v
        .get("jobId")
        .or_else(|| v.get("id"))
        .and_then(Value::as_str)
        .filter(|id| super::check_job_id(id).is_ok())
        .ok_or_else(|| Error::decode("Apiframe's submit reply has no usable jobId", raw))?;
    let status = match v.get("status").and_then(Value::as_str) {
        Some(s) => JobStatus::parse(s).ok_or_else(|| {
            Error::decode(format!("Apiframe sent an unknown job status {s:?}"), raw)
        })?,
        None => JobStatus::Queued,
    };
    Ok(Job {
        id: id.to_owned(),
        provider: Provider::Apiframe,
        status,
        idempotency_key: None,
    })
}

/// `{id, status, progress, result, error, creditCost, …}`, `result` a URL string, `{images}` or null.
pub(super) fn parse_status(v: &Value, raw: &str, asked: &str) -> Result<JobUpdate, Error> {
    if !v.is_object() {
        return Err(Error::decode("Apiframe's job reply is not an object", raw));
    }
    let status_text = v
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::decode("Apiframe's job reply has no status", raw))?;
    let status = JobStatus::parse(status_text).ok_or_else(|| {
        Error::decode(
            format!("Apiframe sent an unknown job status {status_text:?}"),
            raw,
        )
    })?;
    let mut images = Vec::new();
    if let Some(result) = v.get("result") {
        collect_urls(result, &mut images);
    }
    if status == JobStatus::Completed && images.is_empty() {
        return Err(Error::decode(
            "Apiframe says the job completed but gives no image URL",
            raw,
        ));
    }
    let id = v
        .get("id")
        .or_else(|| v.get("jobId"))
        .and_then(Value::as_str)
        .unwrap_or(asked);
    let progress = match status {
        JobStatus::Completed => Some(100),
        _ => progress_of(v.get("progress")),
    };
    Ok(JobUpdate {
        id: id.to_owned(),
        status,
        progress,
        images,
        error: reason_of(v.get("error")),
        credit_cost: credits_of(v.get("creditCost")),
    })
}
