//! Carries out a fault plan around a provider handler: delays, error replies, 429s, malformed,
//! truncated and aborted bodies.
//!
//! The specs come from the `--fault` flag, the `X-Emulator-Fault` header and the `/_fault/SPEC/`
//! path prefix; `faults.rs` decides which rules fire, this module acts on the decision.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::errors::ApiError;
use crate::faults::{Fault, FaultSpec, Plan, RequestKind};
use crate::jobs::Provider;
use crate::{PathFault, Shared, lock};

/// Where a request is going and who sent it, as far as faults are concerned.
pub struct Call<'a> {
    /// Provider whose route is answering.
    pub provider: Provider,
    /// Submit or poll.
    pub kind: RequestKind,
    /// Request headers (for `X-Emulator-Fault`).
    pub headers: &'a HeaderMap,
    /// Spec from a `/_fault/SPEC/` prefix.
    pub path_fault: Option<&'a PathFault>,
    /// Key presented (checked or not), scoping fault counts.
    pub api_key: &'a str,
    /// Id of this request, for error bodies.
    pub request_id: &'a str,
}

/// Runs `work` under the faults that apply to `call`.
pub async fn guarded<F, Fut>(state: &Shared, call: Call<'_>, work: F) -> Response
where
    F: FnOnce(Plan) -> Fut,
    Fut: Future<Output = Response>,
{
    let mut specs: Vec<FaultSpec> = Vec::new();
    let header_text = call
        .headers
        .get("x-emulator-fault")
        .map(|value| value.to_str().unwrap_or("\u{fffd}"));
    for text in header_text
        .into_iter()
        .chain(call.path_fault.map(|p| p.0.as_str()))
    {
        match text.parse::<FaultSpec>() {
            Ok(spec) => specs.push(spec),
            Err(error) => {
                return ApiError::invalid("invalid_fault_spec", error.to_string())
                    .reply(call.provider, call.request_id);
            }
        }
    }
    let plan = {
        let mut all: Vec<&FaultSpec> = state.config.fault.iter().collect();
        all.extend(specs.iter());
        lock(&state.faults).plan(call.api_key, &all, call.kind)
    };
    lock(&state.stats).faults_fired(call.api_key, &plan);
    if plan.delay_ms > 0 {
        tokio::time::sleep(state.scaled(Duration::from_millis(plan.delay_ms))).await;
    }
    match plan.reply {
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (error_code, message) = match code {
                500 => ("internal_error", "Internal server error. Please retry."),
                502 => (
                    "bad_gateway",
                    "Bad gateway: the upstream model service did not answer.",
                ),
                503 => (
                    "service_unavailable",
                    "The service is temporarily unavailable. Please retry.",
                ),
                504 => (
                    "gateway_timeout",
                    "Gateway timeout: the upstream model service took too long.",
                ),
                _ => ("server_error", "The server could not answer. Please retry."),
            };
            ApiError::new(status, error_code, message).reply(call.provider, call.request_id)
        }
        Some(Fault::RateLimited { secs }) => rate_limited(&call, secs, None),
        Some(Fault::RateLimitedMs { millis }) => {
            rate_limited(&call, millis.div_ceil(1000), Some(millis))
        }
        Some(Fault::Drop) => dropped(StatusCode::OK, HeaderMap::new()),
        Some(Fault::Malformed) => malformed(call.provider, call.kind),
        Some(Fault::DropAfter) => {
            let done = work(plan).await;
            let (parts, _) = done.into_parts();
            dropped(parts.status, parts.headers)
        }
        Some(Fault::Truncated) => truncated(work(plan).await).await,
        Some(Fault::Reset) => reset(),
        Some(Fault::ResetAfter) => {
            work(plan).await;
            reset()
        }
        _ => work(plan).await,
    }
}

fn rate_limited(call: &Call<'_>, secs: u64, millis: Option<u64>) -> Response {
    let message = format!("Rate limit exceeded. Retry after {secs} s.");
    let mut reply = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
        .reply(call.provider, call.request_id);
    reply
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    if let Some(millis) = millis {
        reply
            .headers_mut()
            .insert("retry-after-ms", HeaderValue::from(millis));
    }
    reply
}

/// Headers, the start of a JSON body, then an aborted connection.
fn dropped(status: StatusCode, mut headers: HeaderMap) -> Response {
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let chunks = futures_util::stream::unfold(0u8, |step| async move {
        match step {
            0 => Some((
                Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{\"jobId\": \"")),
                1,
            )),
            1 => {
                // Let the headers and first chunk reach the client before the abort.
                tokio::time::sleep(Duration::from_millis(50)).await;
                Some((
                    Err(std::io::Error::other("emulator fault: connection dropped")),
                    2,
                ))
            }
            _ => None,
        }
    });
    let mut response = Response::new(Body::from_stream(chunks));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// No reply at all: the body fails before its first byte, so the server closes the connection
/// before the status line and headers leave (they are written together with the first chunk).
fn reset() -> Response {
    let chunks = futures_util::stream::once(async {
        Err::<Bytes, _>(std::io::Error::other("emulator fault: connection reset"))
    });
    let mut response = Response::new(Body::from_stream(chunks));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// 200 with a complete body that is not JSON (an unquoted value, a trailing comma).
fn malformed(provider: Provider, kind: RequestKind) -> Response {
    let body: &'static str = match (provider, kind) {
        (Provider::Apiframe, RequestKind::Submit) => r#"{"jobId": "b2c3d4", "status": QUEUED}"#,
        (Provider::Apiframe, _) => r#"{"id": "b2c3d4", "status": "PROCESSING", "progress": 40,}"#,
        (Provider::ApiInOne, RequestKind::Submit) => {
            r#"{"code": 200, "message": "success", "data": {"task_id": task_b2c3d4}}"#
        }
        (Provider::ApiInOne, _) => {
            r#"{"code": 200, "data": {"id": "task_b2c3d4", "status": 'processing'}}"#
        }
    };
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `reply` with only the first half of its body, and a `Content-Length` to match.
async fn truncated(reply: Response) -> Response {
    let (mut parts, body) = reply.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
    Response::from_parts(parts, Body::from(half))
}
