//! `createClient(options)`: reading the JavaScript object into the core's [`ClientOptions`].
//!
//! Only shapes and types are checked here; the rules of the values (key format, base URL,
//! header names, bounds, a key in a browser) are the core's [`ClientOptions::check`], shared
//! with the studio and the proxy.

use std::str::FromStr;

use gpt_image::config::{MAX_CONCURRENT_JOBS, MAX_RETRIES, Runtime};
use gpt_image::{ApiKey, ClientOptions, ConcurrencyLimit, Error, PollSchedule, Provider};
use serde_json::{Map, Value};

use super::checks::{
    check_keys, invalid, millis_value, object, optional_text, present, type_name, whole_number,
    wrong_type,
};

/// Keys of `createClient(options)`.
pub const CLIENT_OPTIONS: &[&str] = &[
    "provider",
    "apiKey",
    "baseUrl",
    "headers",
    "dangerouslyAllowBrowser",
    "maxRetries",
    "maxPollFailures",
    "timeoutMs",
    "poll",
    "maxConcurrentJobs",
];
/// Keys of `createClient({ poll })`.
pub const POLL_OPTIONS: &[&str] = &["minDelayMs", "maxDelayMs", "typicalMs"];

/// Reads `createClient(options)`. Check the result with [`ClientOptions::check`] and the
/// [`Runtime`] the facade runs in.
pub fn client_options(options: &Value) -> Result<ClientOptions, Error> {
    let obj = object(
        options,
        "options",
        "an object such as { provider: 'apiframe', baseUrl: '/api/gpt-image/apiframe' }",
    )?;
    check_keys(
        "createClient options",
        obj.keys().map(String::as_str),
        CLIENT_OPTIONS,
    )?;
    let provider = match present(obj, "provider") {
        None => {
            return Err(invalid(
                "provider",
                "is required: \"apiframe\" or \"apiinone\"",
            ));
        }
        Some(Value::String(id)) => Provider::from_str(id)?,
        Some(other) => {
            return Err(wrong_type(
                "provider",
                "\"apiframe\" or \"apiinone\"",
                type_name(other),
            ));
        }
    };
    let mut options = ClientOptions::new(provider);
    // The key's value is never echoed, not even its type's contents.
    options.api_key = match present(obj, "apiKey") {
        None => None,
        Some(Value::String(key)) => Some(ApiKey::parse(provider, key)?),
        Some(other) => return Err(wrong_type("apiKey", "a string", type_name(other))),
    };
    options.base_url = optional_text(obj, "baseUrl")?;
    if let Some(headers) = present(obj, "headers") {
        options.headers = header_pairs(headers)?;
    }
    options.dangerously_allow_browser = match present(obj, "dangerouslyAllowBrowser") {
        None => false,
        Some(Value::Bool(allow)) => *allow,
        Some(other) => {
            return Err(wrong_type(
                "dangerouslyAllowBrowser",
                "true or false",
                type_name(other),
            ));
        }
    };
    if let Some(v) = present(obj, "maxRetries") {
        options.retry.max_retries =
            whole_number("maxRetries", v, 0, u64::from(MAX_RETRIES))? as u32;
    }
    if let Some(v) = present(obj, "maxPollFailures") {
        options.retry.max_poll_failures = whole_number("maxPollFailures", v, 1, 1_000)? as u32;
    }
    if let Some(v) = present(obj, "timeoutMs") {
        options.request_timeout_ms = millis_value("timeoutMs", v)?;
    }
    if let Some(v) = present(obj, "poll") {
        options.poll = Some(poll_schedule(v, provider)?);
    }
    if let Some(v) = present(obj, "maxConcurrentJobs") {
        options.max_concurrent_jobs = Some(concurrency_limit(v)?);
    }
    Ok(options)
}

/// `maxConcurrentJobs`: a whole number, or `"account"` (the core checks the bounds and the
/// provider).
fn concurrency_limit(value: &Value) -> Result<ConcurrencyLimit, Error> {
    const FIELD: &str = "maxConcurrentJobs";
    match value {
        Value::String(text) if text == "account" => Ok(ConcurrencyLimit::Account),
        Value::String(text) => Err(invalid(
            FIELD,
            format!(
                "is {}; give a whole number or \"account\"",
                gpt_image::error::quoted(text)
            ),
        )),
        Value::Number(_) => {
            let n = whole_number(FIELD, value, 1, u64::from(MAX_CONCURRENT_JOBS))?;
            Ok(ConcurrencyLimit::Jobs(n as u32))
        }
        other => Err(wrong_type(
            FIELD,
            "a whole number or \"account\"",
            type_name(other),
        )),
    }
}

/// `{ 'X-Session': token }` as name/value pairs; values must be strings and are never echoed.
fn header_pairs(value: &Value) -> Result<Vec<(String, String)>, Error> {
    let obj: &Map<String, Value> = object(
        value,
        "headers",
        "an object of header names to string values, such as { 'X-Session': token }",
    )?;
    obj.iter()
        .map(|(name, v)| match v {
            Value::String(text) => Ok((name.clone(), text.clone())),
            other => Err(invalid(
                "headers",
                format!(
                    "the value of {} must be a string, not {}",
                    gpt_image::error::quoted(name),
                    type_name(other)
                ),
            )),
        })
        .collect()
}

fn poll_schedule(value: &Value, provider: Provider) -> Result<PollSchedule, Error> {
    let obj = object(value, "poll", "an object such as { minDelayMs: 200 }")?;
    check_keys("poll options", obj.keys().map(String::as_str), POLL_OPTIONS)?;
    let mut schedule =
        PollSchedule::for_typical_duration(provider.capabilities().typical_duration_ms);
    let read = |key: &str, field: &str, slot: &mut u64| -> Result<(), Error> {
        if let Some(v) = present(obj, key) {
            *slot = millis_value(field, v)?;
        }
        Ok(())
    };
    read("minDelayMs", "poll.minDelayMs", &mut schedule.min_delay_ms)?;
    read("maxDelayMs", "poll.maxDelayMs", &mut schedule.max_delay_ms)?;
    read("typicalMs", "poll.typicalMs", &mut schedule.typical_ms)?;
    Ok(schedule)
}

/// A `baseUrl` that is a path on the page's own origin, such as `/api/gpt-image/apiframe`
/// (where an app mounts the proxy), made absolute with `page_origin` as `fetch` would read it.
/// Anything else is returned as given, for [`ClientOptions::check`] to judge.
pub fn on_page_origin(base: String, page_origin: Option<&str>) -> String {
    match page_origin {
        Some(origin)
            if base.starts_with('/')
                && !base.starts_with("//")
                && (origin.starts_with("http://") || origin.starts_with("https://")) =>
        {
            format!("{}{base}", origin.trim_end_matches('/'))
        }
        _ => base,
    }
}

/// Where the facade runs, from what the global scope has: a page (`document`) or a web worker
/// (`WorkerGlobalScope`, and the global object is one) is a browser; Node, Deno and Bun (marked
/// by `process.versions.node`, `Deno` or `Bun`, in their workers too) and workerd (whose
/// `navigator.userAgent` is `Cloudflare-Workers`) are servers.
pub fn runtime_of(
    server_marker: bool,
    has_document: bool,
    in_worker_scope: bool,
    user_agent: Option<&str>,
) -> Runtime {
    if server_marker || user_agent == Some("Cloudflare-Workers") {
        return Runtime::Server;
    }
    if has_document || in_worker_scope {
        Runtime::Browser
    } else {
        Runtime::Server
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_base_url_takes_the_page_origin() {
        let page = Some("https://app.example");
        let base = |b: &str| on_page_origin(b.to_owned(), page);
        assert_eq!(
            base("/api/gpt-image/apiframe"),
            "https://app.example/api/gpt-image/apiframe"
        );
        assert_eq!(base("https://x.example/p"), "https://x.example/p");
        // A scheme-relative URL, a bare word, and an opaque origin are left to the core's check.
        assert_eq!(base("//evil.example/p"), "//evil.example/p");
        assert_eq!(base("api"), "api");
        assert_eq!(on_page_origin("/p".into(), Some("null")), "/p");
        assert_eq!(on_page_origin("/p".into(), None), "/p");
        let err = client_options(&serde_json::json!({"provider": "apiframe", "baseUrl": "/p"}))
            .unwrap()
            .check(Runtime::Server)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { field, .. } if field == "baseUrl"));
    }

    use std::fmt;

    use gpt_image::{Config, RetryPolicy};
    use serde_json::json;

    use super::*;

    fn field(result: Result<impl fmt::Debug, Error>) -> (String, String) {
        match result {
            Err(Error::InvalidRequest { field, message }) => (field, message),
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    /// What `createClient` does on a server.
    fn checked(options: &Value) -> Result<Config, Error> {
        client_options(options)?.check(Runtime::Server)
    }

    #[test]
    fn client_options_take_defaults_and_overrides() {
        let config = checked(&json!({ "provider": "apiframe", "apiKey": "afk_x" })).unwrap();
        assert_eq!(config.provider(), Provider::Apiframe);
        assert_eq!(config.request_timeout_ms(), 30_000);
        assert_eq!(config.retry(), RetryPolicy::default());
        assert_eq!(config.poll(), PollSchedule::for_typical_duration(15_000));

        let options = client_options(&json!({
            "provider": "apiinone", "apiKey": "aio_x", "baseUrl": "http://127.0.0.1:1",
            "maxRetries": 0, "timeoutMs": 250.5, "poll": { "minDelayMs": 100, "typicalMs": 500 },
            "extra": null,
        }));
        // An unknown key is refused even when its value is undefined.
        assert_eq!(field(options).0, "extra");

        let config = checked(&json!({
            "provider": "apiinone", "apiKey": "aio_x", "baseUrl": "http://127.0.0.1:1/",
            "maxRetries": 0, "timeoutMs": 250.5, "poll": { "minDelayMs": 100, "typicalMs": 500 },
            "headers": { "X-Session": "s1" }, "dangerouslyAllowBrowser": false,
        }))
        .unwrap();
        assert_eq!(config.retry().max_retries, 0);
        assert_eq!(config.retry().max_poll_failures, 10);
        assert_eq!(config.request_timeout_ms(), 251);
        assert_eq!(
            config.poll(),
            PollSchedule {
                min_delay_ms: 100,
                max_delay_ms: 10_000,
                typical_ms: 500
            }
        );
        assert_eq!(config.base_url(), "http://127.0.0.1:1");
        assert_eq!(
            config.headers(),
            [("x-session".to_owned(), "s1".to_owned())]
        );
    }

    #[test]
    fn a_limit_of_running_jobs_is_a_number_or_the_accounts() {
        let limit = |v: serde_json::Value| {
            let options =
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxConcurrentJobs": v });
            client_options(&options)
                .and_then(|o| o.check(Runtime::Server))
                .map(|c| c.max_concurrent_jobs())
        };
        assert_eq!(limit(json!(5)).unwrap(), Some(ConcurrencyLimit::Jobs(5)));
        assert_eq!(
            limit(json!("account")).unwrap(),
            Some(ConcurrencyLimit::Account)
        );
        assert_eq!(limit(json!(null)).unwrap(), None);
    }

    #[test]
    fn client_option_mistakes_name_the_field() {
        let cases = [
            (json!(null), "options"),
            (json!("apiframe"), "options"),
            (json!({ "apiKey": "afk_x" }), "provider"),
            (
                json!({ "provider": "openai", "apiKey": "sk_x" }),
                "provider",
            ),
            (json!({ "provider": 1, "apiKey": "afk_x" }), "provider"),
            (json!({ "provider": "apiframe" }), "apiKey"),
            (json!({ "provider": "apiframe", "apiKey": "" }), "apiKey"),
            (json!({ "provider": "apiframe", "apiKey": 42 }), "apiKey"),
            (
                json!({ "provider": "apiframe", "apiKey": "aio_x" }),
                "apiKey",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "baseUrl": 3 }),
                "baseUrl",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "baseUrl": "proxy.local" }),
                "baseUrl",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxRetries": -1 }),
                "maxRetries",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxRetries": 1.5 }),
                "maxRetries",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxRetries": 11 }),
                "maxRetries",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxPollFailures": 0 }),
                "maxPollFailures",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxConcurrentJobs": 0 }),
                "maxConcurrentJobs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxConcurrentJobs": 2.5 }),
                "maxConcurrentJobs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxConcurrentJobs": "acount" }),
                "maxConcurrentJobs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxConcurrentJobs": true }),
                "maxConcurrentJobs",
            ),
            (
                json!({ "provider": "apiinone", "apiKey": "aio_x", "maxConcurrentJobs": "account" }),
                "maxConcurrentJobs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "timeoutMs": 0 }),
                "timeoutMs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "timeoutMs": "5s" }),
                "timeoutMs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "api_key": "x" }),
                "api_key",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "poll": 5 }),
                "poll",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "poll": { "min": 1 } }),
                "min",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "poll": { "minDelayMs": 10 } }),
                "poll.minDelayMs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "poll": { "minDelayMs": 900, "maxDelayMs": 800 } }),
                "poll.maxDelayMs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "headers": ["X-A", "1"] }),
                "headers",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "headers": { "X-A": 1 } }),
                "headers",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "headers": { "Authorization": "Bearer x" } }),
                "headers",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "dangerouslyAllowBrowser": "yes" }),
                "dangerouslyAllowBrowser",
            ),
        ];
        for (options, expected) in cases {
            assert_eq!(field(checked(&options)).0, expected, "{options}");
        }
    }

    #[test]
    fn proxy_mode_needs_no_key() {
        let options =
            json!({ "provider": "apiinone", "baseUrl": "https://app.example/api/images" });
        for runtime in [Runtime::Server, Runtime::Browser] {
            let config = client_options(&options).unwrap().check(runtime).unwrap();
            assert!(config.api_key().is_none());
        }
    }

    #[test]
    fn a_key_in_a_browser_needs_the_flag() {
        let options = json!({ "provider": "apiframe", "apiKey": "afk_x" });
        let (f, _) = field(client_options(&options).unwrap().check(Runtime::Browser));
        assert_eq!(f, "dangerouslyAllowBrowser");
        let allowed =
            json!({ "provider": "apiframe", "apiKey": "afk_x", "dangerouslyAllowBrowser": true });
        client_options(&allowed)
            .unwrap()
            .check(Runtime::Browser)
            .unwrap();
    }

    #[test]
    fn the_runtime_is_a_browser_only_in_a_page_or_a_worker() {
        let agent = Some("Mozilla/5.0");
        assert_eq!(runtime_of(false, true, false, agent), Runtime::Browser);
        assert_eq!(runtime_of(false, false, true, agent), Runtime::Browser);
        assert_eq!(
            runtime_of(false, false, false, Some("Node.js/22")),
            Runtime::Server
        );
        assert_eq!(runtime_of(false, false, false, None), Runtime::Server);
        assert_eq!(
            runtime_of(false, false, true, Some("Cloudflare-Workers")),
            Runtime::Server
        );
        // A Deno or Bun worker has a worker scope, and is still a server.
        assert_eq!(runtime_of(true, false, true, agent), Runtime::Server);
    }

    #[test]
    fn the_api_key_is_never_echoed() {
        let secret = "afk_secret_value_123";
        let header_secret = "session_secret_456";
        for options in [
            json!({ "provider": "apiframe", "apiKey": secret, "timeoutMs": -1 }),
            json!({ "provider": "nope", "apiKey": secret }),
            json!({ "provider": "apiframe", "apiKey": [secret] }),
            json!({ "provider": "apiinone", "apiKey": secret }),
            json!({ "provider": "apiframe", "apiKey": format!("{secret} x") }),
            json!({ "provider": "apiframe", "apiKey": secret, "headers": { "X-S": format!("{header_secret}\nx") } }),
        ] {
            let (_, message) = field(checked(&options));
            assert!(!message.contains(secret), "{message}");
            assert!(!message.contains(header_secret), "{message}");
        }
        let options = json!({ "provider": "apiframe", "apiKey": secret, "headers": { "X-S": header_secret } });
        let options = client_options(&options).unwrap();
        assert!(!format!("{options:?}").contains(secret));
        assert!(!format!("{options:?}").contains(header_secret));
        let config = options.check(Runtime::Server).unwrap();
        assert!(!format!("{config:?}").contains(secret));
        assert!(!format!("{config:?}").contains(header_secret));
    }
}
