//! Turning the core's [`Error`] into a JavaScript `GptImageError`.
//!
//! The class itself is plain JavaScript in the package's `error.js`, imported here by its
//! relative path, so that the entry files re-export the very same class and `instanceof`
//! works. Only fields that are known are set. The core has already removed the API key from
//! every text an error carries.

use gpt_image::Error;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "./error.js")]
extern "C" {
    type GptImageError;

    #[wasm_bindgen(constructor)]
    fn new(message: &str, details: &js_sys::Object) -> GptImageError;
}

/// The `GptImageError` a failed call rejects (or throws) with.
pub fn to_js(error: &Error) -> JsValue {
    to_js_for_job(error, None)
}

/// As [`to_js`], for a failure while a known job runs: `jobId` is set so the caller can wait
/// for it again (after a timeout, an abort or a network failure).
pub fn to_js_for_job(error: &Error, job_id: Option<&str>) -> JsValue {
    let details = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&details, &JsValue::from_str(key), &value);
    };
    set("kind", error.kind().into());
    if let Some(status) = error.status() {
        set("status", status.into());
    }
    if let Some(request_id) = error.request_id() {
        set("requestId", request_id.into());
    }
    if let Some(body) = error.body().filter(|b| !b.is_empty()) {
        set("body", body.into());
    }
    match error {
        Error::InvalidRequest { field, .. } => set("field", field.as_str().into()),
        Error::Api {
            code: Some(code), ..
        } => set("code", code.as_str().into()),
        Error::RateLimited {
            retry_after_ms: Some(ms),
            ..
        } => set("retryAfterMs", (*ms as f64).into()),
        _ => {}
    }
    let job_id = match error {
        Error::Timeout {
            job_id: Some(id), ..
        }
        | Error::JobFailed { job_id: id, .. } => Some(id.as_str()),
        Error::InvalidRequest { .. } => None,
        _ => job_id,
    };
    if let Some(job_id) = job_id {
        set("jobId", job_id.into());
    }
    GptImageError::new(&error.to_string(), &details).into()
}
