//! Apiframe submit bodies: which fields `POST /v2/images/generate` takes, their defaults and
//! the 400s that name the field at fault, and the credit table.
//!
//! Pure functions, no I/O and no state.

use serde_json::{Map, Value};

use super::MODEL;
use crate::errors::ApiError;
use crate::images::{Aspect, Format};
use crate::jobs::{Background, Webhook};
use crate::requests::{check_model, is_image_url, prompt};

/// Keys allowed inside `gptImageParams`.
const PARAMS: [&str; 7] = [
    "input_images",
    "quality",
    "aspect_ratio",
    "background",
    "number_of_images",
    "output_format",
    "input_fidelity",
];

/// A validated submit.
#[derive(Debug, Clone, PartialEq)]
pub struct Submit {
    /// The prompt.
    pub prompt: String,
    /// `auto | low | medium | high`.
    pub quality: String,
    /// Frame shape.
    pub aspect: Aspect,
    /// Background handling.
    pub background: Background,
    /// 1..10 images.
    pub count: u32,
    /// Output format.
    pub format: Format,
    /// `input_fidelity: high`.
    pub high_fidelity: bool,
    /// Input image URLs.
    pub input_images: Vec<String>,
    /// Webhook target and events.
    pub webhook: Option<Webhook>,
}

/// Credits per image for a quality (the emulator's table): low 2, medium 4, high 8, auto 4.
pub fn credits_per_image(quality: &str) -> u32 {
    match quality {
        "low" => 2,
        "high" => 8,
        _ => 4,
    }
}

fn one_of<'a>(
    params: &'a Map<String, Value>,
    field: &str,
    allowed: &[&'a str],
    default: &'a str,
) -> Result<&'a str, ApiError> {
    match params.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(s.as_str()),
        Some(other) => Err(ApiError::invalid(
            "invalid_parameter",
            format!(
                "gptImageParams.{field} must be one of {}, got {other}",
                allowed.join(", ")
            ),
        )),
    }
}

/// Validates a submit body.
pub fn parse_submit(body: &Value) -> Result<Submit, ApiError> {
    let Some(body) = body.as_object() else {
        return Err(ApiError::invalid(
            "invalid_json",
            "request body must be a JSON object",
        ));
    };
    let prompt = prompt(body)?;
    let length = prompt.chars().count();
    if prompt.trim().is_empty() || length > 2000 {
        return Err(ApiError::invalid(
            "invalid_parameter",
            format!("prompt must be 1 to 2000 characters, got {length}"),
        ));
    }
    check_model(body, MODEL)?;
    let empty = Map::new();
    let params = match body.get("gptImageParams") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(params)) => params,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "gptImageParams must be an object",
            ));
        }
    };
    if let Some(unknown) = params.keys().find(|k| !PARAMS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            "unknown_parameter",
            format!(
                "gptImageParams.{unknown} is not a parameter of {MODEL} (allowed: {})",
                PARAMS.join(", ")
            ),
        ));
    }
    let input_images: Vec<String> = match params.get("input_images") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                ApiError::invalid(
                    "invalid_parameter",
                    "gptImageParams.input_images must be URLs (strings)",
                )
            })?,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "gptImageParams.input_images must be an array of URLs",
            ));
        }
    };
    if input_images.len() > 16 {
        return Err(ApiError::invalid(
            "invalid_parameter",
            "gptImageParams.input_images takes at most 16 images",
        ));
    }
    if let Some(bad) = input_images.iter().find(|u| !is_image_url(u)) {
        return Err(ApiError::invalid(
            "invalid_parameter",
            format!("gptImageParams.input_images: '{bad}' is not an http(s) or data:image URL"),
        ));
    }
    let quality = one_of(
        params,
        "quality",
        &["auto", "low", "medium", "high"],
        "auto",
    )?
    .to_string();
    let aspect = Aspect::parse(one_of(
        params,
        "aspect_ratio",
        &["1:1", "3:2", "2:3"],
        "1:1",
    )?)
    .unwrap_or(Aspect::Square);
    let background = match one_of(
        params,
        "background",
        &["auto", "opaque", "transparent"],
        "auto",
    )? {
        "opaque" => Background::Opaque,
        "transparent" => Background::Transparent,
        _ => Background::Auto,
    };
    let format = Format::parse(one_of(
        params,
        "output_format",
        &["png", "jpeg", "webp"],
        "png",
    )?)
    .unwrap_or(Format::Png);
    let high_fidelity = one_of(params, "input_fidelity", &["low", "high"], "low")? == "high";
    let count = match params.get("number_of_images") {
        None | Some(Value::Null) => 1,
        Some(n) => match n.as_u64() {
            Some(n @ 1..=10) => n as u32,
            _ => {
                return Err(ApiError::invalid(
                    "invalid_parameter",
                    format!(
                        "gptImageParams.number_of_images must be an integer from 1 to 10, got {n}"
                    ),
                ));
            }
        },
    };
    let webhook_url = match body.get("webhookUrl").or_else(|| body.get("webhook_url")) {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => {
            Some(url.clone())
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                format!("webhookUrl must be an http(s) URL, got {other}"),
            ));
        }
    };
    let events = match body
        .get("webhookEvents")
        .or_else(|| body.get("webhook_events"))
    {
        None | Some(Value::Null) => vec!["completed".to_string(), "failed".to_string()],
        Some(Value::Array(events)) => events
            .iter()
            .map(|e| match e.as_str() {
                Some(name @ ("progress" | "completed" | "failed")) => Ok(name.to_string()),
                _ => Err(ApiError::invalid(
                    "invalid_parameter",
                    format!("webhookEvents: {e} is not one of progress, completed, failed"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                "webhookEvents must be an array",
            ));
        }
    };
    Ok(Submit {
        prompt,
        quality,
        aspect,
        background,
        count,
        format,
        high_fidelity,
        input_images,
        webhook: webhook_url.map(|url| Webhook { url, events }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn submit_of(body: Value) -> Result<Submit, (u16, &'static str, String)> {
        parse_submit(&body).map_err(|e| (e.status.as_u16(), e.code, e.message))
    }

    #[test]
    fn defaults_and_both_input_image_forms() {
        let s = submit_of(json!({"prompt": "a cat", "model": MODEL})).expect("valid");
        assert_eq!(
            (s.quality.as_str(), s.aspect, s.count, s.format),
            ("auto", Aspect::Square, 1, Format::Png)
        );
        assert!(s.webhook.is_none());
        let one = submit_of(
            json!({"prompt": "a", "model": MODEL, "gptImageParams": {"input_images": "https://x/a.png"}}),
        );
        assert_eq!(one.expect("valid").input_images, vec!["https://x/a.png"]);
        let many = submit_of(
            json!({"prompt": "a", "model": MODEL, "gptImageParams": {"input_images": ["https://x/a.png", "data:image/png;base64,AA=="]}}),
        );
        assert_eq!(many.expect("valid").input_images.len(), 2);
        let hook = submit_of(
            json!({"prompt": "a", "model": MODEL, "webhook_url": "http://127.0.0.1:1/h"}),
        )
        .expect("valid");
        assert_eq!(
            hook.webhook.expect("webhook").events,
            vec!["completed", "failed"]
        );
    }

    #[test]
    fn rejects_with_field_names() {
        let cases = [
            (json!({"model": MODEL}), "prompt"),
            (json!({"prompt": "", "model": MODEL}), "prompt"),
            (
                json!({"prompt": "x".repeat(2001), "model": MODEL}),
                "prompt",
            ),
            (json!({"prompt": "a"}), "model"),
            (json!({"prompt": "a", "model": "gpt-image-1"}), "model"),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"quality": "ultra"}}),
                "quality",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"number_of_images": 11}}),
                "number_of_images",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"number_of_images": 0}}),
                "number_of_images",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"aspect_ratio": "16:9"}}),
                "aspect_ratio",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"size": "1024x1024"}}),
                "size",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "gptImageParams": {"input_images": ["ftp://x"]}}),
                "input_images",
            ),
            (
                json!({"prompt": "a", "model": MODEL, "webhookEvents": ["done"]}),
                "webhookEvents",
            ),
        ];
        for (body, field) in cases {
            let (status, _, message) = submit_of(body.clone()).expect_err("invalid");
            assert_eq!(status, 400);
            assert!(message.contains(field), "{message} should name {field}");
        }
        assert_eq!(
            submit_of(json!([1])).expect_err("invalid").1,
            "invalid_json"
        );
        assert_eq!(
            submit_of(json!({"prompt": "a", "model": MODEL, "gptImageParams": {"n": 1}}))
                .expect_err("x")
                .1,
            "unknown_parameter"
        );
    }

    #[test]
    fn credit_table() {
        assert_eq!(
            [
                credits_per_image("low"),
                credits_per_image("medium"),
                credits_per_image("high"),
                credits_per_image("auto")
            ],
            [2, 4, 8, 4]
        );
    }
}
