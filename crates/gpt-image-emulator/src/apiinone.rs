//! API in One: `POST /api/v1/images/generations` and `GET /api/v1/tasks/{task_id}`.
//!
//! Validation and body shapes are pure functions ([`parse_submit`], [`task_body`]); the handlers
//! add auth, faults, statistics and the job store. One image per task, always PNG; no
//! idempotency; `callback_url` is accepted and ignored.

use std::time::{Instant, SystemTime};

use axum::extract::Path;
use axum::response::{IntoResponse, Json, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::faults::RequestKind;
use crate::files::file_url;
use crate::images::{Aspect, Format};
use crate::jobs::{Artwork, Background, Job, Phase, Provider, unix_secs};
use crate::requests::{Arrival, check_model, is_image_url, json_body, prompt};
use crate::{lock, random_token, request_host};

/// The only model this emulator serves on API in One.
pub const MODEL: &str = "gpt-image-1-5";

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
    check_model(body, MODEL)?;
    let prompt = prompt(body)?;
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
                Some(url) if is_image_url(url) => Ok(url.to_string()),
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
    if !job.reports_progress() {
        data.as_object_mut().map(|data| data.remove("progress"));
    }
    json!({"code": 200, "data": data})
}

/// `POST /api/v1/images/generations`.
pub async fn submit(arrival: Arrival, body: Bytes) -> Response {
    let request = &arrival.to(Provider::ApiInOne);
    let (state, headers, body) = (&request.state, &request.headers, &body);
    lock(&state.stats).submit_received(&request.presented_key);
    request.answer(RequestKind::Submit, |plan, key| async move {
        let submit = match json_body(body).and_then(|value| parse_submit(&value)) {
            Ok(submit) => submit,
            Err(error) => return request.reply(error),
        };
        let fate = request.fate(&plan, &submit.input_urls).await;
        let job = {
            let mut jobs = lock(&state.jobs);
            let job = Job {
                id: format!("task_{}", random_token(24)),
                seq: jobs.next_seq(),
                provider: Provider::ApiInOne,
                api_key: key.clone(),
                model: MODEL,
                credits: credits(&submit.quality),
                artwork: Artwork {
                    prompt: submit.prompt,
                    aspect: submit.aspect,
                    background: Background::Auto,
                    count: 1,
                    format: Format::Png,
                    high_fidelity: false,
                    inputs: fate.inputs,
                },
                created: Instant::now(),
                created_at: SystemTime::now(),
                duration: fate.duration,
                failure: fate.failure,
                progress: fate.progress,
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
pub async fn status(arrival: Arrival, Path(task_id): Path<String>) -> Response {
    arrival
        .to(Provider::ApiInOne)
        .status(&task_id, "task", task_body)
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
