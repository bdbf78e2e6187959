//! The forwarding decision for one incoming request: answer it here (a refusal or a CORS
//! preflight), ask for its body, or forward it with the server's key. And the reply the caller
//! gets from a provider's answer.
//!
//! Pure: the JavaScript entry does the I/O (reading the body under the size limit, calling the
//! app's `authorize`, fetching the provider) and calls in here at each step.

use gpt_image::error::quoted;
use gpt_image::job::check_idempotency_key;
use gpt_image::{Error, Provider};
use serde_json::Value;

use crate::body::read_request;
use crate::config::{ConfigError, ProxyConfig};
use crate::reply::{
    Headers, Reply, error_reply, grant, header, passed_headers, preflight, redact_body,
};
use crate::route::{Endpoint, Refused, Route, provider_of, route};

/// A request to send to a provider. `headers` holds the server's key: never log them.
#[derive(Clone, PartialEq, Eq)]
pub struct Forward {
    pub provider: Provider,
    pub method: &'static str,
    pub url: String,
    pub headers: Headers,
}

impl std::fmt::Debug for Forward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forward")
            .field("provider", &self.provider)
            .field("method", &self.method)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// What to do with an incoming request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Answer with this and forward nothing.
    Reply(Reply),
    /// A submit that looks right so far: read its body (at most `max_body_bytes`) and plan again
    /// with it.
    ReadBody,
    /// Send this to the provider (the body, for a submit, is the one received, unchanged).
    Forward(Forward),
}

/// Why the proxy answers a request itself, for [`Proxy::refuse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The app's `authorize` said no (401).
    Unauthorized,
    /// The body grew past `max_body_bytes` while being read (413).
    TooLarge,
    /// The app's `authorize` threw (500).
    AuthorizeFailed,
    /// The provider could not be reached (502).
    Unreachable,
    /// The provider did not answer in time (504).
    UpstreamTimeout,
}

/// One configured proxy.
#[derive(Debug)]
pub struct Proxy {
    config: ProxyConfig,
}

impl Proxy {
    /// A proxy with settings read from JSON (see [`ProxyConfig::from_json`]).
    pub fn from_json(config: &str) -> Result<Proxy, ConfigError> {
        ProxyConfig::from_json(config).map(|config| Proxy { config })
    }

    /// The checked settings.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }

    /// Decides what to do with a request: `method`, the raw request target `path_and_query`,
    /// its headers (with `host` set to the host it was sent to) and, once [`Plan::ReadBody`]
    /// asked for it, its body.
    pub fn plan(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Plan {
        let provider = provider_of(&self.config.base_path, path_and_query);
        let origin = match self.origin(headers) {
            Ok(origin) => origin,
            Err(reply) => return Plan::Reply(self.finish(reply, None)),
        };
        let granted = origin.as_deref();
        let refuse = |status: u16, message: &str, field: Option<&str>| {
            Plan::Reply(self.finish(error_reply(provider, status, message, field), granted))
        };

        let Route { provider, endpoint } =
            match route(&self.config.base_path, method, path_and_query) {
                Ok(route) => route,
                Err(refused) => return Plan::Reply(self.refused(refused, granted)),
            };
        let (route_method, provider_path, query) = match &endpoint {
            Endpoint::Submit => ("POST", submit_path(provider).to_owned(), String::new()),
            Endpoint::Status(id) => (
                "GET",
                format!("{}{id}", status_prefix(provider)),
                String::new(),
            ),
            Endpoint::List(query) => ("GET", "/v2/jobs".to_owned(), query.clone()),
        };

        if method == "OPTIONS" {
            return Plan::Reply(match (granted, header(headers, "origin")) {
                (Some(origin), _) => preflight(
                    origin,
                    route_method,
                    header(headers, "access-control-request-headers"),
                ),
                (None, Some(_)) => error_reply(
                    Some(provider),
                    403,
                    "this origin is not in the proxy's allowedOrigins",
                    None,
                ),
                (None, None) => Reply {
                    status: 204,
                    headers: vec![("allow".into(), format!("{route_method}, OPTIONS"))],
                    body: String::new(),
                },
            });
        }

        let Some(key) = self.config.key(provider) else {
            return refuse(
                404,
                &format!(
                    "this proxy has no {} key: set keys.{} on the server to use it",
                    provider.name(),
                    provider.id()
                ),
                None,
            );
        };
        if matches!(endpoint, Endpoint::List(_)) && !self.config.policy.list_jobs {
            return refuse(
                403,
                "this proxy does not forward the job listing (policy.listJobs is false)",
                None,
            );
        }

        let mut forward_headers: Headers = match provider {
            Provider::Apiframe => vec![("x-api-key".into(), key.expose().to_owned())],
            Provider::ApiInOne => {
                vec![("authorization".into(), format!("Bearer {}", key.expose()))]
            }
        };
        if let Some(accept) = header(headers, "accept")
            .filter(|a| a.len() <= 200 && a.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        {
            forward_headers.push(("accept".into(), accept.to_owned()));
        }

        if endpoint == Endpoint::Submit {
            let is_json = header(headers, "content-type").is_some_and(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
            });
            if !is_json {
                return refuse(
                    415,
                    "a submit must be sent with Content-Type: application/json",
                    Some("content-type"),
                );
            }
            let max = self.config.max_body_bytes;
            let declared =
                header(headers, "content-length").and_then(|l| l.trim().parse::<u64>().ok());
            if declared.is_some_and(|n| n > max) {
                return refuse(413, &too_large(max), None);
            }
            if let (Provider::Apiframe, Some(idempotency)) =
                (provider, header(headers, "idempotency-key"))
            {
                if let Err(e) = check_idempotency_key(idempotency) {
                    return refuse(
                        400,
                        &format!("Idempotency-Key {}", message_of(e)),
                        Some("idempotencyKey"),
                    );
                }
                forward_headers.push(("idempotency-key".into(), idempotency.to_owned()));
            }
            let Some(body) = body else {
                return Plan::ReadBody;
            };
            if body.len() as u64 > max {
                return refuse(413, &too_large(max), None);
            }
            let value: Value = match serde_json::from_slice(body) {
                Ok(value) => value,
                Err(e) => {
                    return refuse(
                        400,
                        &format!(
                            "the body is not JSON (line {}, column {})",
                            e.line(),
                            e.column()
                        ),
                        Some("body"),
                    );
                }
            };
            let request = match read_request(provider, &value) {
                Ok(request) => request,
                Err(e) => {
                    return refuse(400, &format!("{}: {}", e.field, e.message), Some(&e.field));
                }
            };
            if let Err(e) = request.validate(provider) {
                let field = match &e {
                    Error::InvalidRequest { field, .. } => field.clone(),
                    _ => "body".into(),
                };
                return refuse(400, &message_of(e), Some(&field));
            }
            if let Err((field, message)) = self.config.policy.check(provider, &request) {
                return refuse(400, &message, Some(&field));
            }
            forward_headers.push(("content-type".into(), "application/json".into()));
        }

        Plan::Forward(Forward {
            provider,
            method: route_method,
            url: format!("{}{provider_path}{query}", self.config.upstream(provider)),
            headers: forward_headers,
        })
    }

    /// The reply for a refusal decided outside the plan (by the app's `authorize`, the body
    /// reader or the network), in the shape of the provider the path names.
    pub fn refuse(
        &self,
        refusal: Refusal,
        path_and_query: &str,
        headers: &[(String, String)],
    ) -> Reply {
        let provider = provider_of(&self.config.base_path, path_and_query);
        let granted = self.origin(headers).ok().flatten();
        let name = provider.map_or("the provider", Provider::name);
        let (status, message) = match refusal {
            Refusal::Unauthorized => (
                401,
                "this proxy's sign-in check refused the request: sign in to the app first"
                    .to_owned(),
            ),
            Refusal::TooLarge => (413, too_large(self.config.max_body_bytes)),
            Refusal::AuthorizeFailed => (
                500,
                "this proxy's sign-in check failed; see the server's logs".to_owned(),
            ),
            Refusal::Unreachable => (502, format!("this proxy could not reach {name}")),
            Refusal::UpstreamTimeout => (504, format!("{name} did not answer this proxy in time")),
        };
        self.finish(
            error_reply(provider, status, &message, None),
            granted.as_deref(),
        )
    }

    /// What the caller gets from the provider's reply: its status, the headers in
    /// [`crate::reply::PASSED_HEADERS`] and CORS when granted. The body is redacted apart, by
    /// [`Proxy::redact`].
    pub fn respond(
        &self,
        status: u16,
        upstream_headers: &[(String, String)],
        request_headers: &[(String, String)],
    ) -> Reply {
        let secrets: Vec<&str> = self.config.secrets().collect();
        let mut headers = passed_headers(upstream_headers, &secrets);
        headers.push(("cache-control".into(), "no-store".into()));
        let granted = self.origin(request_headers).ok().flatten();
        self.finish(
            Reply {
                status,
                headers,
                body: String::new(),
            },
            granted.as_deref(),
        )
    }

    /// A provider's reply body with every echo of a configured key replaced by `[redacted]`.
    pub fn redact(&self, body: &[u8]) -> Vec<u8> {
        let secrets: Vec<&str> = self.config.secrets().collect();
        redact_body(body, &secrets)
    }

    /// The granted origin of this request (`None`: no `Origin`, or the same origin), or the
    /// refusal of a cross-origin request from an origin not granted.
    fn origin(&self, headers: &[(String, String)]) -> Result<Option<String>, Reply> {
        let Some(origin) = header(headers, "origin") else {
            return Ok(None);
        };
        let origin = origin.trim().to_ascii_lowercase();
        if self.config.allowed_origins.contains(&origin) {
            return Ok(Some(origin));
        }
        let origin_host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let same = origin_host.is_some_and(|host| {
            ["host", "x-forwarded-host"].iter().any(|name| {
                header(headers, name)
                    .and_then(|h| h.split(',').next())
                    .is_some_and(|h| h.trim().eq_ignore_ascii_case(host))
            })
        });
        if same {
            Ok(None)
        } else {
            Err(error_reply(
                None,
                403,
                &format!(
                    "origin {} may not use this proxy: add it to allowedOrigins on the server",
                    quoted(&origin)
                ),
                None,
            ))
        }
    }

    fn refused(&self, refused: Refused, granted: Option<&str>) -> Reply {
        let mut reply = error_reply(refused.provider, refused.status, &refused.message, None);
        if let Some(allow) = refused.allow {
            reply
                .headers
                .push(("allow".into(), format!("{allow}, OPTIONS")));
        }
        self.finish(reply, granted)
    }

    /// Adds the CORS grant (when there is one) and `Vary: Origin` when origins are configured.
    fn finish(&self, mut reply: Reply, granted: Option<&str>) -> Reply {
        match granted {
            Some(origin) => reply.headers.extend(grant(origin)),
            None if !self.config.allowed_origins.is_empty() => {
                reply.headers.push(("vary".into(), "Origin".into()));
            }
            None => {}
        }
        reply
    }
}

fn submit_path(provider: Provider) -> &'static str {
    match provider {
        Provider::Apiframe => "/v2/images/generate",
        Provider::ApiInOne => "/api/v1/images/generations",
    }
}

fn status_prefix(provider: Provider) -> &'static str {
    match provider {
        Provider::Apiframe => "/v2/jobs/",
        Provider::ApiInOne => "/api/v1/tasks/",
    }
}

fn too_large(max: u64) -> String {
    format!("the body is over this proxy's limit of {max} bytes (maxBodyBytes)")
}

fn message_of(e: Error) -> String {
    match e {
        Error::InvalidRequest { message, .. } => message,
        other => other.to_string(),
    }
}
