//! Which incoming paths the proxy forwards: `{basePath}/{provider}/{the provider's own path}`
//! for exactly the routes the client uses, and nothing else.
//!
//! The path is read as raw text, before any decoding, and anything that could mean another
//! path to some server on the way (`..`, `%2f`, `%2e`, any `%`, `//`, `\`, an absolute URL)
//! is refused, never normalised. Pure: no I/O.

use gpt_image::Provider;
use gpt_image::error::quoted;
use gpt_image::job::check_job_id;

/// What a forwarded request does at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v2/images/generate` (Apiframe) or `POST /api/v1/images/generations` (API in One).
    Submit,
    /// `GET /v2/jobs/{id}` or `GET /api/v1/tasks/{id}`, with an id that passed the core's
    /// job-id rule.
    Status(String),
    /// `GET /v2/jobs?…` (Apiframe only), with the query rebuilt from allow-listed parameters
    /// (empty or starting with `?`).
    List(String),
}

/// A request the proxy knows how to forward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub provider: Provider,
    pub endpoint: Endpoint,
}

/// Why a path is not forwarded: the status to answer with and a message for the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    /// The provider the path named, when it named one, so the reply takes its error shape.
    pub provider: Option<Provider>,
    pub message: String,
    /// For 405: the one method the route takes.
    pub allow: Option<&'static str>,
}

impl Refused {
    fn new(status: u16, provider: Option<Provider>, message: impl Into<String>) -> Self {
        Refused {
            status,
            provider,
            message: message.into(),
            allow: None,
        }
    }
}

/// Query parameters of Apiframe's job listing that are forwarded (providers.md); any other is
/// refused.
pub const LIST_PARAMS: [&str; 6] = ["status", "model", "limit", "cursor", "scope", "search"];

/// The provider named by the first segment after the base path, if the path is clean enough to
/// say. Used to answer refusals in that provider's error shape.
pub fn provider_of(base_path: &str, path_and_query: &str) -> Option<Provider> {
    let path = path_and_query.split(['?', '#']).next().unwrap_or("");
    let rest = strip_base(base_path, path)?;
    let segment = rest.strip_prefix('/')?.split('/').next()?;
    Provider::ALL.into_iter().find(|p| p.id() == segment)
}

/// Reads `path_and_query` (the raw request target, e.g. `/api/gpt-image/apiframe/v2/jobs/42`)
/// under `base_path` (`""` for the root, else `/…` without a trailing slash).
pub fn route(base_path: &str, method: &str, path_and_query: &str) -> Result<Route, Refused> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    check_raw_path(path)?;
    if path_and_query.contains('#') {
        return Err(Refused::new(400, None, "the request target has a fragment"));
    }
    let Some(rest) = strip_base(base_path, path) else {
        return Err(Refused::new(
            404,
            None,
            format!(
                "{} is not under this proxy's base path {}",
                quoted(path),
                quoted(if base_path.is_empty() { "/" } else { base_path })
            ),
        ));
    };
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let (segment, provider_path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let Some(provider) = Provider::ALL.into_iter().find(|p| p.id() == segment) else {
        return Err(Refused::new(
            404,
            None,
            format!(
                "unknown provider {}: this proxy serves {}/apiframe/… and {}/apiinone/…",
                quoted(segment),
                base_path,
                base_path
            ),
        ));
    };
    let endpoint = endpoint(provider, provider_path, query)?;
    let wanted = match endpoint {
        Endpoint::Submit => "POST",
        Endpoint::Status(_) | Endpoint::List(_) => "GET",
    };
    // OPTIONS is a preflight: the caller answers it before forwarding anything.
    if method != wanted && method != "OPTIONS" {
        return Err(Refused {
            allow: Some(wanted),
            ..Refused::new(
                405,
                Some(provider),
                format!(
                    "{} {} takes {wanted} only",
                    method_text(method),
                    quoted(provider_path)
                ),
            )
        });
    }
    if query.is_some() && !matches!(endpoint, Endpoint::List(_)) {
        return Err(Refused::new(
            400,
            Some(provider),
            format!(
                "{} takes no query string on this proxy",
                quoted(provider_path)
            ),
        ));
    }
    Ok(Route { provider, endpoint })
}

/// The method as shown in a message: an HTTP token, or a placeholder for anything else.
fn method_text(method: &str) -> &str {
    let token = !method.is_empty()
        && method.len() <= 20
        && method.bytes().all(|b| b.is_ascii_alphanumeric());
    if token { method } else { "this method" }
}

fn strip_base<'a>(base_path: &str, path: &'a str) -> Option<&'a str> {
    let rest = path.strip_prefix(base_path)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// Refuses every path a server on the way could read as another path.
fn check_raw_path(path: &str) -> Result<(), Refused> {
    let refuse = |why: &str| Err(Refused::new(400, None, format!("the path {why}")));
    if !path.starts_with('/') {
        return refuse("must start with '/': absolute URLs and other request targets are refused");
    }
    if !path
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'"' && b != b'<' && b != b'>')
    {
        return refuse("has spaces, control, non-ASCII or backslash characters");
    }
    if path.contains('%') {
        return refuse("has a percent-encoded character: none of the forwarded routes needs one");
    }
    if path.contains("//") {
        return refuse("has an empty segment ('//')");
    }
    if path.split('/').any(|s| s == "." || s == "..") || path.contains("..") {
        return refuse("has a '.' or '..' segment");
    }
    Ok(())
}

fn endpoint(provider: Provider, path: &str, query: Option<&str>) -> Result<Endpoint, Refused> {
    let (submit, status_prefix) = match provider {
        Provider::Apiframe => ("/v2/images/generate", "/v2/jobs/"),
        Provider::ApiInOne => ("/api/v1/images/generations", "/api/v1/tasks/"),
    };
    if path == submit {
        return Ok(Endpoint::Submit);
    }
    if provider == Provider::Apiframe && path == "/v2/jobs" {
        return list_query(query.unwrap_or("")).map(Endpoint::List);
    }
    if let Some(id) = path.strip_prefix(status_prefix) {
        return match check_job_id(id) {
            Ok(()) => Ok(Endpoint::Status(id.to_owned())),
            Err(_) => Err(Refused::new(
                404,
                Some(provider),
                format!(
                    "{} is not a job id: expected letters, digits, '-', '_', '.' or ':'",
                    quoted(id)
                ),
            )),
        };
    }
    Err(Refused::new(
        404,
        Some(provider),
        format!(
            "{} is not a route this proxy forwards to {}",
            quoted(path),
            provider.name()
        ),
    ))
}

/// Rebuilds the listing query from allow-listed parameters with plain values.
fn list_query(query: &str) -> Result<String, Refused> {
    let refuse = |message: String| Err(Refused::new(400, Some(Provider::Apiframe), message));
    let mut kept: Vec<&str> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !LIST_PARAMS.contains(&name) {
            return refuse(format!(
                "query parameter {} is not forwarded; allowed: {}",
                quoted(name),
                LIST_PARAMS.join(", ")
            ));
        }
        if kept.iter().any(|k| k.split('=').next() == Some(name)) {
            return refuse(format!("query parameter {} is repeated", quoted(name)));
        }
        if !plain_value(value) {
            return refuse(format!(
                "query parameter {name} has a value that is not plain letters, digits, '-', '_', '.', ':', '~' or ',' (a list of statuses)"
            ));
        }
        kept.push(pair);
    }
    Ok(if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    })
}

/// A listing value: letters, digits, `-_.:~` and `,` (several statuses), each possibly
/// percent-encoded (as `URLSearchParams` writes `,`), at most 200 bytes.
fn plain_value(value: &str) -> bool {
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"-_.:~,".contains(&b);
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let decoded = value
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            match decoded {
                Some(b) if safe(b) => i += 3,
                _ => return false,
            }
        } else if safe(bytes[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    value.len() <= 200
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "/api/gpt-image";

    fn ok(method: &str, path: &str) -> Route {
        route(BASE, method, path).unwrap_or_else(|r| panic!("{path}: {r:?}"))
    }

    fn status(method: &str, path: &str) -> u16 {
        match route(BASE, method, path) {
            Ok(r) => panic!("{method} {path} was routed: {r:?}"),
            Err(r) => r.status,
        }
    }

    #[test]
    fn the_clients_routes_are_forwarded() {
        let r = ok("POST", "/api/gpt-image/apiframe/v2/images/generate");
        assert_eq!(
            (r.provider, r.endpoint),
            (Provider::Apiframe, Endpoint::Submit)
        );
        let r = ok("GET", "/api/gpt-image/apiframe/v2/jobs/9b1d-4e");
        assert_eq!(r.endpoint, Endpoint::Status("9b1d-4e".into()));
        let r = ok("POST", "/api/gpt-image/apiinone/api/v1/images/generations");
        assert_eq!(
            (r.provider, r.endpoint),
            (Provider::ApiInOne, Endpoint::Submit)
        );
        let r = ok("GET", "/api/gpt-image/apiinone/api/v1/tasks/task_1");
        assert_eq!(r.endpoint, Endpoint::Status("task_1".into()));
        let r = ok(
            "GET",
            "/api/gpt-image/apiframe/v2/jobs?status=COMPLETED&limit=5&cursor=ab-1",
        );
        assert_eq!(
            r.endpoint,
            Endpoint::List("?status=COMPLETED&limit=5&cursor=ab-1".into())
        );
        let r = ok(
            "GET",
            "/api/gpt-image/apiframe/v2/jobs?status=QUEUED%2CPROCESSING&search=a-1",
        );
        assert_eq!(
            r.endpoint,
            Endpoint::List("?status=QUEUED%2CPROCESSING&search=a-1".into())
        );
        ok(
            "GET",
            "/api/gpt-image/apiframe/v2/jobs?status=queued,processing&scope=team",
        );
        assert_eq!(
            ok("GET", "/api/gpt-image/apiframe/v2/jobs").endpoint,
            Endpoint::List(String::new())
        );
        // At the root.
        let r = route("", "GET", "/apiinone/api/v1/tasks/t").unwrap();
        assert_eq!(r.provider, Provider::ApiInOne);
    }

    #[test]
    fn other_routes_and_methods_are_refused() {
        for (method, path, want) in [
            ("GET", "/api/gpt-image/apiframe/v2/me", 404),
            ("GET", "/api/gpt-image/apiframe/v2/jobs/a/b", 404),
            ("GET", "/api/gpt-image/apiframe/v2/jobs/", 404),
            ("GET", "/api/gpt-image/openai/v1/images/generations", 404),
            ("GET", "/api/gpt-image", 404),
            ("GET", "/api/gpt-image-other/apiframe/v2/jobs/1", 404),
            ("GET", "/elsewhere/apiframe/v2/jobs/1", 404),
            ("GET", "/api/gpt-image/apiinone/v2/jobs/1", 404),
            ("GET", "/api/gpt-image/apiinone/api/v1/tasks", 404),
            ("GET", "/api/gpt-image/apiframe/v2/images/generate", 405),
            ("DELETE", "/api/gpt-image/apiframe/v2/jobs/1", 405),
            (
                "PUT",
                "/api/gpt-image/apiinone/api/v1/images/generations",
                405,
            ),
            ("POST", "/api/gpt-image/apiframe/v2/jobs", 405),
            ("GET", "/api/gpt-image/apiframe/v2/jobs/1?x=1", 400),
            (
                "GET",
                "/api/gpt-image/apiframe/v2/jobs?scope=team&apiKey=1",
                400,
            ),
            (
                "GET",
                "/api/gpt-image/apiframe/v2/jobs?limit=1&limit=2",
                400,
            ),
            ("GET", "/api/gpt-image/apiframe/v2/jobs?cursor=a%26b", 400),
            ("GET", "/api/gpt-image/apiframe/v2/jobs?cursor=a%2F..", 400),
            ("GET", "/api/gpt-image/apiframe/v2/jobs?cursor=a%2", 400),
            ("GET", "/api/gpt-image/apiframe/v2/jobs?cursor=a%zz", 400),
            ("GET", "/api/gpt-image/apiframe/v2/jobs?cursor=a+b", 400),
        ] {
            assert_eq!(status(method, path), want, "{method} {path}");
        }
        let r = route(BASE, "PATCH", "/api/gpt-image/apiframe/v2/jobs/1").unwrap_err();
        assert_eq!(r.allow, Some("GET"));
        assert_eq!(r.provider, Some(Provider::Apiframe));
    }

    #[test]
    fn traversal_and_encodings_are_refused_never_normalised() {
        for path in [
            "/api/gpt-image/apiframe/v2/jobs/..",
            "/api/gpt-image/apiframe/v2/jobs/../me",
            "/api/gpt-image/apiframe/../apiframe/v2/jobs/1",
            "/api/gpt-image/apiframe/v2/jobs/./1",
            "/api/gpt-image/apiframe/v2/jobs/a..b",
            "/api/gpt-image/apiframe/v2/jobs/%2e%2e",
            "/api/gpt-image/apiframe/v2/jobs/%2E%2E",
            "/api/gpt-image/apiframe/v2/jobs/1%2fme",
            "/api/gpt-image/apiframe/v2/jobs/1%2Fme",
            "/api/gpt-image/apiframe/v2%2fjobs/1",
            "/api/gpt-image/apiframe/v2/jobs/%31",
            "/api/gpt-image/apiframe//v2/jobs/1",
            "//api/gpt-image/apiframe/v2/jobs/1",
            "/api/gpt-image/apiframe/v2/jobs/1\\..\\me",
            "http://evil.example/api/gpt-image/apiframe/v2/jobs/1",
            "api/gpt-image/apiframe/v2/jobs/1",
            "",
            "*",
            "/api/gpt-image/apiframe/v2/jobs/é",
            "/api/gpt-image/apiframe/v2/jobs/a b",
            "/api/gpt-image/apiframe/v2/jobs/1#x",
        ] {
            let status = match route(BASE, "GET", path) {
                Ok(r) => panic!("{path} was routed: {r:?}"),
                Err(r) => r.status,
            };
            assert!((400..500).contains(&status), "{path}: {status}");
        }
    }

    #[test]
    fn provider_of_names_the_shape_to_answer_in() {
        assert_eq!(
            provider_of(BASE, "/api/gpt-image/apiinone/x?y"),
            Some(Provider::ApiInOne)
        );
        assert_eq!(provider_of(BASE, "/api/gpt-image/openai/x"), None);
        assert_eq!(provider_of("", "/apiframe"), Some(Provider::Apiframe));
    }
}
