//! A provider's submit body read back into the core's [`Request`]: the inverse of the core's
//! `wire::{apiframe, apiinone}::submit_body`, so the proxy can validate what it forwards with
//! the very rules the client applies.
//!
//! Strict on purpose: the proxy forwards the body it received, so a field it does not know
//! (which could make a dearer job than the policy allows) is refused rather than passed on.

use gpt_image::error::quoted;
use gpt_image::{
    AspectRatio, Background, InputFidelity, OutputFormat, Provider, Quality, Request, WebhookEvent,
};
use serde_json::{Map, Value};

/// Why a body cannot be read: the field as the provider spells it, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyError {
    pub field: String,
    pub message: String,
}

fn error<T>(field: &str, message: impl Into<String>) -> Result<T, BodyError> {
    Err(BodyError {
        field: field.to_owned(),
        message: message.into(),
    })
}

/// Reads `body` (a parsed JSON submit body for `provider`) into a [`Request`].
pub fn read_request(provider: Provider, body: &Value) -> Result<Request, BodyError> {
    let Some(object) = body.as_object() else {
        return error("body", "the submit body must be a JSON object");
    };
    match provider {
        Provider::Apiframe => read_apiframe(object),
        Provider::ApiInOne => read_apiinone(object),
    }
}

fn read_apiframe(body: &Map<String, Value>) -> Result<Request, BodyError> {
    const TOP: [&str; 6] = [
        "prompt",
        "model",
        "gptImageParams",
        "webhookUrl",
        "webhook_url",
        "webhookEvents",
    ];
    const PARAMS: [&str; 7] = [
        "input_images",
        "quality",
        "aspect_ratio",
        "background",
        "number_of_images",
        "output_format",
        "input_fidelity",
    ];
    only_known(body, &TOP, "")?;
    check_model(body, Provider::Apiframe)?;
    let mut request = Request::new(prompt(body)?);
    if let Some(params) = body.get("gptImageParams") {
        let Some(params) = params.as_object() else {
            return error("gptImageParams", "must be an object");
        };
        only_known(params, &PARAMS, "gptImageParams.")?;
        let field = |name: &str| format!("gptImageParams.{name}");
        request.quality = choice(params, "quality", &field("quality"), Quality::parse)?;
        request.aspect_ratio = choice(
            params,
            "aspect_ratio",
            &field("aspect_ratio"),
            AspectRatio::parse,
        )?;
        request.background = choice(
            params,
            "background",
            &field("background"),
            Background::parse,
        )?;
        request.output_format = choice(
            params,
            "output_format",
            &field("output_format"),
            OutputFormat::parse,
        )?;
        request.input_fidelity = choice(
            params,
            "input_fidelity",
            &field("input_fidelity"),
            InputFidelity::parse,
        )?;
        request.n = count(params, "number_of_images", &field("number_of_images"))?;
        request.input_images = match params.get("input_images") {
            None | Some(Value::Null) => Vec::new(),
            // The seed's example sends one bare string.
            Some(Value::String(url)) => vec![url.clone()],
            Some(_) => strings(params, "input_images", &field("input_images"))?,
        };
    }
    let webhook = match (body.get("webhookUrl"), body.get("webhook_url")) {
        (Some(_), Some(_)) => {
            return error("webhookUrl", "is given twice (webhookUrl and webhook_url)");
        }
        (Some(_), None) => text(body, "webhookUrl", "webhookUrl")?,
        (None, Some(_)) => text(body, "webhook_url", "webhook_url")?,
        (None, None) => None,
    };
    request.webhook_url = webhook;
    request.webhook_events = strings(body, "webhookEvents", "webhookEvents")?
        .iter()
        .map(|e| {
            WebhookEvent::parse(e).ok_or_else(|| BodyError {
                field: "webhookEvents".into(),
                message: format!(
                    "{} is not an event; expected progress, completed or failed",
                    quoted(e)
                ),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(request)
}

fn read_apiinone(body: &Map<String, Value>) -> Result<Request, BodyError> {
    const TOP: [&str; 6] = [
        "model",
        "prompt",
        "aspect_ratio",
        "quality",
        "input_urls",
        "callback_url",
    ];
    only_known(body, &TOP, "")?;
    check_model(body, Provider::ApiInOne)?;
    let mut request = Request::new(prompt(body)?);
    request.aspect_ratio = choice(body, "aspect_ratio", "aspect_ratio", AspectRatio::parse)?;
    request.quality = choice(body, "quality", "quality", Quality::parse)?;
    request.input_images = strings(body, "input_urls", "input_urls")?;
    request.webhook_url = text(body, "callback_url", "callback_url")?;
    Ok(request)
}

fn only_known(object: &Map<String, Value>, known: &[&str], prefix: &str) -> Result<(), BodyError> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => error(
            &format!("{prefix}{}", cut_name(unknown)),
            format!(
                "{} is not a field this proxy forwards; allowed: {}",
                quoted(&format!("{prefix}{unknown}")),
                known.join(", ")
            ),
        ),
        None => Ok(()),
    }
}

fn cut_name(name: &str) -> String {
    name.chars().take(40).collect()
}

/// The model must be the provider's GPT Image 1.5 id: another model could cost more.
fn check_model(body: &Map<String, Value>, provider: Provider) -> Result<(), BodyError> {
    let want = provider.model_id();
    match body.get("model") {
        Some(Value::String(model)) if model == want => Ok(()),
        Some(Value::String(model)) => error(
            "model",
            format!(
                "model {} is not forwarded; this proxy serves {want} only",
                quoted(model)
            ),
        ),
        Some(_) => error("model", format!("must be the string \"{want}\"")),
        None => error("model", format!("is missing; send \"model\": \"{want}\"")),
    }
}

fn prompt(body: &Map<String, Value>) -> Result<String, BodyError> {
    match body.get("prompt") {
        Some(Value::String(prompt)) => Ok(prompt.clone()),
        Some(_) => error("prompt", "must be a string"),
        None => error("prompt", "is missing: describe the image to make"),
    }
}

fn text(object: &Map<String, Value>, key: &str, field: &str) -> Result<Option<String>, BodyError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => error(field, "must be a string"),
    }
}

fn choice<T>(
    object: &Map<String, Value>,
    key: &str,
    field: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, BodyError> {
    match text(object, key, field)? {
        None => Ok(None),
        Some(value) => match parse(&value) {
            Some(v) => Ok(Some(v)),
            None => error(field, format!("{} is not a known value", quoted(&value))),
        },
    }
}

fn strings(object: &Map<String, Value>, key: &str, field: &str) -> Result<Vec<String>, BodyError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                _ => error(field, "must be a list of strings"),
            })
            .collect(),
        Some(_) => error(field, "must be a list of strings"),
    }
}

/// A whole number of images. Above 255 it is reported as such, beyond what any provider takes.
fn count(object: &Map<String, Value>, key: &str, field: &str) -> Result<Option<u8>, BodyError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(n) => u8::try_from(n)
                .map(Some)
                .or_else(|_| error(field, format!("n is {n}; Apiframe accepts 1–10"))),
            None => error(field, "must be a whole number from 1 to 10"),
        },
        Some(_) => error(field, "must be a whole number from 1 to 10"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the core sends, read back, is the request it was built from.
    #[test]
    fn the_cores_bodies_read_back_to_their_requests() {
        let full = Request {
            prompt: "a lighthouse at dawn".into(),
            quality: Some(Quality::High),
            aspect_ratio: Some(AspectRatio::Landscape),
            background: Some(Background::Transparent),
            n: Some(3),
            output_format: Some(OutputFormat::Webp),
            input_images: vec!["https://x.example/a.png".into()],
            input_fidelity: Some(InputFidelity::High),
            webhook_url: Some("https://hooks.example/h".into()),
            webhook_events: vec![WebhookEvent::Completed, WebhookEvent::Progress],
        };
        let sent = gpt_image::wire::submit_request(
            Provider::Apiframe,
            "https://api.apiframe.ai",
            Some("afk_test_key"),
            &full,
            Some("k"),
        );
        let body: Value = serde_json::from_str(sent.body.as_deref().unwrap()).unwrap();
        assert_eq!(read_request(Provider::Apiframe, &body).unwrap(), full);

        let mut plain = Request::new("a fox in snow");
        let sent = gpt_image::wire::submit_request(
            Provider::Apiframe,
            "https://a.b",
            Some("afk_k"),
            &plain,
            None,
        );
        let body: Value = serde_json::from_str(sent.body.as_deref().unwrap()).unwrap();
        // The core always sends an output format.
        plain.output_format = Some(OutputFormat::Png);
        assert_eq!(read_request(Provider::Apiframe, &body).unwrap(), plain);

        let aio = Request {
            prompt: "a red fox".into(),
            quality: Some(Quality::High),
            aspect_ratio: Some(AspectRatio::Portrait),
            input_images: vec!["https://x.example/a.png".into()],
            webhook_url: Some("https://hooks.example/h".into()),
            ..Request::default()
        };
        let sent = gpt_image::wire::submit_request(
            Provider::ApiInOne,
            "https://a.b",
            Some("aio_k"),
            &aio,
            None,
        );
        let body: Value = serde_json::from_str(sent.body.as_deref().unwrap()).unwrap();
        assert_eq!(read_request(Provider::ApiInOne, &body).unwrap(), aio);
    }

    fn field_of(provider: Provider, body: Value) -> String {
        read_request(provider, &body).unwrap_err().field
    }

    #[test]
    fn unknown_fields_wrong_models_and_types_are_refused() {
        let apiframe = |extra: Value| {
            let mut body = json!({"prompt": "fox", "model": "gpt-image-1.5"});
            if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
                b.extend(e.clone());
            }
            body
        };
        for (body, field) in [
            (apiframe(json!({"stream": true})), "stream"),
            (
                apiframe(json!({"gptImageParams": {"size": "4k"}})),
                "gptImageParams.size",
            ),
            (apiframe(json!({"gptImageParams": []})), "gptImageParams"),
            (
                apiframe(json!({"gptImageParams": {"quality": "ultra"}})),
                "gptImageParams.quality",
            ),
            (
                apiframe(json!({"gptImageParams": {"quality": 3}})),
                "gptImageParams.quality",
            ),
            (
                apiframe(json!({"gptImageParams": {"number_of_images": 1.5}})),
                "gptImageParams.number_of_images",
            ),
            (
                apiframe(json!({"gptImageParams": {"number_of_images": -1}})),
                "gptImageParams.number_of_images",
            ),
            (
                apiframe(json!({"gptImageParams": {"number_of_images": 300}})),
                "gptImageParams.number_of_images",
            ),
            (
                apiframe(json!({"gptImageParams": {"input_images": [1]}})),
                "gptImageParams.input_images",
            ),
            (
                apiframe(json!({"webhookEvents": ["done"]})),
                "webhookEvents",
            ),
            (
                apiframe(json!({"webhookUrl": "https://a", "webhook_url": "https://b"})),
                "webhookUrl",
            ),
            (json!({"prompt": "fox", "model": "gpt-image-2"}), "model"),
            (json!({"prompt": "fox"}), "model"),
            (json!({"model": "gpt-image-1.5"}), "prompt"),
            (json!({"prompt": 5, "model": "gpt-image-1.5"}), "prompt"),
            (json!(["prompt"]), "body"),
        ] {
            assert_eq!(field_of(Provider::Apiframe, body.clone()), field, "{body}");
        }
        for (body, field) in [
            (
                json!({"model": "gpt-image-1-5", "prompt": "fox", "n": 2}),
                "n",
            ),
            (json!({"model": "gpt-image-1.5", "prompt": "fox"}), "model"),
            (
                json!({"model": "gpt-image-1-5", "prompt": "fox", "input_urls": "x"}),
                "input_urls",
            ),
        ] {
            assert_eq!(field_of(Provider::ApiInOne, body.clone()), field, "{body}");
        }
    }

    #[test]
    fn one_bare_input_image_is_accepted() {
        let body = json!({"prompt": "fox", "model": "gpt-image-1.5",
            "gptImageParams": {"input_images": "https://x.example/a.png"}});
        let r = read_request(Provider::Apiframe, &body).unwrap();
        assert_eq!(r.input_images, vec!["https://x.example/a.png".to_string()]);
    }

    #[test]
    fn messages_quote_long_values_cut() {
        let body = json!({"prompt": "fox", "model": "m".repeat(100_000)});
        let err = read_request(Provider::Apiframe, &body).unwrap_err();
        assert!(err.message.len() < 300, "{}", err.message);
    }
}
