//! API key checks for both providers: which key a request presents and whether it is accepted.
//!
//! Pure functions over request headers. Rules: missing key → 401; a key without the provider's
//! prefix (`afk_`, `aio_`) → 401; the documentation's placeholders → 401 saying so; a key starting
//! `afk_inactive` / `aio_inactive` → 403; any other prefixed key is accepted.

use axum::http::{HeaderMap, StatusCode};

use crate::errors::ApiError;
use crate::jobs::Provider;

/// Keys printed in the providers' documentation.
const PLACEHOLDERS: [&str; 3] = ["afk_your_api_key_here", "aio_your_key", "YOUR_API_KEY"];

/// The key a request presents (`X-API-Key` for Apiframe, the bearer token for API in One),
/// or an empty string. Used to scope statistics and fault counts even before the key is checked.
pub fn presented_key(provider: Provider, headers: &HeaderMap) -> String {
    match provider {
        Provider::Apiframe => headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .unwrap_or_default(),
        Provider::ApiInOne => headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let v = v.trim();
                match v.get(..7) {
                    Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => v[7..].trim(),
                    _ => v,
                }
                .to_string()
            })
            .unwrap_or_default(),
    }
}

/// Checks the key a request presents; returns it when accepted.
pub fn check(provider: Provider, headers: &HeaderMap) -> Result<String, ApiError> {
    let (header, prefix) = match provider {
        Provider::Apiframe => ("X-API-Key", "afk_"),
        Provider::ApiInOne => ("Authorization: Bearer", "aio_"),
    };
    let unauthorized =
        |code, message: String| Err(ApiError::new(StatusCode::UNAUTHORIZED, code, message));
    if provider == Provider::ApiInOne {
        let raw = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !raw.is_empty()
            && !raw
                .trim()
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("bearer "))
        {
            return unauthorized(
                "invalid_api_key",
                "Authorization header must be 'Bearer aio_…'".into(),
            );
        }
    }
    let key = presented_key(provider, headers);
    if key.is_empty() {
        return unauthorized(
            "missing_api_key",
            format!("missing API key: send it in the {header} header"),
        );
    }
    if PLACEHOLDERS.contains(&key.as_str()) {
        return unauthorized(
            "placeholder_api_key",
            format!(
                "'{key}' is the documentation's placeholder API key, not a real key: use your own"
            ),
        );
    }
    if !key.starts_with(prefix) {
        return unauthorized(
            "invalid_api_key",
            format!("invalid API key: keys start with '{prefix}'"),
        );
    }
    if key.starts_with(&format!("{prefix}inactive")) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "inactive_api_key",
            "key inactive",
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, value.parse().expect("header value"));
        map
    }

    #[test]
    fn apiframe_keys() {
        let status =
            |h: &HeaderMap| check(Provider::Apiframe, h).map_err(|e| (e.status.as_u16(), e.code));
        assert_eq!(status(&HeaderMap::new()), Err((401, "missing_api_key")));
        assert_eq!(
            status(&headers("x-api-key", "sk-abc")),
            Err((401, "invalid_api_key"))
        );
        assert_eq!(
            status(&headers("x-api-key", "afk_your_api_key_here")),
            Err((401, "placeholder_api_key"))
        );
        assert_eq!(
            status(&headers("x-api-key", "YOUR_API_KEY")),
            Err((401, "placeholder_api_key"))
        );
        assert_eq!(
            status(&headers("x-api-key", "afk_inactive_1")),
            Err((403, "inactive_api_key"))
        );
        assert_eq!(
            status(&headers("x-api-key", "afk_test")),
            Ok("afk_test".into())
        );
    }

    #[test]
    fn api_in_one_keys() {
        let status =
            |h: &HeaderMap| check(Provider::ApiInOne, h).map_err(|e| (e.status.as_u16(), e.code));
        assert_eq!(status(&HeaderMap::new()), Err((401, "missing_api_key")));
        assert_eq!(
            status(&headers("authorization", "aio_x")),
            Err((401, "invalid_api_key"))
        );
        assert_eq!(
            status(&headers("authorization", "Bearer afk_x")),
            Err((401, "invalid_api_key"))
        );
        assert_eq!(
            status(&headers("authorization", "Bearer aio_your_key")),
            Err((401, "placeholder_api_key"))
        );
        assert_eq!(
            status(&headers("authorization", "Bearer aio_inactive")),
            Err((403, "inactive_api_key"))
        );
        assert_eq!(
            status(&headers("authorization", "Bearer aio_live")),
            Ok("aio_live".into())
        );
        assert_eq!(
            presented_key(
                Provider::ApiInOne,
                &headers("authorization", "bearer aio_k")
            ),
            "aio_k"
        );
    }
}
