//! A request to either provider's API, from arrival to answer: the steps both providers'
//! handlers share.
//!
//! Every provider route takes the key the request presents, applies the fault plan, checks the
//! key and answers errors in the provider's shape ([`ProviderRequest::answer`]). The status
//! routes are the same but for their body ([`ProviderRequest::status`]), and both submits give a
//! new job its inputs, duration and failure the same way ([`ProviderRequest::fate`]). Both
//! submits also read the body, its `prompt` and `model` and input image URLs alike.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::FromRequestParts;
use axum::extract::rejection::ExtensionRejection;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Json, Response};
use bytes::Bytes;
use image::RgbaImage;
use serde_json::{Map, Value};

use crate::errors::ApiError;
use crate::faults::{Plan, RequestKind};
use crate::files::read_inputs;
use crate::injection::{Call, guarded};
use crate::jobs::{INJECTED_FAILURE, Job, Provider};
use crate::timing::Progress;
use crate::{PathFault, RequestId, Shared, auth, lock, request_host};

/// The parts of a request that every provider route takes before its own path and body:
/// state, request id, `/_fault/SPEC/` prefix and headers.
pub struct Arrival {
    state: Shared,
    request_id: RequestId,
    path_fault: Option<PathFault>,
    headers: HeaderMap,
}

impl FromRequestParts<Shared> for Arrival {
    type Rejection = ExtensionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let Extension(request_id) =
            Extension::<RequestId>::from_request_parts(parts, state).await?;
        Ok(Arrival {
            state: state.clone(),
            request_id,
            path_fault: parts.extensions.get::<PathFault>().cloned(),
            headers: parts.headers.clone(),
        })
    }
}

impl Arrival {
    /// This request, as one to a route of `provider`.
    pub fn to(self, provider: Provider) -> ProviderRequest {
        ProviderRequest {
            provider,
            presented_key: auth::presented_key(provider, &self.headers),
            state: self.state,
            headers: self.headers,
            request_id: self.request_id,
            path_fault: self.path_fault,
        }
    }
}

/// A request to a route of one provider.
pub struct ProviderRequest {
    /// Provider whose route is answering.
    pub provider: Provider,
    /// Key presented, checked or not: scopes statistics and fault counts.
    pub presented_key: String,
    /// The emulator's shared state.
    pub state: Shared,
    /// Request headers.
    pub headers: HeaderMap,
    request_id: RequestId,
    path_fault: Option<PathFault>,
}

/// What a new job gets besides its request: input images, duration, failure and progress
/// pattern.
pub struct Fate {
    /// Decoded input images (none if one could not be read).
    pub inputs: Vec<Arc<RgbaImage>>,
    /// Time from creation to completion.
    pub duration: Duration,
    /// Reason the job fails, if it does.
    pub failure: Option<String>,
    /// How its progress rises.
    pub progress: Progress,
}

/// The body of a job in a provider's status shape: `(job, now, host, alt_shape)`.
pub type StatusBody = fn(&Job, Instant, &str, bool) -> Value;

impl ProviderRequest {
    /// `error` as a reply in the provider's shape.
    pub fn reply(&self, error: ApiError) -> Response {
        error.reply(self.provider, &self.request_id.0)
    }

    /// Runs `work` under the faults for `kind` once the API key is accepted, handing it the
    /// fault plan and the key; a refused key is answered in the provider's shape.
    pub async fn answer<F, Fut>(&self, kind: RequestKind, work: F) -> Response
    where
        F: FnOnce(Plan, String) -> Fut,
        Fut: Future<Output = Response>,
    {
        let call = Call {
            provider: self.provider,
            kind,
            headers: &self.headers,
            path_fault: self.path_fault.as_ref(),
            api_key: &self.presented_key,
            request_id: &self.request_id.0,
        };
        guarded(&self.state, call, |plan| async move {
            match auth::check(self.provider, &self.headers) {
                Ok(key) => work(plan, key).await,
                Err(error) => self.reply(error),
            }
        })
        .await
    }

    /// A status route: counts the poll of `id`, then answers with `body` of the caller's job of
    /// this provider, or a 404 `"{noun} {id} not found"`.
    pub async fn status(&self, id: &str, noun: &str, body: StatusBody) -> Response {
        lock(&self.state.stats).polled(&self.presented_key, id);
        self.answer(RequestKind::Poll, |plan, key| async move {
            let body = lock(&self.state.jobs)
                .owned(id, &key)
                .filter(|job| job.provider == self.provider)
                .map(|job| {
                    body(
                        job,
                        Instant::now(),
                        &request_host(&self.headers),
                        plan.alt_shape,
                    )
                });
            match body {
                Some(body) => Json(body).into_response(),
                None => self.reply(ApiError::not_found(format!("{noun} {id} not found"))),
            }
        })
        .await
    }

    /// Inputs, duration, failure and progress pattern of a new job: the input images read from
    /// `input_urls`, a duration drawn from the provider's distribution, a failure from, in this
    /// order, an unreadable input, the `fail` fault or `--fail-rate`, and a pattern from
    /// `--progress`.
    pub async fn fate(&self, plan: &Plan, input_urls: &[String]) -> Fate {
        let (inputs, input_failure) = match read_inputs(&self.state, input_urls).await {
            Ok(inputs) => (inputs, None),
            Err(reason) => (Vec::new(), Some(reason)),
        };
        let (duration, random_failure, progress) = self.state.draw_fate(self.provider);
        let failure = input_failure
            .or_else(|| plan.fail.then(|| INJECTED_FAILURE.to_string()))
            .or(random_failure);
        Fate {
            inputs,
            duration,
            failure,
            progress,
        }
    }
}

/// A submit body as JSON, or a 400 `invalid_json`.
pub fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice::<Value>(body).map_err(|e| {
        ApiError::invalid(
            "invalid_json",
            format!("request body is not valid JSON: {e}"),
        )
    })
}

/// The `prompt` of a submit body, which must be a string.
pub fn prompt(body: &Map<String, Value>) -> Result<String, ApiError> {
    match body.get("prompt") {
        Some(Value::String(p)) => Ok(p.clone()),
        None | Some(Value::Null) => {
            Err(ApiError::invalid("invalid_parameter", "prompt is required"))
        }
        Some(_) => Err(ApiError::invalid(
            "invalid_parameter",
            "prompt must be a string",
        )),
    }
}

/// Checks that a submit body's `model` is `model`, the only one served.
pub fn check_model(body: &Map<String, Value>, model: &str) -> Result<(), ApiError> {
    match body.get("model") {
        Some(Value::String(m)) if m == model => Ok(()),
        None | Some(Value::Null) => Err(ApiError::invalid(
            "invalid_parameter",
            format!("model is required and must be \"{model}\""),
        )),
        Some(other) => Err(ApiError::invalid(
            "invalid_parameter",
            format!("model must be \"{model}\", got {other}"),
        )),
    }
}

/// An input image URL this emulator accepts: http(s) or `data:image/`.
pub fn is_image_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://") || url.starts_with("data:image/")
}
