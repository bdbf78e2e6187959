//! Connection settings: the options a client is built from, and every rule they must meet.
//!
//! Plain data and checks, with no I/O, so the npm facade, the studio and a server-side proxy
//! apply the very same rules and each rule is tested natively. [`ClientOptions`] is what a
//! caller fills in; [`ClientOptions::check`] turns it into a [`Config`], the validated and
//! normalised settings the wasm32 client is built from.
//!
//! The key lives in an [`ApiKey`], whose `Debug` and `Display` print `[redacted]` and which has
//! no `Serialize`, so no log, error or saved setting can carry it by accident.
//!
//! May use: `error`, `provider`, `request` (URL syntax), `retry`, `schedule`. May not touch:
//! the network, timers, the clock, `wire` or JavaScript.

use std::fmt;

use crate::error::{Error, quoted};
use crate::provider::Provider;
use crate::queue::ConcurrencyLimit;
use crate::retry::RetryPolicy;
use crate::schedule::PollSchedule;

/// A provider's API key: trimmed, header-safe and not meant for another provider.
///
/// `Debug` and `Display` never show it; read it with [`ApiKey::expose`] only to send it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Trims `raw` and checks that it is present, printable ASCII usable in a header, and not
    /// a key of the other provider (by [`Provider::key_prefix`]). Errors name field `apiKey`
    /// and never contain the key.
    pub fn parse(provider: Provider, raw: &str) -> Result<ApiKey, Error> {
        let key = raw.trim();
        if key.is_empty() {
            return Err(Error::invalid(
                "apiKey",
                format!("paste your {} API key", provider.name()),
            ));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid(
                "apiKey",
                "the key contains spaces or characters that cannot be sent in a header",
            ));
        }
        if let Some(other) = Provider::ALL
            .into_iter()
            .find(|p| *p != provider && key.starts_with(p.key_prefix()))
        {
            return Err(Error::invalid(
                "apiKey",
                format!(
                    "this looks like a {} key ({}…); {} keys start with {}",
                    other.name(),
                    other.key_prefix(),
                    provider.name(),
                    provider.key_prefix()
                ),
            ));
        }
        Ok(ApiKey(key.to_owned()))
    }

    /// The key itself, to put in the auth header. Never log or display it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where the client runs, which decides whether holding a key is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// A web page or a web worker: everything the client holds is visible to the page's users.
    Browser,
    /// Node, Deno, Bun, an edge worker or any other server-side runtime.
    Server,
}

/// Default per-request timeout: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// Most retries a client may be configured with.
pub const MAX_RETRIES: u32 = 10;
/// The largest `maxConcurrentJobs` a client takes.
pub const MAX_CONCURRENT_JOBS: u32 = 1_000;
/// Shortest poll interval accepted, ms, so that no setting hammers a provider.
pub const MIN_POLL_MS: u64 = 100;

/// Header names an app may not set through [`ClientOptions::headers`]: they carry the
/// provider's auth, or the client (or the browser) sets them itself.
pub const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "cookie",
    "idempotency-key",
    "content-type",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
];

/// Everything a client is built from, as the caller fills it in. Check it with
/// [`ClientOptions::check`].
#[derive(Clone)]
pub struct ClientOptions {
    pub provider: Provider,
    /// The provider key; `None` only with a `base_url` of a proxy that adds the key itself.
    pub api_key: Option<ApiKey>,
    /// A proxy or the emulator instead of the provider's own URL.
    pub base_url: Option<String>,
    /// The app's own headers sent with every request (a session token for its proxy…).
    /// Values may be secrets: `Debug` shows only the names.
    pub headers: Vec<(String, String)>,
    pub retry: RetryPolicy,
    /// Timeout of each HTTP request, ms.
    pub request_timeout_ms: u64,
    /// Polling bounds; by default derived from the provider's typical duration.
    pub poll: Option<PollSchedule>,
    /// Submits beyond this many running jobs wait in a queue; `None` sends every submit at once.
    pub max_concurrent_jobs: Option<ConcurrencyLimit>,
    /// Allow a key in a browser. Only for a personal tool where the user enters their own key:
    /// anywhere else the key is visible to every visitor of the page.
    pub dangerously_allow_browser: bool,
}

impl ClientOptions {
    /// Defaults: the provider's URL, no key, no extra headers, 3 retries, 30 s per request.
    pub fn new(provider: Provider) -> Self {
        ClientOptions {
            provider,
            api_key: None,
            base_url: None,
            headers: Vec::new(),
            retry: RetryPolicy::default(),
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            poll: None,
            max_concurrent_jobs: None,
            dangerously_allow_browser: false,
        }
    }

    /// Sets the key.
    pub fn with_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Sets the base URL (a proxy, the emulator).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Adds one of the app's own headers.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Allows a key in a browser: see [`ClientOptions::dangerously_allow_browser`].
    pub fn dangerously_allow_browser(mut self) -> Self {
        self.dangerously_allow_browser = true;
        self
    }

    /// Checks every option for a client running in `runtime` and returns the normalised
    /// settings. Errors are [`Error::InvalidRequest`] naming the option as JavaScript spells it
    /// (`apiKey`, `baseUrl`, `headers`, `timeoutMs`, `maxRetries`, `poll.minDelayMs`,
    /// `poll.maxDelayMs`, `maxConcurrentJobs`, `dangerouslyAllowBrowser`) and never contain the key or a header value.
    pub fn check(self, runtime: Runtime) -> Result<Config, Error> {
        let provider = self.provider;
        let custom_base = self
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty());
        let base_url = custom_base.unwrap_or(provider.default_base_url());
        check_base_url(base_url)?;
        let base_url = base_url.trim_end_matches('/').to_owned();

        // A key set directly (not through `parse` for this provider) is checked again here.
        let api_key = match &self.api_key {
            Some(key) => Some(ApiKey::parse(provider, key.expose())?),
            None if custom_base.is_some() => None,
            None => {
                return Err(Error::invalid(
                    "apiKey",
                    format!(
                        "pass your {} API key as apiKey, or the baseUrl of a proxy that adds the key on the server",
                        provider.name()
                    ),
                ));
            }
        };
        if api_key.is_some() && runtime == Runtime::Browser && !self.dangerously_allow_browser {
            return Err(Error::invalid(
                "dangerouslyAllowBrowser",
                format!(
                    "an API key in a browser is visible to every visitor of the page, and {} says never to put keys in client code. Run the proxy on your server (gpt-image-wasm/proxy) and pass its baseUrl and no apiKey; set dangerouslyAllowBrowser: true only for a personal tool where the user enters their own key",
                    provider.name()
                ),
            ));
        }

        let headers = check_headers(&self.headers)?;
        if self.request_timeout_ms == 0 {
            return Err(Error::invalid("timeoutMs", "must be more than 0"));
        }
        if self.retry.max_poll_failures == 0 {
            return Err(Error::invalid(
                "maxPollFailures",
                "must be at least 1: a wait needs one poll",
            ));
        }
        if self.retry.max_retries > MAX_RETRIES {
            return Err(Error::invalid(
                "maxRetries",
                format!(
                    "is {}; at most {MAX_RETRIES} retries are allowed",
                    self.retry.max_retries
                ),
            ));
        }
        let poll = match self.poll {
            Some(poll) => check_poll(poll)?,
            None => PollSchedule::for_typical_duration(provider.capabilities().typical_duration_ms),
        };
        match self.max_concurrent_jobs {
            Some(ConcurrencyLimit::Jobs(n)) if !(1..=MAX_CONCURRENT_JOBS).contains(&n) => {
                return Err(Error::invalid(
                    "maxConcurrentJobs",
                    format!(
                        "is {n}; give a whole number from 1 to {MAX_CONCURRENT_JOBS}, or \"account\""
                    ),
                ));
            }
            Some(ConcurrencyLimit::Account) if provider != Provider::Apiframe => {
                return Err(Error::invalid(
                    "maxConcurrentJobs",
                    format!(
                        "\"account\" reads Apiframe's account limit, and {} has none to read: give a number",
                        provider.name()
                    ),
                ));
            }
            _ => {}
        }
        Ok(Config {
            provider,
            api_key,
            base_url,
            headers,
            retry: self.retry,
            request_timeout_ms: self.request_timeout_ms,
            poll,
            max_concurrent_jobs: self.max_concurrent_jobs,
        })
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("provider", &self.provider)
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("headers", &HeaderNames(&self.headers))
            .field("retry", &self.retry)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("poll", &self.poll)
            .field("max_concurrent_jobs", &self.max_concurrent_jobs)
            .field("dangerously_allow_browser", &self.dangerously_allow_browser)
            .finish()
    }
}

/// Checked, normalised connection settings: what the wasm32 `Client` is built from.
#[derive(Clone)]
pub struct Config {
    provider: Provider,
    api_key: Option<ApiKey>,
    base_url: String,
    headers: Vec<(String, String)>,
    retry: RetryPolicy,
    request_timeout_ms: u64,
    poll: PollSchedule,
    max_concurrent_jobs: Option<ConcurrencyLimit>,
}

impl Config {
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The key; `None` in proxy mode, where no auth header is sent.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
    }

    /// The base URL, trimmed and without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The app's own headers, names in lower case.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }

    /// Timeout of each HTTP request, ms (more than 0).
    pub fn request_timeout_ms(&self) -> u64 {
        self.request_timeout_ms
    }

    /// The polling schedule: the caller's, or the provider's default.
    pub fn poll(&self) -> PollSchedule {
        self.poll
    }

    /// How many jobs may run at once before submits wait in a queue; `None`: no queue.
    pub fn max_concurrent_jobs(&self) -> Option<ConcurrencyLimit> {
        self.max_concurrent_jobs
    }

    /// Every secret these settings hold (the key and the header values), for redaction.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.api_key
            .iter()
            .map(ApiKey::expose)
            .chain(self.headers.iter().map(|(_, v)| v.as_str()))
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("provider", &self.provider)
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("headers", &HeaderNames(&self.headers))
            .field("retry", &self.retry)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("poll", &self.poll)
            .field("max_concurrent_jobs", &self.max_concurrent_jobs)
            .finish()
    }
}

/// Shows header names with their values redacted.
struct HeaderNames<'a>(&'a [(String, String)]);

impl fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, _)| (name, "[redacted]")))
            .finish()
    }
}

/// A base URL must be http(s) with a host; a path prefix (a proxy's) is fine, a query or a
/// fragment is not. Errors name field `baseUrl`.
pub fn check_base_url(base: &str) -> Result<(), Error> {
    if crate::request::is_http_url(base) && !base.contains(['?', '#']) {
        Ok(())
    } else {
        Err(Error::invalid(
            "baseUrl",
            format!(
                "{} is not an http(s) URL without query or fragment",
                quoted(base)
            ),
        ))
    }
}

/// The app's headers with names in lower case; refuses malformed, duplicate and reserved ones.
/// Messages name the header, never its value.
fn check_headers(headers: &[(String, String)]) -> Result<Vec<(String, String)>, Error> {
    let mut checked: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let is_token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !is_token {
            return Err(Error::invalid(
                "headers",
                format!(
                    "{} is not a header name: use letters, digits and - only",
                    quoted(name)
                ),
            ));
        }
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(Error::invalid(
                "headers",
                format!(
                    "{name} cannot be set here: the client sets it itself, and the provider's key belongs in apiKey or, better, in your proxy on the server"
                ),
            ));
        }
        if checked.iter().any(|(n, _)| *n == lower) {
            return Err(Error::invalid("headers", format!("{name} is given twice")));
        }
        let value = value.trim();
        if !value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        {
            return Err(Error::invalid(
                "headers",
                format!(
                    "the value of {name} contains characters that cannot be sent in a header (control characters or non-ASCII)"
                ),
            ));
        }
        checked.push((lower, value.to_owned()));
    }
    Ok(checked)
}

fn check_poll(poll: PollSchedule) -> Result<PollSchedule, Error> {
    if poll.min_delay_ms < MIN_POLL_MS {
        return Err(Error::invalid(
            "poll.minDelayMs",
            format!(
                "is {} ms; polling faster than every {MIN_POLL_MS} ms only adds load",
                poll.min_delay_ms
            ),
        ));
    }
    if poll.max_delay_ms < poll.min_delay_ms {
        return Err(Error::invalid(
            "poll.maxDelayMs",
            format!(
                "is {} ms, less than poll.minDelayMs ({} ms)",
                poll.max_delay_ms, poll.min_delay_ms
            ),
        ));
    }
    Ok(poll)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "afk_secret_value_123";

    fn field_of<T: fmt::Debug>(result: Result<T, Error>) -> (String, String) {
        match result {
            Err(Error::InvalidRequest { field, message }) => (field, message),
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    fn key() -> ApiKey {
        ApiKey::parse(Provider::Apiframe, SECRET).unwrap()
    }

    fn options() -> ClientOptions {
        ClientOptions::new(Provider::Apiframe).with_key(key())
    }

    #[test]
    fn keys_are_trimmed_and_checked() {
        let k = ApiKey::parse(Provider::Apiframe, "  afk_ok  ").unwrap();
        assert_eq!(k.expose(), "afk_ok");
        for (raw, text) in [
            ("", "paste your Apiframe API key"),
            ("   ", "paste your Apiframe API key"),
            ("afk_a b", "cannot be sent in a header"),
            ("afk_é", "cannot be sent in a header"),
            ("afk_\u{7f}", "cannot be sent in a header"),
            (
                "aio_x",
                "this looks like a API in One key (aio_…); Apiframe keys start with afk_",
            ),
        ] {
            let (field, message) = field_of(ApiKey::parse(Provider::Apiframe, raw));
            assert_eq!(field, "apiKey");
            assert!(message.contains(text), "{raw:?}: {message}");
        }
        let (_, message) = field_of(ApiKey::parse(Provider::ApiInOne, "afk_x"));
        assert!(message.contains("Apiframe key"), "{message}");
        // A key without a known prefix is accepted: prefixes may change.
        ApiKey::parse(Provider::ApiInOne, "sk-custom").unwrap();
    }

    #[test]
    fn a_limit_of_running_jobs_is_checked() {
        let with = |provider: Provider, limit| {
            let key = match provider {
                Provider::Apiframe => "afk_k",
                Provider::ApiInOne => "aio_k",
            };
            let options = ClientOptions {
                max_concurrent_jobs: Some(limit),
                ..ClientOptions::new(provider).with_key(ApiKey::parse(provider, key).unwrap())
            };
            options.check(Runtime::Server)
        };
        let config = with(Provider::Apiframe, ConcurrencyLimit::Jobs(5)).unwrap();
        assert_eq!(
            config.max_concurrent_jobs(),
            Some(ConcurrencyLimit::Jobs(5))
        );
        with(Provider::Apiframe, ConcurrencyLimit::Account).unwrap();
        with(Provider::ApiInOne, ConcurrencyLimit::Jobs(1_000)).unwrap();
        for (provider, limit, text) in [
            (
                Provider::Apiframe,
                ConcurrencyLimit::Jobs(0),
                "is 0; give a whole number from 1 to 1000",
            ),
            (Provider::ApiInOne, ConcurrencyLimit::Jobs(1_001), "is 1001"),
            (
                Provider::ApiInOne,
                ConcurrencyLimit::Account,
                "API in One has none to read: give a number",
            ),
        ] {
            let (field, message) = field_of(with(provider, limit));
            assert_eq!(field, "maxConcurrentJobs");
            assert!(message.contains(text), "{message}");
        }
        assert_eq!(
            options()
                .check(Runtime::Server)
                .unwrap()
                .max_concurrent_jobs(),
            None
        );
    }

    #[test]
    fn the_key_never_shows() {
        let k = key();
        assert_eq!(k.to_string(), "[redacted]");
        assert!(!format!("{k:?}").contains(SECRET));
        let options = options()
            .with_base_url("http://127.0.0.1:1")
            .with_header("X-Session", "session_secret_987");
        let debug = format!("{options:?}");
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(!debug.contains("session_secret_987"), "{debug}");
        assert!(
            debug.contains("x-session") || debug.contains("X-Session"),
            "{debug}"
        );
        let config = options.check(Runtime::Server).unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(!debug.contains("session_secret_987"), "{debug}");
        // Errors about a bad key never quote it.
        for raw in ["aio_secret_value_123", "afk_secret value_123"] {
            let err = ApiKey::parse(Provider::Apiframe, raw).unwrap_err();
            assert!(!format!("{err} {err:?}").contains(raw));
        }
        assert_eq!(
            config.secrets().collect::<Vec<_>>(),
            [SECRET, "session_secret_987"]
        );
    }

    #[test]
    fn defaults_and_normalisation() {
        let config = options().check(Runtime::Server).unwrap();
        assert_eq!(config.provider(), Provider::Apiframe);
        assert_eq!(config.base_url(), "https://api.apiframe.ai");
        assert_eq!(config.api_key().map(ApiKey::expose), Some(SECRET));
        assert_eq!(config.retry(), RetryPolicy::default());
        assert_eq!(config.request_timeout_ms(), 30_000);
        assert_eq!(config.poll(), PollSchedule::for_typical_duration(15_000));
        assert!(config.headers().is_empty());

        let config = options()
            .with_base_url("  http://127.0.0.1:8787/proxy/  ")
            .check(Runtime::Server)
            .unwrap();
        assert_eq!(config.base_url(), "http://127.0.0.1:8787/proxy");
        // A blank base URL means the provider's own.
        let config = options()
            .with_base_url("  ")
            .check(Runtime::Server)
            .unwrap();
        assert_eq!(config.base_url(), "https://api.apiframe.ai");
    }

    #[test]
    fn base_urls_must_be_http_with_a_host_and_nothing_after() {
        check_base_url("http://127.0.0.1:8787").unwrap();
        check_base_url("https://proxy.example/apiframe/").unwrap();
        for bad in [
            "ftp://x",
            "127.0.0.1:8787",
            "https://",
            "http://h/?a=1",
            "http://h/#x",
            "http://a b",
        ] {
            assert_eq!(field_of(check_base_url(bad)).0, "baseUrl", "{bad}");
            assert_eq!(
                field_of(options().with_base_url(bad).check(Runtime::Server)).0,
                "baseUrl",
                "{bad}"
            );
        }
    }

    #[test]
    fn no_key_only_with_a_proxy() {
        let (field, message) =
            field_of(ClientOptions::new(Provider::ApiInOne).check(Runtime::Server));
        assert_eq!(field, "apiKey");
        assert!(
            message.contains("API in One API key") && message.contains("baseUrl of a proxy"),
            "{message}"
        );
        for runtime in [Runtime::Server, Runtime::Browser] {
            let config = ClientOptions::new(Provider::ApiInOne)
                .with_base_url("https://app.example/api/images")
                .check(runtime)
                .unwrap();
            assert!(config.api_key().is_none());
        }
    }

    #[test]
    fn a_key_in_a_browser_needs_the_flag() {
        let (field, message) = field_of(options().check(Runtime::Browser));
        assert_eq!(field, "dangerouslyAllowBrowser");
        for words in [
            "every visitor",
            "never to put keys in client code",
            "gpt-image-wasm/proxy",
            "baseUrl",
            "dangerouslyAllowBrowser: true",
            "personal tool",
        ] {
            assert!(message.contains(words), "{words}: {message}");
        }
        assert!(!message.contains(SECRET));
        options()
            .dangerously_allow_browser()
            .check(Runtime::Browser)
            .unwrap();
        options().check(Runtime::Server).unwrap();
    }

    #[test]
    fn a_key_set_directly_is_checked_for_the_provider() {
        let mut o = ClientOptions::new(Provider::ApiInOne);
        o.api_key = Some(key());
        assert_eq!(field_of(o.check(Runtime::Server)).0, "apiKey");
    }

    #[test]
    fn app_headers_are_checked_and_lower_cased() {
        let config = options()
            .with_header("X-Session-Token", " abc 123 ")
            .with_header("x-trace", "")
            .check(Runtime::Server)
            .unwrap();
        assert_eq!(
            config.headers(),
            [
                ("x-session-token".to_owned(), "abc 123".to_owned()),
                ("x-trace".to_owned(), String::new())
            ]
        );
        for name in [
            "Authorization",
            "X-API-KEY",
            "cookie",
            "Idempotency-Key",
            "content-type",
            "Host",
        ] {
            let (field, message) =
                field_of(options().with_header(name, "v").check(Runtime::Server));
            assert_eq!(field, "headers", "{name}");
            assert!(message.contains(name), "{message}");
        }
        for (name, value) in [
            ("", "v"),
            ("x session", "v"),
            ("x:y", "v"),
            ("x-é", "v"),
            ("x-ok", "line\nbreak"),
            ("x-ok", "café"),
        ] {
            let (field, message) =
                field_of(options().with_header(name, value).check(Runtime::Server));
            assert_eq!(field, "headers", "{name:?}");
            assert!(!message.contains(value) || value == "v", "{message}");
        }
        let twice = options()
            .with_header("X-A", "1")
            .with_header("x-a", "2")
            .check(Runtime::Server);
        assert!(field_of(twice).1.contains("twice"));
    }

    #[test]
    fn numbers_are_bounded() {
        let mut o = options();
        o.request_timeout_ms = 0;
        assert_eq!(field_of(o.check(Runtime::Server)).0, "timeoutMs");
        let mut o = options();
        o.retry.max_retries = MAX_RETRIES + 1;
        assert_eq!(field_of(o.check(Runtime::Server)).0, "maxRetries");
        let mut o = options();
        o.retry.max_poll_failures = 0;
        assert_eq!(field_of(o.check(Runtime::Server)).0, "maxPollFailures");
        let mut o = options();
        o.poll = Some(PollSchedule {
            min_delay_ms: 10,
            max_delay_ms: 5_000,
            typical_ms: 1_000,
        });
        assert_eq!(field_of(o.check(Runtime::Server)).0, "poll.minDelayMs");
        let mut o = options();
        o.poll = Some(PollSchedule {
            min_delay_ms: 900,
            max_delay_ms: 800,
            typical_ms: 1_000,
        });
        assert_eq!(field_of(o.check(Runtime::Server)).0, "poll.maxDelayMs");
    }
}
