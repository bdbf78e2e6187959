//! Apiframe v2: the `gptImageParams` body, the 202 job reply and `GET /v2/jobs/{id}`.

use serde_json::{Map, Value};

use super::{Shape, read_job, read_update};
use crate::error::Error;
use crate::job::{Job, JobUpdate};
use crate::options::OutputFormat;
use crate::provider::Provider;
use crate::request::Request;

/// The documented body: top-level prompt/model/webhook, model options under `gptImageParams`
/// in snake_case. Output format is always sent, because the seed and the docs disagree on its
/// default.
pub(super) fn submit_body(request: &Request) -> Value {
    let mut params = Map::new();
    if !request.input_images.is_empty() {
        params.insert(
            "input_images".into(),
            Value::from(request.input_images.clone()),
        );
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
            params.insert(key.into(), Value::from(value));
        }
    }
    if let Some(n) = request.n {
        params.insert("number_of_images".into(), Value::from(n));
    }
    let mut body = Map::new();
    body.insert("prompt".into(), Value::from(request.prompt.as_str()));
    body.insert("model".into(), Value::from(Provider::Apiframe.model_id()));
    body.insert("gptImageParams".into(), Value::Object(params));
    if let Some(url) = &request.webhook_url {
        body.insert("webhookUrl".into(), Value::from(url.as_str()));
    }
    if !request.webhook_events.is_empty() {
        let events: Vec<&str> = request.webhook_events.iter().map(|e| e.as_str()).collect();
        body.insert("webhookEvents".into(), Value::from(events));
    }
    Value::Object(body)
}

const SHAPE: Shape = Shape {
    provider: Provider::Apiframe,
    id_keys: &["jobId", "id"],
    result_keys: &["result"],
    credit_keys: &["creditCost"],
};

/// `{"jobId": "…", "status": "QUEUED"}` (also tolerates `id`).
pub(super) fn parse_submit(v: &Value, raw: &str) -> Result<Job, Error> {
    read_job(&SHAPE, v, raw)
}

/// `{id, status, progress, result, error, creditCost, …}`, `result` a URL string, `{images}` or null.
pub(super) fn parse_status(v: &Value, raw: &str, asked: &str) -> Result<JobUpdate, Error> {
    read_update(&SHAPE, v, raw, asked)
}
