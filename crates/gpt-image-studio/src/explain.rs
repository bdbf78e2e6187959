//! Errors in plain words, placed next to what caused them: the key, a form control, the
//! connection or the job. The provider's own message is always kept.

use gpt_image::{Error, Provider};

use crate::clock;
use crate::form::{Control, control_for_field};

/// What an error is about, so the studio can show it in the right place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The API key (wrong, inactive, missing).
    Key,
    /// The base URL.
    BaseUrl,
    /// A form control.
    Field(Control),
    /// The job card: rate limit, network, failed job, unreadable reply.
    Job,
}

/// An error as the user reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub place: Place,
    /// One sentence: what happened and what to do.
    pub headline: String,
    /// The provider's own words (message, status, request id), when there are any.
    pub detail: Option<String>,
}

impl Explanation {
    /// Headline and detail in one text, for storing with a history entry.
    pub fn text(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} {d}", self.headline),
            None => self.headline.clone(),
        }
    }
}

fn provider_said(message: &str, status: Option<u16>, request_id: Option<&str>) -> Option<String> {
    let mut parts = vec![];
    if !message.trim().is_empty() {
        parts.push(format!("Provider said: “{}”", message.trim()));
    }
    if let Some(s) = status {
        parts.push(format!("HTTP {s}"));
    }
    if let Some(id) = request_id {
        parts.push(format!("request id {id}"));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Explains `error` from talking to `provider`.
pub fn explain(error: &Error, provider: Provider) -> Explanation {
    let name = provider.name();
    match error {
        Error::InvalidRequest { field, message } => {
            let place = match field.as_str() {
                "apiKey" => Place::Key,
                "baseUrl" => Place::BaseUrl,
                "jobId" | "idempotencyKey" => Place::Job,
                other => Place::Field(control_for_field(other)),
            };
            Explanation {
                place,
                headline: format!("Not sent: {message}"),
                detail: None,
            }
        }
        Error::Auth {
            status,
            message,
            request_id,
        } => Explanation {
            place: Place::Key,
            headline: if *status == 403 {
                format!(
                    "{name} says this key is inactive. Activate it in your {name} dashboard or paste another."
                )
            } else {
                format!(
                    "{name} refused the API key. Check that it is complete and belongs to {name}."
                )
            },
            detail: provider_said(message, Some(*status), request_id.as_deref()),
        },
        Error::RateLimited {
            retry_after_ms,
            message,
            request_id,
        } => Explanation {
            place: Place::Job,
            headline: match retry_after_ms {
                Some(ms) => format!(
                    "{name} is rate limiting this key. Try again in {}.",
                    clock::duration(*ms as f64)
                ),
                None => format!("{name} is rate limiting this key. Wait a little, then retry."),
            },
            detail: provider_said(message, Some(429), request_id.as_deref()),
        },
        Error::Api {
            status,
            code,
            message,
            request_id,
            ..
        } => {
            let msg = match code {
                Some(c) => format!("{message} ({c})"),
                None => message.clone(),
            };
            Explanation {
                place: Place::Job,
                headline: if *status >= 500 {
                    format!(
                        "{name} had a server error; the studio retried and gave up. Retry in a moment."
                    )
                } else {
                    format!("{name} rejected the request.")
                },
                detail: provider_said(&msg, Some(*status), request_id.as_deref()),
            }
        }
        Error::Network { message } => Explanation {
            place: Place::Job,
            headline: format!(
                "Could not reach {name}. Check your connection and the base URL (a proxy must allow this page's origin)."
            ),
            detail: Some(message.clone()),
        },
        Error::Timeout { message, .. } => Explanation {
            place: Place::Job,
            headline: format!("{name} took too long to answer."),
            detail: Some(message.clone()),
        },
        Error::Aborted => Explanation {
            place: Place::Job,
            headline: "Stopped waiting. The job may still finish at the provider: resume to check."
                .into(),
            detail: None,
        },
        Error::JobFailed { reason, .. } => Explanation {
            place: Place::Job,
            headline: format!(
                "{name} could not make this image. Credits for a failed job are normally refunded."
            ),
            detail: provider_said(reason, None, None),
        },
        Error::Decode { message, body } => Explanation {
            place: Place::Job,
            headline: format!("{name} answered with something the studio could not read."),
            detail: Some(if body.is_empty() {
                message.clone()
            } else {
                format!("{message} · reply: {body}")
            }),
        },
    }
}

/// Where the proxy is documented: the npm package's README, section "The server proxy".
pub const PROXY_DOCS: &str =
    "https://www.npmjs.com/package/gpt-image-wasm#the-server-proxy-gpt-image-wasmproxy";

/// The explanation for a direct call the browser refused (see [`crate::cross_origin`]):
/// the provider does not accept calls from web pages, and the proxy is the way.
pub fn refused_by_browser(provider: Provider, network_message: &str) -> Explanation {
    let name = provider.name();
    Explanation {
        place: Place::Job,
        headline: format!(
            "{name} does not accept calls from web pages, so the browser blocked this one. Run the proxy on your server (npm i gpt-image-wasm, then createProxy from gpt-image-wasm/proxy) and choose “Through a proxy” in Settings: your key then stays on the server."
        ),
        detail: Some(network_message.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_direct_call_points_to_the_proxy() {
        let x = refused_by_browser(
            Provider::Apiframe,
            "could not reach https://api.apiframe.ai",
        );
        assert!(
            x.headline
                .starts_with("Apiframe does not accept calls from web pages")
        );
        assert!(x.headline.contains("npm i gpt-image-wasm") && x.headline.contains("createProxy"));
        assert_eq!(x.place, Place::Job);
    }

    #[test]
    fn auth_errors_go_to_the_key_with_the_providers_words() {
        let e = Error::Auth {
            status: 401,
            message: "Invalid API key".into(),
            request_id: Some("req_1".into()),
        };
        let x = explain(&e, Provider::Apiframe);
        assert_eq!(x.place, Place::Key);
        assert!(x.headline.contains("refused the API key"));
        let detail = x.detail.unwrap();
        assert!(
            detail.contains("Invalid API key")
                && detail.contains("401")
                && detail.contains("req_1")
        );
        let e = Error::Auth {
            status: 403,
            message: String::new(),
            request_id: None,
        };
        assert!(
            explain(&e, Provider::Apiframe)
                .headline
                .contains("inactive")
        );
    }

    #[test]
    fn validation_errors_go_next_to_their_control() {
        let e = Error::InvalidRequest {
            field: "outputFormat".into(),
            message: "x".into(),
        };
        assert_eq!(
            explain(&e, Provider::ApiInOne).place,
            Place::Field(Control::OutputFormat)
        );
        let e = Error::InvalidRequest {
            field: "apiKey".into(),
            message: "paste it".into(),
        };
        assert_eq!(explain(&e, Provider::ApiInOne).place, Place::Key);
    }

    #[test]
    fn job_level_errors_say_what_to_do() {
        let rl = Error::RateLimited {
            retry_after_ms: Some(2_000),
            message: "slow down".into(),
            request_id: None,
        };
        assert!(explain(&rl, Provider::ApiInOne).headline.contains("2.0 s"));
        let failed = Error::JobFailed {
            job_id: "j".into(),
            reason: "content policy".into(),
        };
        let x = explain(&failed, Provider::Apiframe);
        assert!(x.text().contains("content policy"));
        let net = Error::Network {
            message: "Failed to fetch".into(),
        };
        assert_eq!(explain(&net, Provider::Apiframe).place, Place::Job);
        let d = Error::Decode {
            message: "no job id".into(),
            body: "<html>".into(),
        };
        assert!(explain(&d, Provider::Apiframe).text().contains("<html>"));
    }
}
