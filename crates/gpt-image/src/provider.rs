//! The providers this client speaks, and what each one declares it supports.
//!
//! Pure data: no I/O. Validation ([`crate::request`]) and the studio's controls both read
//! [`Capabilities`], so a limit is written down once.
//!
//! May use: `error`, `options`. May not touch: `request`, `wire`, the network, the clock.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::options::{AspectRatio, Background, InputFidelity, OutputFormat, Quality};

/// An aggregator that sells GPT Image 1.5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Provider {
    /// Apiframe v2: `X-API-Key`, 202 + jobId, `GET /v2/jobs/{id}`, idempotency keys, webhooks.
    #[serde(rename = "apiframe")]
    Apiframe,
    /// API in One: Bearer key, `POST /api/v1/images/generations`, `GET /api/v1/tasks/{id}`.
    #[serde(rename = "apiinone")]
    ApiInOne,
}

/// What a provider accepts. Empty lists mean the option does not exist there.
#[derive(Debug, PartialEq)]
pub struct Capabilities {
    /// Prompt length in characters, inclusive.
    pub prompt_chars: (usize, usize),
    pub qualities: &'static [Quality],
    pub aspect_ratios: &'static [AspectRatio],
    pub backgrounds: &'static [Background],
    pub output_formats: &'static [OutputFormat],
    pub input_fidelities: &'static [InputFidelity],
    /// Largest `n`; `None` when the provider has no number-of-images parameter.
    pub max_images: Option<u8>,
    /// Most reference images one request may carry.
    pub max_input_images: usize,
    /// Whether the provider documents `data:` URLs as reference images (neither does).
    pub documents_data_url_inputs: bool,
    pub webhook_url: bool,
    pub webhook_events: bool,
    /// Whether a retried submit can be made safe with an `Idempotency-Key`.
    pub idempotency: bool,
    /// Whether job status carries a 0–100 progress figure.
    pub reports_progress: bool,
    /// How long a job usually takes, in milliseconds.
    pub typical_duration_ms: u64,
    /// How much job durations vary: the standard deviation of their logarithm, assumed before
    /// any job has finished.
    pub duration_spread: f64,
}

static APIFRAME: Capabilities = Capabilities {
    prompt_chars: (1, 2_000),
    qualities: &[Quality::Auto, Quality::Low, Quality::Medium, Quality::High],
    aspect_ratios: &[
        AspectRatio::Square,
        AspectRatio::Landscape,
        AspectRatio::Portrait,
    ],
    backgrounds: &[
        Background::Auto,
        Background::Opaque,
        Background::Transparent,
    ],
    output_formats: &[OutputFormat::Png, OutputFormat::Jpeg, OutputFormat::Webp],
    input_fidelities: &[InputFidelity::Low, InputFidelity::High],
    max_images: Some(10),
    max_input_images: 16,
    documents_data_url_inputs: false,
    webhook_url: true,
    webhook_events: true,
    idempotency: true,
    reports_progress: true,
    typical_duration_ms: 15_000,
    // Not documented: ~90 % of jobs within ×0.5–×2 of the typical duration.
    duration_spread: 0.45,
};

static API_IN_ONE: Capabilities = Capabilities {
    prompt_chars: (3, 5_000),
    qualities: &[Quality::Medium, Quality::High],
    aspect_ratios: &[
        AspectRatio::Square,
        AspectRatio::Portrait,
        AspectRatio::Landscape,
    ],
    backgrounds: &[],
    output_formats: &[],
    input_fidelities: &[],
    max_images: None,
    max_input_images: 16,
    documents_data_url_inputs: false,
    webhook_url: true,
    webhook_events: false,
    idempotency: false,
    reports_progress: true,
    typical_duration_ms: 6_500,
    // "Completion 3–10 s", read as ~90 % of tasks: ln(10 / 3) / (2 × 1.645).
    duration_spread: 0.37,
};

impl Provider {
    /// Every provider, in the order a picker shows them.
    pub const ALL: [Provider; 2] = [Provider::Apiframe, Provider::ApiInOne];

    /// The id used in settings and the JavaScript API: `apiframe`, `apiinone`.
    pub fn id(self) -> &'static str {
        match self {
            Provider::Apiframe => "apiframe",
            Provider::ApiInOne => "apiinone",
        }
    }

    /// The name a person knows it by.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Apiframe => "Apiframe",
            Provider::ApiInOne => "API in One",
        }
    }

    /// The production base URL; every client can override it (proxy, emulator).
    pub fn default_base_url(self) -> &'static str {
        match self {
            Provider::Apiframe => "https://api.apiframe.ai",
            Provider::ApiInOne => "https://apiin.one",
        }
    }

    /// The model id this provider expects in request bodies.
    pub fn model_id(self) -> &'static str {
        match self {
            Provider::Apiframe => "gpt-image-1.5",
            Provider::ApiInOne => "gpt-image-1-5",
        }
    }

    /// The prefix real keys start with, used to spot a key pasted for the wrong provider.
    pub fn key_prefix(self) -> &'static str {
        match self {
            Provider::Apiframe => "afk_",
            Provider::ApiInOne => "aio_",
        }
    }

    pub fn capabilities(self) -> &'static Capabilities {
        match self {
            Provider::Apiframe => &APIFRAME,
            Provider::ApiInOne => &API_IN_ONE,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Provider {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.id() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "provider",
                    format!(
                        "unknown provider {}: use \"apiframe\" or \"apiinone\"",
                        crate::error::quoted(s)
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_names_the_field() {
        for p in Provider::ALL {
            assert_eq!(p.id().parse::<Provider>().unwrap(), p);
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.id())
            );
        }
        let err = "openai".parse::<Provider>().unwrap_err();
        assert!(matches!(&err, Error::InvalidRequest { field, .. } if field == "provider"));
        assert!(err.to_string().contains("\"openai\""));
    }

    #[test]
    fn declared_limits_match_the_providers_docs() {
        assert_eq!(Provider::Apiframe.capabilities().prompt_chars, (1, 2_000));
        assert_eq!(Provider::ApiInOne.capabilities().prompt_chars, (3, 5_000));
        assert_eq!(Provider::Apiframe.capabilities().max_images, Some(10));
        assert_eq!(Provider::ApiInOne.capabilities().max_images, None);
        assert!(Provider::Apiframe.capabilities().idempotency);
        assert!(!Provider::ApiInOne.capabilities().idempotency);
    }
}
