//! Error replies in each provider's shape.
//!
//! Apiframe (the emulator's choice, the real shape is unconfirmed):
//! `{"error": {"code": "<snake_case>", "message": "…"}, "requestId": "req_…"}`.
//! API in One: `{"error": {"code": <status>, "message": "…", "type": "invalid_request" | …}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::jobs::Provider;

/// An error to send back, before it is given a provider's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Apiframe's snake_case code (API in One uses the status number and a type instead).
    pub code: &'static str,
    /// Human text, naming the field at fault where there is one.
    pub message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// A 400 validation error.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// API in One's `type` for this status.
    fn api_in_one_type(&self) -> &'static str {
        match self.status.as_u16() {
            401 | 403 => "authentication_error",
            404 => "not_found",
            429 => "rate_limit_error",
            500.. => "server_error",
            _ => "invalid_request",
        }
    }

    /// The JSON body in `provider`'s shape.
    pub fn body(&self, provider: Provider, request_id: &str) -> serde_json::Value {
        match provider {
            Provider::Apiframe => json!({
                "error": {"code": self.code, "message": self.message},
                "requestId": request_id,
            }),
            Provider::ApiInOne => json!({
                "error": {
                    "code": self.status.as_u16(),
                    "message": self.message,
                    "type": self.api_in_one_type(),
                }
            }),
        }
    }

    /// The full reply in `provider`'s shape.
    pub fn reply(&self, provider: Provider, request_id: &str) -> Response {
        (self.status, axum::Json(self.body(provider, request_id))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_per_provider() {
        let error = ApiError::invalid("invalid_parameter", "quality must be one of auto, low");
        assert_eq!(
            error.body(Provider::Apiframe, "req_1"),
            json!({"error": {"code": "invalid_parameter", "message": "quality must be one of auto, low"}, "requestId": "req_1"})
        );
        assert_eq!(
            error.body(Provider::ApiInOne, "req_1"),
            json!({"error": {"code": 400, "message": "quality must be one of auto, low", "type": "invalid_request"}})
        );
        let limited = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "slow down");
        assert_eq!(
            limited.body(Provider::ApiInOne, "r")["error"]["type"],
            "rate_limit_error"
        );
        let down = ApiError::new(StatusCode::BAD_GATEWAY, "bad_gateway", "upstream");
        assert_eq!(
            down.body(Provider::ApiInOne, "r")["error"]["type"],
            "server_error"
        );
    }
}
