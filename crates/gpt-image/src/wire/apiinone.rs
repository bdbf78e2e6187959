//! API in One: the flat `input_urls` body, both create replies, and the `{code, data}` task body.

use serde_json::{Map, Value};

use super::{Shape, error_from_reply, read_job, read_update};
use crate::error::Error;
use crate::http::HttpResponse;
use crate::job::{Job, JobUpdate};
use crate::provider::Provider;
use crate::request::Request;

/// `model`, `prompt`, `aspect_ratio`, `quality`, `input_urls`, `callback_url`. Options this
/// provider lacks never reach here: validation refuses them first.
pub(super) fn submit_body(request: &Request) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), Value::from(Provider::ApiInOne.model_id()));
    body.insert("prompt".into(), Value::from(request.prompt.as_str()));
    if let Some(ratio) = request.aspect_ratio {
        body.insert("aspect_ratio".into(), Value::from(ratio.as_str()));
    }
    if let Some(quality) = request.quality {
        body.insert("quality".into(), Value::from(quality.as_str()));
    }
    if !request.input_images.is_empty() {
        body.insert(
            "input_urls".into(),
            Value::from(request.input_images.clone()),
        );
    }
    if let Some(url) = &request.webhook_url {
        body.insert("callback_url".into(), Value::from(url.as_str()));
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
    Some(error_from_reply(Provider::ApiInOne, response, status, None))
}

const SHAPE: Shape = Shape {
    provider: Provider::ApiInOne,
    id_keys: &["task_id", "taskId", "id"],
    result_keys: &["result", "output", "images"],
    credit_keys: &["credits", "credit_cost", "creditCost", "cost"],
};

/// The object inside the `{"code", "data"}` envelope, or the reply itself when unwrapped.
fn unwrap_envelope<'a>(v: &'a Value, response: &HttpResponse) -> Result<&'a Value, Error> {
    if let Some(err) = envelope_error(v, response) {
        return Err(err);
    }
    Ok(v.get("data").filter(|d| d.is_object()).unwrap_or(v))
}

/// `{"code":200,"data":{"task_id","status"}}` or `{"id":"task_…","status":"pending",…}`.
pub(super) fn parse_submit(v: &Value, response: &HttpResponse) -> Result<Job, Error> {
    read_job(&SHAPE, unwrap_envelope(v, response)?, &response.body)
}

/// `{"code":200,"data":{"id","status","progress","result":{"images":[{"url":[…]}]},"error"}}`,
/// or the same fields unwrapped; `url` a string or a list; status in any case.
pub(super) fn parse_status(
    v: &Value,
    response: &HttpResponse,
    asked: &str,
) -> Result<JobUpdate, Error> {
    read_update(&SHAPE, unwrap_envelope(v, response)?, &response.body, asked)
}
