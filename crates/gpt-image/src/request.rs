//! The one request shape every provider is driven from, and its validation.
//!
//! Validation runs before anything leaves the client: an option a provider lacks, a value out
//! of its range, or a malformed URL is an [`Error::InvalidRequest`] naming the field, the value,
//! the provider and what is allowed.
//!
//! May use: `error`, `options`, `provider`. May not touch: `wire`, the network, the clock.

use serde::{Deserialize, Serialize};

use crate::error::{Error, quoted};
use crate::options::{AspectRatio, Background, InputFidelity, OutputFormat, Quality, WebhookEvent};
use crate::provider::Provider;

/// What to generate or edit. Unset options take the provider's default.
///
/// Field names serialise in camelCase, the shape the studio stores and JavaScript passes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Request {
    pub prompt: String,
    pub quality: Option<Quality>,
    pub aspect_ratio: Option<AspectRatio>,
    pub background: Option<Background>,
    /// Number of images, 1–10 where the provider has the option.
    pub n: Option<u8>,
    pub output_format: Option<OutputFormat>,
    /// Reference images to edit from: `http(s)` URLs or `data:image/…` URLs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_images: Vec<String>,
    /// How closely an edit follows the reference images.
    pub input_fidelity: Option<InputFidelity>,
    /// Where the provider should POST job events.
    pub webhook_url: Option<String>,
    /// Which events the webhook receives (Apiframe); empty means the provider's default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub webhook_events: Vec<WebhookEvent>,
}

impl Request {
    /// Every field as callers spell it (the serde names), in declaration order: what a
    /// validation error may name, and what the npm facade accepts. The facade's tests keep this
    /// list, the serialised type and `index.d.ts` in step.
    pub const FIELDS: &'static [&'static str] = &[
        "prompt",
        "quality",
        "aspectRatio",
        "background",
        "n",
        "outputFormat",
        "inputImages",
        "inputFidelity",
        "webhookUrl",
        "webhookEvents",
    ];

    /// A request with this prompt and every option left to the provider.
    pub fn new(prompt: impl Into<String>) -> Self {
        Request {
            prompt: prompt.into(),
            ..Request::default()
        }
    }

    /// Checks the request against what `provider` accepts, before any network call.
    pub fn validate(&self, provider: Provider) -> Result<(), Error> {
        let caps = provider.capabilities();
        let name = provider.name();

        if self.prompt.trim().is_empty() {
            return Err(Error::invalid(
                "prompt",
                "prompt is empty: describe the image to make",
            ));
        }
        let chars = self.prompt.chars().count();
        let (min, max) = caps.prompt_chars;
        if chars < min || chars > max {
            return Err(Error::invalid(
                "prompt",
                format!("prompt is {chars} characters; {name} accepts {min}–{max}"),
            ));
        }

        check_choice("quality", self.quality, caps.qualities, name)?;
        check_choice("aspectRatio", self.aspect_ratio, caps.aspect_ratios, name)?;
        check_choice("background", self.background, caps.backgrounds, name)?;
        check_choice(
            "outputFormat",
            self.output_format,
            caps.output_formats,
            name,
        )?;
        check_choice(
            "inputFidelity",
            self.input_fidelity,
            caps.input_fidelities,
            name,
        )?;

        if self.background == Some(Background::Transparent)
            && self.output_format == Some(OutputFormat::Jpeg)
        {
            return Err(Error::invalid(
                "background",
                "background \"transparent\" needs outputFormat \"png\" or \"webp\": JPEG has no alpha",
            ));
        }

        if let Some(n) = self.n {
            match caps.max_images {
                None => {
                    return Err(Error::invalid(
                        "n",
                        format!(
                            "{name} makes one image per request and has no n option: leave n unset"
                        ),
                    ));
                }
                Some(most) if n < 1 || n > most => {
                    return Err(Error::invalid(
                        "n",
                        format!("n is {n}; {name} accepts 1–{most}"),
                    ));
                }
                Some(_) => {}
            }
        }

        if self.input_images.len() > caps.max_input_images {
            return Err(Error::invalid(
                "inputImages",
                format!(
                    "{} reference images given; {name} accepts at most {}",
                    self.input_images.len(),
                    caps.max_input_images
                ),
            ));
        }
        for (i, url) in self.input_images.iter().enumerate() {
            if !is_http_url(url) && !is_image_data_url(url) {
                return Err(Error::invalid(
                    format!("inputImages[{i}]"),
                    format!("{} is not an http(s) URL or a data:image URL", quoted(url)),
                ));
            }
        }

        if let Some(url) = &self.webhook_url {
            if !caps.webhook_url {
                return Err(Error::invalid(
                    "webhookUrl",
                    format!("{name} has no webhooks"),
                ));
            }
            if !is_http_url(url) {
                return Err(Error::invalid(
                    "webhookUrl",
                    format!("{} is not an http(s) URL", quoted(url)),
                ));
            }
        }
        if !self.webhook_events.is_empty() {
            if !caps.webhook_events {
                return Err(Error::invalid(
                    "webhookEvents",
                    format!(
                        "{name} does not let you choose webhook events: leave webhookEvents empty"
                    ),
                ));
            }
            if self.webhook_url.is_none() {
                return Err(Error::invalid(
                    "webhookEvents",
                    "webhookEvents needs a webhookUrl to deliver to",
                ));
            }
        }
        Ok(())
    }
}

fn check_choice<T: Copy + PartialEq + std::fmt::Display>(
    field: &str,
    value: Option<T>,
    allowed: &[T],
    provider: &str,
) -> Result<(), Error> {
    match value {
        Some(value) if !allowed.contains(&value) => {
            let names: Vec<String> = allowed.iter().map(|v| format!("\"{v}\"")).collect();
            Err(not_allowed(
                field,
                &format!("\"{value}\""),
                &names,
                provider,
            ))
        }
        _ => Ok(()),
    }
}

/// The error of [`check_choice`] (`value` and `allowed` quoted), apart so that one copy serves
/// every option's type.
fn not_allowed(field: &str, value: &str, allowed: &[String], provider: &str) -> Error {
    let message = if allowed.is_empty() {
        format!("{provider} has no {field} option: leave it unset (got {value})")
    } else {
        format!(
            "{field} {value} is not accepted by {provider}; allowed: {}",
            crate::error::comma_list(&mut allowed.iter().map(String::as_str))
        )
    };
    Error::invalid(field, message)
}

/// `http://` or `https://` followed by a host, with no whitespace.
pub(crate) fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// `data:image/<type>[;params],<payload>` with a non-empty payload.
pub(crate) fn is_image_data_url(s: &str) -> bool {
    s.strip_prefix("data:image/")
        .and_then(|rest| rest.split_once(','))
        .is_some_and(|(meta, payload)| !meta.is_empty() && !payload.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{
        AspectRatio, Background, InputFidelity, OutputFormat, Quality, WebhookEvent,
    };

    fn field_of(r: Result<(), Error>) -> String {
        match r {
            Err(Error::InvalidRequest { field, .. }) => field,
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_prompt_is_valid_on_both() {
        for p in Provider::ALL {
            Request::new("a red fox in snow").validate(p).unwrap();
        }
    }

    #[test]
    fn prompt_limits_follow_each_provider() {
        assert_eq!(
            field_of(Request::new("   ").validate(Provider::Apiframe)),
            "prompt"
        );
        Request::new("a").validate(Provider::Apiframe).unwrap();
        let err = Request::new("ab").validate(Provider::ApiInOne).unwrap_err();
        assert!(
            err.to_string().contains("API in One accepts 3–5000"),
            "{err}"
        );
        let long = "x".repeat(2_001);
        let err = Request::new(long.clone())
            .validate(Provider::Apiframe)
            .unwrap_err();
        assert!(err.to_string().contains("2001 characters"), "{err}");
        Request::new(long).validate(Provider::ApiInOne).unwrap();
        // Characters, not bytes: 2,000 emoji are fine on Apiframe.
        Request::new("🦊".repeat(2_000))
            .validate(Provider::Apiframe)
            .unwrap();
    }

    #[test]
    fn options_a_provider_lacks_are_refused_with_its_name() {
        let mut r = Request::new("a red fox in snow");
        r.quality = Some(Quality::Low);
        let err = r.validate(Provider::ApiInOne).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("\"low\"") && text.contains("API in One"),
            "{text}"
        );
        assert!(text.contains("\"medium\", \"high\""), "{text}");
        r.validate(Provider::Apiframe).unwrap();

        for (field, req) in [
            (
                "n",
                Request {
                    n: Some(1),
                    ..Request::new("fox fox")
                },
            ),
            (
                "background",
                Request {
                    background: Some(Background::Opaque),
                    ..Request::new("fox fox")
                },
            ),
            (
                "outputFormat",
                Request {
                    output_format: Some(OutputFormat::Png),
                    ..Request::new("fox fox")
                },
            ),
            (
                "inputFidelity",
                Request {
                    input_fidelity: Some(InputFidelity::High),
                    ..Request::new("fox fox")
                },
            ),
            (
                "webhookEvents",
                Request {
                    webhook_url: Some("https://hooks.example/x".into()),
                    webhook_events: vec![WebhookEvent::Completed],
                    ..Request::new("fox fox")
                },
            ),
        ] {
            assert_eq!(field_of(req.validate(Provider::ApiInOne)), field);
            req.validate(Provider::Apiframe).unwrap();
        }
    }

    #[test]
    fn n_must_be_within_one_to_ten() {
        for (n, ok) in [(0, false), (1, true), (10, true), (11, false)] {
            let r = Request {
                n: Some(n),
                ..Request::new("fox")
            };
            assert_eq!(r.validate(Provider::Apiframe).is_ok(), ok, "n = {n}");
        }
        let err = Request {
            n: Some(0),
            ..Request::new("fox")
        }
        .validate(Provider::Apiframe)
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid request: n: n is 0; Apiframe accepts 1–10"
        );
    }

    #[test]
    fn transparent_jpeg_is_refused() {
        let r = Request {
            background: Some(Background::Transparent),
            output_format: Some(OutputFormat::Jpeg),
            ..Request::new("fox")
        };
        assert_eq!(field_of(r.validate(Provider::Apiframe)), "background");
    }

    #[test]
    fn reference_images_must_be_urls_or_image_data() {
        let ok = Request {
            input_images: vec![
                "https://example.com/a.png".into(),
                "data:image/png;base64,iVBORw0KGgo=".into(),
            ],
            ..Request::new("fox")
        };
        ok.validate(Provider::Apiframe).unwrap();
        for bad in [
            "ftp://x/y.png",
            "https://",
            "data:text/plain,hi",
            "not a url",
            "https://a b",
        ] {
            let r = Request {
                input_images: vec!["https://ok.example/a.png".into(), bad.into()],
                ..Request::new("fox")
            };
            assert_eq!(
                field_of(r.validate(Provider::Apiframe)),
                "inputImages[1]",
                "{bad}"
            );
        }
        let huge = format!("ftp://{}", "a".repeat(1_000_000));
        let err = Request {
            input_images: vec![huge],
            ..Request::new("fox")
        }
        .validate(Provider::Apiframe)
        .unwrap_err();
        assert!(err.to_string().len() < 300);
    }

    #[test]
    fn webhooks_need_a_url() {
        let r = Request {
            webhook_events: vec![WebhookEvent::Progress],
            ..Request::new("fox")
        };
        assert_eq!(field_of(r.validate(Provider::Apiframe)), "webhookEvents");
        let r = Request {
            webhook_url: Some("hooks.example".into()),
            ..Request::new("fox")
        };
        assert_eq!(field_of(r.validate(Provider::Apiframe)), "webhookUrl");
    }

    #[test]
    fn json_shape_is_camel_case_and_strict() {
        let r: Request = serde_json::from_str(
            r#"{"prompt":"fox","aspectRatio":"3:2","n":2,"outputFormat":"webp","inputImages":["https://x.example/a.png"]}"#,
        )
        .unwrap();
        assert_eq!(r.aspect_ratio, Some(AspectRatio::Landscape));
        assert_eq!(r.n, Some(2));
        assert!(serde_json::from_str::<Request>(r#"{"prompt":"fox","size":"1024"}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"prompt":"fox","quality":"ultra"}"#).is_err());
    }
}
