//! The app's own limits on what its users may ask for, on top of what the provider accepts:
//! images per request, qualities, prompt length, reference images, job listing.
//!
//! Pure: checks a validated [`Request`]; messages name the limit and the value.

use gpt_image::error::quoted;
use gpt_image::{Provider, Quality, Request};

/// Limits a proxy enforces before forwarding a submit. `None` and empty mean no limit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Most images one request may make (an unset `n` makes one).
    pub max_images: Option<u8>,
    /// The qualities allowed; an unset quality is judged as the provider's default.
    pub qualities: Option<Vec<Quality>>,
    /// Longest prompt, in characters.
    pub max_prompt_chars: Option<usize>,
    /// Most reference images one request may carry.
    pub max_input_images: Option<usize>,
    /// Whether Apiframe's job listing is forwarded. Off by default: it lists every job of the
    /// account, not only the caller's, so on a proxy that several people use each would see
    /// the others' prompts and images. Turn it on for a proxy that serves one person.
    pub list_jobs: bool,
}

/// The quality a provider uses when a request leaves it unset.
pub fn default_quality(provider: Provider) -> Quality {
    match provider {
        Provider::Apiframe => Quality::Auto,
        Provider::ApiInOne => Quality::Medium,
    }
}

impl Policy {
    /// Checks `request` (already valid for `provider`); the error is `(field, message)`.
    pub fn check(&self, provider: Provider, request: &Request) -> Result<(), (String, String)> {
        let refuse = |field: &str, message: String| Err((field.to_owned(), message));
        if let Some(most) = self.max_images {
            let n = request.n.unwrap_or(1);
            if n > most {
                let images = if most == 1 { "image" } else { "images" };
                return refuse(
                    "n",
                    format!("n is {n}; this proxy allows at most {most} {images}"),
                );
            }
        }
        if let Some(allowed) = &self.qualities {
            let list: Vec<String> = allowed.iter().map(|q| format!("\"{q}\"")).collect();
            let list = list.join(", ");
            match request.quality {
                Some(q) if !allowed.contains(&q) => {
                    return refuse(
                        "quality",
                        format!("quality \"{q}\" is not allowed by this proxy; allowed: {list}"),
                    );
                }
                None if !allowed.contains(&default_quality(provider)) => {
                    return refuse(
                        "quality",
                        format!(
                            "quality is unset, which means \"{}\" on {}; this proxy allows {list}: set one of them",
                            default_quality(provider),
                            provider.name()
                        ),
                    );
                }
                _ => {}
            }
        }
        if let Some(most) = self.max_prompt_chars {
            let chars = request.prompt.chars().count();
            if chars > most {
                return refuse(
                    "prompt",
                    format!("prompt is {chars} characters; this proxy allows at most {most}"),
                );
            }
        }
        if let Some(most) = self.max_input_images {
            let given = request.input_images.len();
            if given > most {
                return refuse(
                    "inputImages",
                    format!("{given} reference images given; this proxy allows at most {most}"),
                );
            }
        }
        Ok(())
    }
}

/// Reads the policy's qualities from their provider spellings.
pub fn parse_qualities(values: &[&str]) -> Result<Vec<Quality>, String> {
    values
        .iter()
        .map(|v| {
            Quality::parse(v).ok_or_else(|| {
                format!(
                    "{} is not a quality; use \"auto\", \"low\", \"medium\" or \"high\"",
                    quoted(v)
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            max_images: Some(4),
            qualities: Some(vec![Quality::Low, Quality::Medium]),
            max_prompt_chars: Some(20),
            max_input_images: Some(1),
            list_jobs: true,
        }
    }

    fn message(provider: Provider, request: Request) -> (String, String) {
        policy().check(provider, &request).unwrap_err()
    }

    #[test]
    fn each_limit_names_itself_and_the_value() {
        let base = Request {
            quality: Some(Quality::Low),
            ..Request::new("a fox")
        };
        policy().check(Provider::Apiframe, &base).unwrap();
        let (field, text) = message(
            Provider::Apiframe,
            Request {
                n: Some(6),
                ..base.clone()
            },
        );
        assert_eq!(field, "n");
        assert_eq!(text, "n is 6; this proxy allows at most 4 images");
        let (field, text) = message(
            Provider::Apiframe,
            Request {
                quality: Some(Quality::High),
                ..base.clone()
            },
        );
        assert_eq!(field, "quality");
        assert!(
            text.contains("\"high\"") && text.contains("\"low\", \"medium\""),
            "{text}"
        );
        let (field, text) = message(
            Provider::Apiframe,
            Request {
                prompt: "x".repeat(21),
                ..base.clone()
            },
        );
        assert_eq!(
            (field.as_str(), text.as_str()),
            (
                "prompt",
                "prompt is 21 characters; this proxy allows at most 20"
            )
        );
        let (field, _) = message(
            Provider::Apiframe,
            Request {
                input_images: vec!["https://a.example/1.png".into(); 2],
                ..base.clone()
            },
        );
        assert_eq!(field, "inputImages");
    }

    #[test]
    fn an_unset_quality_is_the_providers_default() {
        let (_, text) = message(Provider::Apiframe, Request::new("a fox"));
        assert!(text.contains("\"auto\" on Apiframe"), "{text}");
        // API in One's default is medium, which is allowed.
        policy()
            .check(Provider::ApiInOne, &Request::new("a fox"))
            .unwrap();
    }

    #[test]
    fn no_policy_allows_anything_valid() {
        let r = Request {
            n: Some(10),
            quality: Some(Quality::High),
            ..Request::new("x".repeat(2000))
        };
        Policy::default().check(Provider::Apiframe, &r).unwrap();
        assert!(
            parse_qualities(&["low", "ultra"])
                .unwrap_err()
                .contains("\"ultra\"")
        );
    }
}
