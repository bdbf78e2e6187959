//! A request object from JavaScript into the core's [`Request`].
//!
//! Types and the values each option may take are checked here; what a provider accepts (prompt
//! length, `n`, options it lacks) is [`Request::validate`]'s, at submit.

use gpt_image::{
    AspectRatio, Background, Error, InputFidelity, OutputFormat, Provider, Quality, Request,
    WebhookEvent,
};
use serde_json::Value;

use super::checks::{
    check_keys, choice, invalid, list, object, one_of, optional_text, present, type_name,
    whole_number, wrong_type,
};

/// Keys of a request, as JavaScript spells them: the core's own list. A test keeps it, the
/// serialised [`Request`] and `index.d.ts`'s `ImageRequest` in step.
pub const REQUEST_FIELDS: &[&str] = Request::FIELDS;

/// Reads a request object into the core's [`Request`]. Provider rules are checked at submit.
pub fn request(value: &Value) -> Result<Request, Error> {
    let obj = object(
        value,
        "request",
        "an object such as { prompt: 'a lighthouse at dawn' }",
    )?;
    check_keys(
        "the request",
        obj.keys().map(String::as_str),
        REQUEST_FIELDS,
    )?;
    let prompt = match present(obj, "prompt") {
        None => return Err(invalid("prompt", "is required: describe the image to make")),
        Some(Value::String(prompt)) => prompt.clone(),
        Some(other) => return Err(wrong_type("prompt", "a string", type_name(other))),
    };
    let most_images = Provider::ALL
        .iter()
        .filter_map(|p| p.capabilities().max_images)
        .max()
        .unwrap_or(1);
    let n = match present(obj, "n") {
        None => None,
        Some(Value::Number(num)) if num.as_f64().is_some_and(|n| n > f64::from(most_images)) => {
            return Err(invalid(
                "n",
                format!(
                    "is {}; a request makes at most {most_images} images",
                    gpt_image::json::number_text(num)
                ),
            ));
        }
        Some(v) => Some(whole_number("n", v, 0, u64::from(u8::MAX))? as u8),
    };
    Ok(Request {
        prompt,
        quality: choice(obj, "quality", Quality::parse, Quality::ALL)?,
        aspect_ratio: choice(obj, "aspectRatio", AspectRatio::parse, AspectRatio::ALL)?,
        background: choice(obj, "background", Background::parse, Background::ALL)?,
        n,
        output_format: choice(obj, "outputFormat", OutputFormat::parse, OutputFormat::ALL)?,
        input_images: list(obj, "inputImages", "URL strings", |field, v| match v {
            Value::String(url) => Ok(url.clone()),
            other => Err(wrong_type(
                field,
                "an http(s) or data:image URL string",
                type_name(other),
            )),
        })?,
        input_fidelity: choice(
            obj,
            "inputFidelity",
            InputFidelity::parse,
            InputFidelity::ALL,
        )?,
        webhook_url: optional_text(obj, "webhookUrl")?,
        webhook_events: list(obj, "webhookEvents", "event names", |field, v| {
            one_of(field, v, WebhookEvent::parse, WebhookEvent::ALL)
        })?,
    })
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use serde_json::json;

    use super::*;

    fn field(result: Result<impl fmt::Debug, Error>) -> (String, String) {
        match result {
            Err(Error::InvalidRequest { field, message }) => (field, message),
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    #[test]
    fn a_full_request_reads_into_the_core_shape() {
        let request = request(&json!({
            "prompt": "a fox", "quality": "high", "aspectRatio": "3:2", "background": "transparent",
            "n": 2, "outputFormat": "webp", "inputImages": ["https://example.com/a.png"],
            "inputFidelity": "high", "webhookUrl": "https://hooks.example/x",
            "webhookEvents": ["completed", "failed"], "quality_": null,
        }));
        assert_eq!(field(request).0, "quality_");
        let request = super::request(&json!({
            "prompt": "a fox", "quality": "high", "aspectRatio": "3:2", "background": "transparent",
            "n": 2, "outputFormat": "webp", "inputImages": ["https://example.com/a.png"],
            "inputFidelity": "high", "webhookUrl": "https://hooks.example/x",
            "webhookEvents": ["completed", "failed"], "background": null,
        }))
        .unwrap();
        assert_eq!(request.quality, Some(Quality::High));
        assert_eq!(request.aspect_ratio, Some(AspectRatio::Landscape));
        assert_eq!(request.background, None, "null means unset");
        assert_eq!(request.n, Some(2));
        assert_eq!(request.output_format, Some(OutputFormat::Webp));
        assert_eq!(request.input_images, ["https://example.com/a.png"]);
        assert_eq!(request.input_fidelity, Some(InputFidelity::High));
        assert_eq!(
            request.webhook_events,
            [WebhookEvent::Completed, WebhookEvent::Failed]
        );
        assert_eq!(
            super::request(&json!({ "prompt": "x" })).unwrap(),
            Request::new("x")
        );
    }

    #[test]
    fn request_mistakes_name_the_field() {
        let cases = [
            (json!("a fox"), "request", "an object"),
            (json!({}), "prompt", "is required"),
            (json!({ "prompt": 5 }), "prompt", "a string, not a number"),
            (
                json!({ "prompt": "x", "quality": "ultra" }),
                "quality",
                "\"ultra\" is not one of \"auto\"",
            ),
            (
                json!({ "prompt": "x", "quality": 3 }),
                "quality",
                "not a number",
            ),
            (
                json!({ "prompt": "x", "aspectRatio": "16:9" }),
                "aspectRatio",
                "\"1:1\", \"3:2\", \"2:3\"",
            ),
            (json!({ "prompt": "x", "n": 1.5 }), "n", "whole number"),
            (json!({ "prompt": "x", "n": -1 }), "n", "whole number"),
            (json!({ "prompt": "x", "n": 300 }), "n", "at most 10"),
            (json!({ "prompt": "x", "n": "2" }), "n", "not a string"),
            (
                json!({ "prompt": "x", "inputImages": "https://a/b.png" }),
                "inputImages",
                "an array",
            ),
            (
                json!({ "prompt": "x", "inputImages": ["https://a/b.png", 7] }),
                "inputImages[1]",
                "not a number",
            ),
            (
                json!({ "prompt": "x", "webhookEvents": ["done"] }),
                "webhookEvents[0]",
                "\"done\"",
            ),
            (
                json!({ "prompt": "x", "webhookUrl": true }),
                "webhookUrl",
                "a boolean",
            ),
            (
                json!({ "prompt": "x", "aspect_ratio": "1:1" }),
                "aspect_ratio",
                "did you mean aspectRatio?",
            ),
            (
                json!({ "prompt": "x", "qualty": "high" }),
                "qualty",
                "did you mean quality?",
            ),
        ];
        for (value, expected_field, expected_text) in cases {
            let (f, message) = field(request(&value));
            assert_eq!(f, expected_field, "{value}");
            assert!(message.contains(expected_text), "{value}: {message}");
        }
        // n = 0 passes here; the core refuses it per provider at submit, naming n.
        let zero = request(&json!({ "prompt": "x", "n": 0 })).unwrap();
        assert_eq!(field(zero.validate(Provider::Apiframe)).0, "n");
    }

    /// The fields of `interface ImageRequest { … }` in the package's `index.d.ts`.
    fn typescript_fields() -> Vec<String> {
        let source = include_str!("../../../../web/npm/package/index.d.ts");
        let start = source
            .find("export interface ImageRequest {")
            .expect("index.d.ts declares ImageRequest");
        let body = &source[start..];
        let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
        let mut fields = Vec::new();
        let mut in_comment = false;
        for line in body.lines().map(str::trim) {
            if line.starts_with("/*") {
                in_comment = !line.contains("*/");
                continue;
            }
            if in_comment {
                in_comment = !line.contains("*/");
                continue;
            }
            if let Some(name) = line.split([':', '?']).next().filter(|n| !n.is_empty()) {
                fields.push(name.trim().to_owned());
            }
        }
        fields
    }

    #[test]
    fn the_request_fields_agree_everywhere() {
        let mut facade: Vec<String> = REQUEST_FIELDS.iter().map(|f| f.to_string()).collect();
        facade.sort();

        // Every option set, so that no field is skipped when serialising.
        let full = Request {
            prompt: "fox".into(),
            quality: Some(Quality::High),
            aspect_ratio: Some(AspectRatio::Square),
            background: Some(Background::Auto),
            n: Some(1),
            output_format: Some(OutputFormat::Png),
            input_images: vec!["https://example.com/a.png".into()],
            input_fidelity: Some(InputFidelity::Low),
            webhook_url: Some("https://hooks.example/x".into()),
            webhook_events: vec![WebhookEvent::Completed],
        };
        let Value::Object(map) = serde_json::to_value(&full).unwrap() else {
            panic!("a request serialises to an object");
        };
        let mut core: Vec<String> = map.keys().cloned().collect();
        core.sort();
        assert_eq!(facade, core, "REQUEST_FIELDS against the core's Request");

        let mut typescript = typescript_fields();
        typescript.sort();
        assert_eq!(
            facade, typescript,
            "REQUEST_FIELDS against index.d.ts ImageRequest"
        );
    }
}
