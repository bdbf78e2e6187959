//! API in One: the flat `input_urls` body, both create replies, and the `{code, data}` task body.

use serde_json::{Map, Value, json};

use super::{HttpResponse, collect_urls, credits_of, error_from_reply, progress_of, reason_of};
use crate::error::Error;
use crate::job::{Job, JobStatus, JobUpdate};
use crate::provider::Provider;
use crate::request::Request;

/// `model`, `prompt`, `aspect_ratio`, `quality`, `input_urls`, `callback_url`. Options this
/// provider lacks never reach here: validation refuses them first.
pub(super) fn submit_body(request: &Request) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(Provider::ApiInOne.model_id()));
    body.insert("prompt".into(), json!(request.prompt));
    if let Some(ratio) = request.aspect_ratio {
        body.insert("aspect_ratio".into(), json!(ratio.as_str()));
    }
    if let Some(quality) = request.quality {
        body.insert("quality".into(), json!(quality.as_str()));
    }
    if !request.input_images.is_empty() {
        body.insert("input_urls".into(), json!(request.input_images));
    }
    if let Some(url) = &request.webhook_url {
        body.insert("callback_url".into(), json!(url));
    }
    Value::Object(body)
}

/// A 200 can still carry `{"code": 4xx, "message": …}`: surface it as the error it is.
fn envelope_error(v: &Value, response: &HttpResponse) -> Option<Error> {
    let code = v.get("code")?.as_u64()?;
    if (200..300).contains(&code) {
        return None;
    }
    let status = u16::try_from(code)
        .ok()
        .filter(|c| (400..600).contains(c))?;
    Some(error_from_reply(Provider::ApiInOne, response, status))
}

/// `{"code":200,"data":{"task_id","status"}}` or `{"id":"task_…","status":"pending",…}`.
pub(super) fn parse_submit(v: &Value, response: &HttpResponse) -> Result<Job, Error> {
    if let Some(err) = envelope_error(v, response) {
        return Err(err);
    }
    let raw = &response.body;
    let inner = v.get("data").filter(|d| d.is_object()).unwrap_or(v);
    let id = ["task_id", "taskId", "id"]
        .iter()
        .find_map(|k| inner.get(*k).and_then(Value::as_str))
        .filter(|id| super::check_job_id(id).is_ok())
        .ok_or_else(|| Error::decode("API in One's create reply has no usable task id", raw))?;
    let status = match inner.get("status").and_then(Value::as_str) {
        Some(s) => JobStatus::parse(s).ok_or_else(|| {
            Error::decode(format!("API in One sent an unknown task status {s:?}"), raw)
        })?,
        None => JobStatus::Queued,
    };
    Ok(Job {
        id: id.to_owned(),
        provider: Provider::ApiInOne,
        status,
        idempotency_key: None,
    })
}

/// `{"code":200,"data":{"id","status","progress","result":{"images":[{"url":[…]}]},"error"}}`,
/// or the same fields unwrapped; `url` a string or a list; status in any case.
pub(super) fn parse_status(
    v: &Value,
    response: &HttpResponse,
    asked: &str,
) -> Result<JobUpdate, Error> {
    if let Some(err) = envelope_error(v, response) {
        return Err(err);
    }
    let raw = &response.body;
    let inner = v.get("data").filter(|d| d.is_object()).unwrap_or(v);
    if !inner.is_object() {
        return Err(Error::decode(
            "API in One's task reply is not an object",
            raw,
        ));
    }
    let status_text = inner
        .get("status")
        .or_else(|| inner.get("state"))
        .and_then(Value::as_str)
        .ok_or_else(|| Error::decode("API in One's task reply has no status", raw))?;
    let status = JobStatus::parse(status_text).ok_or_else(|| {
        Error::decode(
            format!("API in One sent an unknown task status {status_text:?}"),
            raw,
        )
    })?;
    let mut images = Vec::new();
    for key in ["result", "output", "images"] {
        if let Some(result) = inner.get(key) {
            collect_urls(result, &mut images);
        }
    }
    if status == JobStatus::Completed && images.is_empty() {
        return Err(Error::decode(
            "API in One says the task completed but gives no image URL",
            raw,
        ));
    }
    let id = ["id", "task_id", "taskId"]
        .iter()
        .find_map(|k| inner.get(*k).and_then(Value::as_str))
        .unwrap_or(asked);
    let progress = match status {
        JobStatus::Completed => Some(100),
        _ => progress_of(inner.get("progress")),
    };
    let credit_cost = ["credits", "credit_cost", "creditCost", "cost"]
        .iter()
        .find_map(|k| credits_of(inner.get(*k)));
    Ok(JobUpdate {
        id: id.to_owned(),
        status,
        progress,
        images,
        error: reason_of(inner.get("error")).or_else(|| {
            (status == JobStatus::Failed)
                .then(|| reason_of(inner.get("message")))
                .flatten()
        }),
        credit_cost,
    })
}
