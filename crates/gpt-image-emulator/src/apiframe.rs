//! Apiframe v2: `POST /v2/images/generate`, `GET /v2/jobs/{id}`, `GET /v2/jobs`, and webhooks.
//!
//! Validation and body shapes are pure functions ([`parse_submit`], [`job_body`]); the handlers
//! add auth, faults, idempotency, statistics and the job store around them.

use std::time::Instant;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

use crate::errors::ApiError;
use crate::faults::RequestKind;
use crate::files::file_url;
use crate::images::{Aspect, Format};
use crate::jobs::{Artwork, Background, Job, Phase, Provider, Webhook, ends_after, rfc3339};
use crate::requests::{Arrival, check_model, is_image_url, json_body, prompt};
use crate::{Shared, lock, request_host, webhooks};

/// The only model this emulator serves on Apiframe.
pub const MODEL: &str = "gpt-image-1.5";

/// Durations drawn uniformly from this range, in seconds (before time scaling).
const SECONDS: (f64, f64) = (11.0, 19.0);

/// Keys allowed inside `gptImageParams`.
const PARAMS: [&str; 7] = [
    "input_images",
    "quality",
    "aspect_ratio",
    "background",
    "number_of_images",
    "output_format",
    "input_fidelity",
];

/// A validated submit.
#[derive(Debug, Clone, PartialEq)]
pub struct Submit {
    /// The prompt.
    pub prompt: String,
    /// `auto | low | medium | high`.
    pub quality: String,
    /// Frame shape.
    pub aspect: Aspect,
    /// Background handling.
    pub background: Background,
    /// 1..10 images.
    pub count: u32,
    /// Output format.
    pub format: Format,
    /// `input_fidelity: high`.
    pub high_fidelity: bool,
    /// Input image URLs.
    pub input_images: Vec<String>,
    /// Webhook target and events.
    pub webhook: Option<Webhook>,
}

/// Credits per image for a quality (the emulator's table): low 2, medium 4, high 8, auto 4.
pub fn credits_per_image(quality: &str) -> u32 {
    match quality {
        "low" => 2,
        "high" => 8,
        _ => 4,
    }
}

fn one_of<'a>(
    params: &'a Map<String, Value>,
    field: &str,
    allowed: &[&'a str],
    default: &'a str,
) -> Result<&'a str, ApiError> {
    match params.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(s.as_str()),
        Some(other) => Err(ApiError::invalid(
            "invalid_parameter",
            format!(
                "gptImageParams.{field} must be one of {}, got {other}",
                allowed.join(", ")
            ),
        )),
    }
}

/// Validates a submit body.
pub fn parse_submit(body: &Value) -> Result<Submit, ApiError> {
    let Some(body) = body.as_object() else {
        return Err(ApiError::invalid(
            "invalid_json",
            "request body must be a JSON object",
        ));
    };
    let prompt = prompt(body)?;
    let length = prompt.chars().count();
    if prompt.trim().is_empty() || length > 2000 {
        return Err(ApiError::invalid(
            "invalid_parameter",
            format!("prompt must be 1 to 2000 characters, got {length}"),
        ));
    }
    check_model(body, MODEL)?;
    let empty = Map::new();
    let params = match body.get("gptImageParams") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(params)) => params,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "gptImageParams must be an object",
            ));
        }
    };
    if let Some(unknown) = params.keys().find(|k| !PARAMS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            "unknown_parameter",
            format!(
                "gptImageParams.{unknown} is not a parameter of {MODEL} (allowed: {})",
                PARAMS.join(", ")
            ),
        ));
    }
    let input_images: Vec<String> = match params.get("input_images") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                ApiError::invalid(
                    "invalid_parameter",
                    "gptImageParams.input_images must be URLs (strings)",
                )
            })?,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "gptImageParams.input_images must be an array of URLs",
            ));
        }
    };
    if input_images.len() > 16 {
        return Err(ApiError::invalid(
            "invalid_parameter",
            "gptImageParams.input_images takes at most 16 images",
        ));
    }
    if let Some(bad) = input_images.iter().find(|u| !is_image_url(u)) {
        return Err(ApiError::invalid(
            "invalid_parameter",
            format!("gptImageParams.input_images: '{bad}' is not an http(s) or data:image URL"),
        ));
    }
    let quality = one_of(
        params,
        "quality",
        &["auto", "low", "medium", "high"],
        "auto",
    )?
    .to_string();
    let aspect = Aspect::parse(one_of(
        params,
        "aspect_ratio",
        &["1:1", "3:2", "2:3"],
        "1:1",
    )?)
    .unwrap_or(Aspect::Square);
    let background = match one_of(
        params,
        "background",
        &["auto", "opaque", "transparent"],
        "auto",
    )? {
        "opaque" => Background::Opaque,
        "transparent" => Background::Transparent,
        _ => Background::Auto,
    };
    let format = Format::parse(one_of(
        params,
        "output_format",
        &["png", "jpeg", "webp"],
        "png",
    )?)
    .unwrap_or(Format::Png);
    let high_fidelity = one_of(params, "input_fidelity", &["low", "high"], "low")? == "high";
    let count = match params.get("number_of_images") {
        None | Some(Value::Null) => 1,
        Some(n) => match n.as_u64() {
            Some(n @ 1..=10) => n as u32,
            _ => {
                return Err(ApiError::invalid(
                    "invalid_parameter",
                    format!(
                        "gptImageParams.number_of_images must be an integer from 1 to 10, got {n}"
                    ),
                ));
            }
        },
    };
    let webhook_url = match body.get("webhookUrl").or_else(|| body.get("webhook_url")) {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => {
            Some(url.clone())
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                format!("webhookUrl must be an http(s) URL, got {other}"),
            ));
        }
    };
    let events = match body
        .get("webhookEvents")
        .or_else(|| body.get("webhook_events"))
    {
        None | Some(Value::Null) => vec!["completed".to_string(), "failed".to_string()],
        Some(Value::Array(events)) => events
            .iter()
            .map(|e| match e.as_str() {
                Some(name @ ("progress" | "completed" | "failed")) => Ok(name.to_string()),
                _ => Err(ApiError::invalid(
                    "invalid_parameter",
                    format!("webhookEvents: {e} is not one of progress, completed, failed"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "webhookEvents must be an array",
            ));
        }
    };
    Ok(Submit {
        prompt,
        quality,
        aspect,
        background,
        count,
        format,
        high_fidelity,
        input_images,
        webhook: webhook_url.map(|url| Webhook { url, events }),
    })
}

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
fn result(job: &Job, phase: Phase, host: &str, alt_shape: bool) -> Value {
    if phase != Phase::Completed {
        return Value::Null;
    }
    let urls = image_urls(job, host);
    match (alt_shape, urls.as_slice()) {
        (true, [only]) => json!(only),
        _ => json!({ "images": urls }),
    }
}

/// The body of `GET /v2/jobs/{id}` at `now`.
pub fn job_body(job: &Job, now: Instant, host: &str, alt_shape: bool) -> Value {
    let (phase, progress) = job.state_at(now);
    let done = matches!(phase, Phase::Completed | Phase::Failed);
    json!({
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
    })
}

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
            let fate = request.fate(&plan, &submit.input_images, SECONDS).await;
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

/// Parsed `GET /v2/jobs` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Only jobs in this status (upper case).
    pub status: Option<String>,
    /// Only jobs of this model.
    pub model: Option<String>,
    /// Page size, 1..100.
    pub limit: usize,
    /// Only jobs created before the job with this sequence number.
    pub cursor: Option<u64>,
}

/// Validates the listing query.
pub fn parse_list_query(query: &HashMap<String, String>) -> Result<ListQuery, ApiError> {
    let status = match query.get("status").map(|s| s.to_ascii_uppercase()) {
        None => None,
        Some(s) if s.is_empty() => None,
        Some(s) if ["QUEUED", "PROCESSING", "COMPLETED", "FAILED"].contains(&s.as_str()) => Some(s),
        Some(s) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                format!("status must be one of QUEUED, PROCESSING, COMPLETED, FAILED, got '{s}'"),
            ));
        }
    };
    let limit = match query.get("limit").filter(|l| !l.is_empty()) {
        None => 20,
        Some(l) => match l.parse::<usize>() {
            Ok(n @ 1..=100) => n,
            _ => {
                return Err(ApiError::invalid(
                    "invalid_parameter",
                    format!("limit must be an integer from 1 to 100, got '{l}'"),
                ));
            }
        },
    };
    let cursor = match query.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<u64>().map_err(|_| {
            ApiError::invalid("invalid_cursor", format!("cursor '{c}' is not valid"))
        })?),
    };
    Ok(ListQuery {
        status,
        model: query.get("model").filter(|m| !m.is_empty()).cloned(),
        limit,
        cursor,
    })
}

/// `GET /v2/jobs?status=&model=&limit=&cursor=`: newest first, the caller's jobs only.
pub async fn list(arrival: Arrival, Query(query): Query<HashMap<String, String>>) -> Response {
    let request = &arrival.to(Provider::Apiframe);
    let (state, headers, query) = (&request.state, &request.headers, &query);
    request
        .answer(RequestKind::Poll, |plan, key| async move {
            let query = match parse_list_query(query) {
                Ok(query) => query,
                Err(error) => return request.reply(error),
            };
            let now = Instant::now();
            let host = request_host(headers);
            let jobs = lock(&state.jobs);
            let mut matching = jobs
                .newest_first(Provider::Apiframe, &key)
                .filter(|job| query.cursor.is_none_or(|c| job.seq < c))
                .filter(|job| query.model.as_deref().is_none_or(|m| job.model == m))
                .filter(|job| {
                    query
                        .status
                        .as_deref()
                        .is_none_or(|s| status_name(job.state_at(now).0) == s)
                });
            let page: Vec<&Job> = matching.by_ref().take(query.limit).collect();
            let has_more = matching.next().is_some();
            let next_cursor = match (has_more, page.last()) {
                (true, Some(last)) => json!(last.seq.to_string()),
                _ => Value::Null,
            };
            let bodies: Vec<Value> = page
                .iter()
                .map(|job| job_body(job, now, &host, plan.alt_shape))
                .collect();
            Json(json!({"jobs": bodies, "nextCursor": next_cursor, "hasMore": has_more}))
                .into_response()
        })
        .await
}

/// Sends the subscribed webhook events of one job at the right moments.
async fn send_webhooks(state: Shared, job_id: String) {
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
            _ => (
                "progress",
                json!({
                    "event": "progress",
                    "jobId": job.id,
                    "status": status_name(phase),
                    "progress": progress,
                    "model": job.model,
                }),
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn submit_of(body: Value) -> Result<Submit, (u16, &'static str, String)> {
        parse_submit(&body).map_err(|e| (e.status.as_u16(), e.code, e.message))
    }

    #[test]
    fn defaults_and_both_input_image_forms() {
        let s = submit_of(json!({"prompt": "a cat", "model": MODEL})).expect("valid");
        assert_eq!(
            (s.quality.as_str(), s.aspect, s.count, s.format),
            ("auto", Aspect::Square, 1, Format::Png)
        );
        assert!(s.webhook.is_none());
        let one = submit_of(
            json!({"prompt": "a", "model": MODEL, "gptImageParams": {"input_images": "https://x/a.png"}}),
        );
        assert_eq!(one.expect("valid").input_images, vec!["https://x/a.png"]);
        let many = submit_of(
            json!({"prompt": "a", "model": MODEL, "gptImageParams": {"input_images": ["https://x/a.png", "data:image/png;base64,AA=="]}}),
        );
        assert_eq!(many.expect("valid").input_images.len(), 2);
        let hook = submit_of(
            json!({"prompt": "a", "model": MODEL, "webhook_url": "http://127.0.0.1:1/h"}),
        )
        .expect("valid");
        assert_eq!(
            hook.webhook.expect("webhook").events,
            vec!["completed", "failed"]
        );
    }

    #[test]
    fn rejects_with_field_names() {
        let cases = [
            (json!({"model": MODEL}), "prompt"),
            (json!({"prompt": "", "model": MODEL}), "prompt"),
            (
                json!({"prompt": "x".repeat(2001), "model": MODEL}),
                "prompt",
            ),
            (json!({"prompt": "a"}), "model"),
            (json!({"prompt": "a", "model": "gpt-image-1"}), "model"),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"quality": "ultra"}}),
                "quality",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"number_of_images": 11}}),
                "number_of_images",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"number_of_images": 0}}),
                "number_of_images",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"aspect_ratio": "16:9"}}),
                "aspect_ratio",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"size": "1024x1024"}}),
                "size",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"input_images": ["ftp://x"]}}),
                "input_images",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "webhookEvents": ["done"]}),
                "webhookEvents",
            ),
        ];
        for (body, field) in cases {
            let (status, _, message) = submit_of(body.clone()).expect_err("invalid");
            assert_eq!(status, 400);
            assert!(message.contains(field), "{message} should name {field}");
        }
        assert_eq!(
            submit_of(json!([1])).expect_err("invalid").1,
            "invalid_json"
        );
        assert_eq!(
            submit_of(json!({"prompt": "a", "model": MODEL, "gptImageParams": {"n": 1}}))
                .expect_err("x")
                .1,
            "unknown_parameter"
        );
    }

    #[test]
    fn credit_table() {
        assert_eq!(
            [
                credits_per_image("low"),
                credits_per_image("medium"),
                credits_per_image("high"),
                credits_per_image("auto")
            ],
            [2, 4, 8, 4]
        );
    }

    #[test]
    fn list_query_validation() {
        let q = |pairs: &[(&str, &str)]| {
            parse_list_query(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(q(&[]).expect("valid").limit, 20);
        assert_eq!(
            q(&[("status", "completed")])
                .expect("valid")
                .status
                .as_deref(),
            Some("COMPLETED")
        );
        assert!(q(&[("limit", "0")]).is_err());
        assert!(q(&[("limit", "101")]).is_err());
        assert!(q(&[("status", "DONE")]).is_err());
        assert!(q(&[("cursor", "abc")]).is_err());
    }

    #[test]
    fn uuid_shape() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
