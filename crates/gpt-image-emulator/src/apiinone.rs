//! API in One: `POST /api/v1/images/generations` and `GET /api/v1/tasks/{task_id}`.
//!
//! Validation and body shapes are pure functions ([`parse_submit`], [`task_body`]); the handlers
//! add auth, faults, statistics and the job store. One image per task, always PNG; no
//! idempotency; `callback_url` is accepted and ignored.

use std::time::{Instant, SystemTime};

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::faults::RequestKind;
use crate::files::{file_url, read_inputs};
use crate::images::{Aspect, Format};
use crate::injection::{Call, guarded};
use crate::jobs::{Artwork, Background, INJECTED_FAILURE, Job, Phase, Provider, unix_secs};
use crate::{PathFault, RequestId, Shared, auth, lock, random_token, request_host};

/// The only model this emulator serves on API in One.
pub const MODEL: &str = "gpt-image-1-5";

/// Durations drawn uniformly from this range, in seconds (before time scaling).
const SECONDS: (f64, f64) = (3.0, 10.0);

/// Keys a submit may carry.
const FIELDS: [&str; 6] = [
    "model",
    "prompt",
    "aspect_ratio",
    "quality",
    "input_urls",
    "callback_url",
];

/// How long result URLs are said to stay valid.
const EXPIRES_AFTER_SECS: u64 = 24 * 60 * 60;

/// A validated submit.
#[derive(Debug, Clone, PartialEq)]
pub struct Submit {
    /// The prompt.
    pub prompt: String,
    /// Frame shape.
    pub aspect: Aspect,
    /// `medium` or `high`.
    pub quality: String,
    /// Input image URLs (edit mode).
    pub input_urls: Vec<String>,
}

/// Credits for a task of this quality: medium 10, high 28.
pub fn credits(quality: &str) -> u32 {
    if quality == "high" { 28 } else { 10 }
}

/// Validates a submit body.
pub fn parse_submit(body: &Value) -> Result<Submit, ApiError> {
    let Some(body) = body.as_object() else {
        return Err(ApiError::invalid(
            "invalid_json",
            "request body must be a JSON object",
        ));
    };
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            "unknown_parameter",
            format!(
                "'{unknown}' is not supported by {MODEL} (allowed: {})",
                FIELDS.join(", ")
            ),
        ));
    }
    match body.get("model") {
        Some(Value::String(m)) if m == MODEL => {}
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                format!("model is required and must be \"{MODEL}\""),
            ));
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                format!("model must be \"{MODEL}\", got {other}"),
            ));
        }
    }
    let prompt = match body.get("prompt") {
        Some(Value::String(p)) => p.clone(),
        None | Some(Value::Null) => {
            return Err(ApiError::invalid("invalid_parameter", "prompt is required"));
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "prompt must be a string",
            ));
        }
    };
    let length = prompt.chars().count();
    if !(3..=5000).contains(&length) {
        return Err(ApiError::invalid(
            "invalid_parameter",
            format!("prompt must be 3 to 5000 characters, got {length}"),
        ));
    }
    let text = |field: &str, allowed: &[&str], default: &str| -> Result<String, ApiError> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(default.to_string()),
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(s.clone()),
            Some(other) => Err(ApiError::invalid(
                "invalid_parameter",
                format!("{field} must be one of {}, got {other}", allowed.join(", ")),
            )),
        }
    };
    let aspect = Aspect::parse(&text("aspect_ratio", &["1:1", "2:3", "3:2"], "1:1")?)
        .unwrap_or(Aspect::Square);
    let quality = text("quality", &["medium", "high"], "medium")?;
    let input_urls = match body.get("input_urls") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(urls)) => urls
            .iter()
            .map(|u| match u.as_str() {
                Some(url)
                    if url.starts_with("http://")
                        || url.starts_with("https://")
                        || url.starts_with("data:image/") =>
                {
                    Ok(url.to_string())
                }
                _ => Err(ApiError::invalid(
                    "invalid_parameter",
                    format!("input_urls: {u} is not an http(s) URL"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "input_urls must be an array of URLs",
            ));
        }
    };
    match body.get("callback_url") {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "callback_url must be a URL string",
            ));
        }
    }
    Ok(Submit {
        prompt,
        aspect,
        quality,
        input_urls,
    })
}

/// API in One's name for a phase.
pub fn status_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Queued => "pending",
        Phase::Processing => "processing",
        Phase::Completed => "completed",
        Phase::Failed => "failed",
    }
}

/// The body of `GET /api/v1/tasks/{task_id}` at `now`.
pub fn task_body(job: &Job, now: Instant, host: &str, alt_shape: bool) -> Value {
    let (phase, progress) = job.state_at(now);
    let mut data = json!({
        "id": job.id,
        "status": status_name(phase),
        "progress": progress,
        "credits": job.credits_in(phase),
    });
    if phase == Phase::Completed {
        let url = file_url(host, &job.id, 0, job.artwork.format);
        let url = if alt_shape { json!(url) } else { json!([url]) };
        let expires_at = unix_secs(job.ends_at()) + EXPIRES_AFTER_SECS;
        data["result"] = json!({"images": [{"url": url, "expires_at": expires_at}]});
    }
    if phase == Phase::Failed {
        data["error"] = json!(job.failure);
    }
    json!({"code": 200, "data": data})
}

/// `POST /api/v1/images/generations`.
pub async fn submit(
    State(state): State<Shared>,
    Extension(request_id): Extension<RequestId>,
    path_fault: Option<Extension<PathFault>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (state, headers, body) = (&state, &headers, &body);
    let key = auth::presented_key(Provider::ApiInOne, headers);
    lock(&state.stats).submit_received(&key);
    let call = Call {
        provider: Provider::ApiInOne,
        kind: RequestKind::Submit,
        headers,
        path_fault: path_fault.as_ref().map(|e| &e.0),
        api_key: &key,
        request_id: &request_id.0,
    };
    let rid = request_id.0.as_str();
    guarded(state, call, |plan| async move {
        let key = match auth::check(Provider::ApiInOne, headers) {
            Ok(key) => key,
            Err(error) => return error.reply(Provider::ApiInOne, rid),
        };
        let parsed = serde_json::from_slice::<Value>(body)
            .map_err(|e| ApiError::invalid("invalid_json", format!("request body is not valid JSON: {e}")))
            .and_then(|value| parse_submit(&value));
        let request = match parsed {
            Ok(request) => request,
            Err(error) => return error.reply(Provider::ApiInOne, rid),
        };
        let (inputs, input_failure) = match read_inputs(state, &request.input_urls).await {
            Ok(inputs) => (inputs, None),
            Err(reason) => (Vec::new(), Some(reason)),
        };
        let (duration, random_failure) = state.draw_fate(SECONDS);
        let failure = input_failure
            .or_else(|| plan.fail.then(|| INJECTED_FAILURE.to_string()))
            .or(random_failure);
        let job = {
            let mut jobs = lock(&state.jobs);
            let job = Job {
                id: format!("task_{}", random_token(24)),
                seq: jobs.next_seq(),
                provider: Provider::ApiInOne,
                api_key: key.clone(),
                model: MODEL,
                credits: credits(&request.quality),
                artwork: Artwork {
                    prompt: request.prompt,
                    aspect: request.aspect,
                    background: Background::Auto,
                    count: 1,
                    format: Format::Png,
                    high_fidelity: false,
                    inputs,
                },
                created: Instant::now(),
                created_at: SystemTime::now(),
                duration,
                failure,
                webhook: None,
                webhook_sent: false,
                submit_host: request_host(headers),
            };
            jobs.insert(job.clone(), None);
            job
        };
        lock(&state.stats).job_created(&key);
        let body = if plan.alt_shape {
            json!({"id": job.id, "status": "pending", "model": MODEL, "created_at": unix_secs(job.created_at)})
        } else {
            json!({"code": 200, "message": "success", "data": {"task_id": job.id, "status": "IN_PROGRESS"}})
        };
        Json(body).into_response()
    })
    .await
}

/// `GET /api/v1/tasks/{task_id}`.
pub async fn status(
    State(state): State<Shared>,
    Extension(request_id): Extension<RequestId>,
    path_fault: Option<Extension<PathFault>>,
    Path(task_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (state, headers, task_id) = (&state, &headers, &task_id);
    let key = auth::presented_key(Provider::ApiInOne, headers);
    lock(&state.stats).polled(&key, task_id);
    let call = Call {
        provider: Provider::ApiInOne,
        kind: RequestKind::Poll,
        headers,
        path_fault: path_fault.as_ref().map(|e| &e.0),
        api_key: &key,
        request_id: &request_id.0,
    };
    let rid = request_id.0.as_str();
    guarded(state, call, |plan| async move {
        let key = match auth::check(Provider::ApiInOne, headers) {
            Ok(key) => key,
            Err(error) => return error.reply(Provider::ApiInOne, rid),
        };
        let body = lock(&state.jobs)
            .owned(task_id, &key)
            .filter(|job| job.provider == Provider::ApiInOne)
            .map(|job| task_body(job, Instant::now(), &request_host(headers), plan.alt_shape));
        match body {
            Some(body) => Json(body).into_response(),
            None => ApiError::not_found(format!("task {task_id} not found"))
                .reply(Provider::ApiInOne, rid),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(body: Value) -> (u16, &'static str, String) {
        let e = parse_submit(&body).expect_err("invalid");
        (e.status.as_u16(), e.code, e.message)
    }

    #[test]
    fn defaults() {
        let s =
            parse_submit(&json!({"model": MODEL, "prompt": "a cat", "callback_url": "https://x"}))
                .expect("valid");
        assert_eq!(
            s,
            Submit {
                prompt: "a cat".into(),
                aspect: Aspect::Square,
                quality: "medium".into(),
                input_urls: vec![]
            }
        );
        assert_eq!((credits("medium"), credits("high")), (10, 28));
    }

    #[test]
    fn rejects() {
        assert!(error_of(json!({"prompt": "a cat"})).2.contains("model"));
        assert!(
            error_of(json!({"model": "gpt-image-1.5", "prompt": "a cat"}))
                .2
                .contains("model")
        );
        assert!(
            error_of(json!({"model": MODEL, "prompt": "ab"}))
                .2
                .contains("prompt")
        );
        assert!(
            error_of(json!({"model": MODEL, "prompt": "x".repeat(5001)}))
                .2
                .contains("prompt")
        );
        assert!(
            error_of(json!({"model": MODEL, "prompt": "a cat", "quality": "low"}))
                .2
                .contains("quality")
        );
        assert!(
            error_of(json!({"model": MODEL, "prompt": "a cat", "aspect_ratio": "16:9"}))
                .2
                .contains("aspect_ratio")
        );
        for extra in ["n", "background", "output_format", "input_fidelity"] {
            let mut body = json!({"model": MODEL, "prompt": "a cat"});
            body[extra] = json!(1);
            let (status, code, message) = error_of(body);
            assert_eq!((status, code), (400, "unknown_parameter"));
            assert!(message.contains(extra));
        }
    }
}
