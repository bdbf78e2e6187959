//! The JSON the studio keeps (history entries in IndexedDB, settings in `localStorage`) and the
//! `studio-config.json` it may start from, read and written by hand through
//! [`serde_json::Value`].
//!
//! The serde derives on [`Entry`], [`Settings`] and [`StudioConfig`] define these formats (the
//! tests check that both ways agree), but the browser does not use them: each derived
//! `Deserialize` and `Serialize` is a copy of serde_json's parser or writer for that type,
//! where `Value` is in the wasm anyway (the core reads every reply through it): by hand, the
//! first load is 8.6 KB smaller, gzipped. Reading is lenient: a field missing or of the wrong
//! kind takes its default, so an entry or settings saved by another version still load.

use gpt_image::{Provider, Request, json};
use serde_json::{Map, Value};

use crate::form::Form;
use crate::history::{Entry, SavedImage, Status};
use crate::settings::{PerProvider, Route, Settings, StudioConfig};

/// An entry as stored in IndexedDB.
pub fn entry_to_json(e: &Entry) -> String {
    let mut m = Map::new();
    put(&mut m, "id", e.id.as_str().into());
    put(&mut m, "provider", e.provider.id().into());
    put(&mut m, "baseUrl", e.base_url.as_str().into());
    if e.via_proxy {
        put(&mut m, "viaProxy", true.into());
    }
    put(&mut m, "request", request_to_value(&e.request));
    put(&mut m, "jobId", optional_text(&e.job_id));
    put(&mut m, "idempotencyKey", optional_text(&e.idempotency_key));
    put(&mut m, "status", e.status.id().into());
    put(
        &mut m,
        "progress",
        e.progress.map_or(Value::Null, Value::from),
    );
    put(&mut m, "progressAt", optional_number(e.progress_at));
    put(&mut m, "submittedAt", e.submitted_at.into());
    put(&mut m, "finishedAt", optional_number(e.finished_at));
    put(&mut m, "creditCost", optional_number(e.credit_cost));
    put(&mut m, "error", optional_text(&e.error));
    if e.refused_by_browser {
        put(&mut m, "refusedByBrowser", true.into());
    }
    let images = e.images.iter().map(|i| {
        let mut m = Map::new();
        put(&mut m, "url", i.url.as_str().into());
        put(&mut m, "stored", i.stored.into());
        if let Some(mime) = &i.mime {
            put(&mut m, "mime", mime.as_str().into());
        }
        if i.removed {
            put(&mut m, "removed", true.into());
        }
        Value::Object(m)
    });
    put(&mut m, "images", Value::Array(images.collect()));
    json::to_text(&Value::Object(m))
}

/// An entry read back from [`entry_to_json`]'s text; `None` without its id, provider, base URL,
/// status, time sent or images.
pub fn entry_from_json(text: &str) -> Option<Entry> {
    let v: Value = json::parse(text).ok()?;
    let images = v.get("images")?.as_array()?.iter().map(|i| {
        Some(SavedImage {
            url: text_of(i, "url")?,
            stored: flag(i, "stored"),
            mime: text_of(i, "mime"),
            removed: flag(i, "removed"),
        })
    });
    Some(Entry {
        id: text_of(&v, "id")?,
        provider: provider_of(&v, "provider")?,
        base_url: text_of(&v, "baseUrl")?,
        via_proxy: flag(&v, "viaProxy"),
        request: request_from_value(v.get("request")?),
        job_id: text_of(&v, "jobId"),
        idempotency_key: text_of(&v, "idempotencyKey"),
        status: Status::parse(v.get("status")?.as_str()?)?,
        progress: v
            .get("progress")
            .and_then(Value::as_u64)
            .and_then(|p| u8::try_from(p).ok()),
        progress_at: number(&v, "progressAt"),
        submitted_at: number(&v, "submittedAt")?,
        finished_at: number(&v, "finishedAt"),
        credit_cost: number(&v, "creditCost"),
        error: text_of(&v, "error"),
        refused_by_browser: flag(&v, "refusedByBrowser"),
        images: images.collect::<Option<_>>()?,
    })
}

/// Settings as stored in `localStorage`.
pub fn settings_to_json(s: &Settings) -> String {
    let mut m = Map::new();
    put(&mut m, "provider", s.provider.id().into());
    put(&mut m, "route", s.route.id().into());
    put(&mut m, "proxyUrl", s.proxy_url.as_str().into());
    let mut urls = Map::new();
    for p in Provider::ALL {
        put(&mut urls, p.id(), s.base_urls.get(p).as_str().into());
    }
    put(&mut m, "baseUrls", Value::Object(urls));
    put(&mut m, "rememberKey", s.remember_key.into());
    let f = &s.form;
    let mut form = Map::new();
    put(&mut form, "prompt", f.prompt.as_str().into());
    put(&mut form, "quality", f.quality.as_str().into());
    put(&mut form, "aspectRatio", f.aspect_ratio.as_str().into());
    put(&mut form, "background", f.background.as_str().into());
    put(&mut form, "count", f.count.into());
    put(&mut form, "outputFormat", f.output_format.as_str().into());
    put(&mut form, "inputFidelity", f.input_fidelity.as_str().into());
    put(&mut form, "references", texts_to_value(&f.references));
    put(&mut m, "form", Value::Object(form));
    json::to_text(&Value::Object(m))
}

/// Settings read back from [`settings_to_json`]'s text; `None` when it is not a JSON object.
pub fn settings_from_json(text: &str) -> Option<Settings> {
    let v: Value = json::parse(text).ok()?;
    v.as_object()?;
    let mut s = Settings::default();
    if let Some(p) = provider_of(&v, "provider") {
        s.provider = p;
    }
    if let Some(route) = v
        .get("route")
        .and_then(Value::as_str)
        .and_then(Route::parse)
    {
        s.route = route;
    }
    s.proxy_url = text_of(&v, "proxyUrl").unwrap_or_default();
    if let Some(urls) = v.get("baseUrls") {
        s.base_urls = PerProvider {
            apiframe: text_of(urls, "apiframe").unwrap_or_default(),
            apiinone: text_of(urls, "apiinone").unwrap_or_default(),
        };
    }
    s.remember_key = flag(&v, "rememberKey");
    if let Some(f) = v.get("form") {
        let d = Form::default();
        let choice = |key| f.get(key).and_then(Value::as_str);
        s.form = Form {
            prompt: text_of(f, "prompt").unwrap_or_default(),
            quality: choice("quality")
                .and_then(gpt_image::Quality::parse)
                .unwrap_or(d.quality),
            aspect_ratio: choice("aspectRatio")
                .and_then(gpt_image::AspectRatio::parse)
                .unwrap_or(d.aspect_ratio),
            background: choice("background")
                .and_then(gpt_image::Background::parse)
                .unwrap_or(d.background),
            count: f
                .get("count")
                .and_then(Value::as_u64)
                .and_then(|n| u8::try_from(n).ok())
                .unwrap_or(d.count),
            output_format: choice("outputFormat")
                .and_then(gpt_image::OutputFormat::parse)
                .unwrap_or(d.output_format),
            input_fidelity: choice("inputFidelity")
                .and_then(gpt_image::InputFidelity::parse)
                .unwrap_or(d.input_fidelity),
            references: texts(f, "references"),
        };
    }
    Some(s)
}

/// A `studio-config.json`; `None` when it is not a JSON object.
pub fn config_from_json(text: &str) -> Option<StudioConfig> {
    let v: Value = json::parse(text).ok()?;
    v.as_object()?;
    let keys = v.get("apiKeys").unwrap_or(&Value::Null);
    Some(StudioConfig {
        provider: provider_of(&v, "provider"),
        base_url: text_of(&v, "baseUrl"),
        api_keys: PerProvider {
            apiframe: text_of(keys, "apiframe"),
            apiinone: text_of(keys, "apiinone"),
        },
    })
}

/// A request as the core's serde derive spells it (camelCase, unset options as `null`).
fn request_to_value(r: &Request) -> Value {
    fn choice<T>(value: Option<T>, name: fn(T) -> &'static str) -> Value {
        value.map_or(Value::Null, |v| name(v).into())
    }
    let mut m = Map::new();
    put(&mut m, "prompt", r.prompt.as_str().into());
    put(&mut m, "quality", choice(r.quality, |q| q.as_str()));
    put(
        &mut m,
        "aspectRatio",
        choice(r.aspect_ratio, |a| a.as_str()),
    );
    put(&mut m, "background", choice(r.background, |b| b.as_str()));
    put(&mut m, "n", r.n.map_or(Value::Null, Value::from));
    put(
        &mut m,
        "outputFormat",
        choice(r.output_format, |o| o.as_str()),
    );
    if !r.input_images.is_empty() {
        put(&mut m, "inputImages", texts_to_value(&r.input_images));
    }
    put(
        &mut m,
        "inputFidelity",
        choice(r.input_fidelity, |i| i.as_str()),
    );
    put(&mut m, "webhookUrl", optional_text(&r.webhook_url));
    if !r.webhook_events.is_empty() {
        let events = r.webhook_events.iter().map(|e| e.as_str().into());
        put(&mut m, "webhookEvents", Value::Array(events.collect()));
    }
    Value::Object(m)
}

/// A request read back from [`request_to_value`]'s value.
fn request_from_value(v: &Value) -> Request {
    let choice = |key| v.get(key).and_then(Value::as_str);
    let events = v.get("webhookEvents").and_then(Value::as_array);
    Request {
        prompt: text_of(v, "prompt").unwrap_or_default(),
        quality: choice("quality").and_then(gpt_image::Quality::parse),
        aspect_ratio: choice("aspectRatio").and_then(gpt_image::AspectRatio::parse),
        background: choice("background").and_then(gpt_image::Background::parse),
        n: v.get("n")
            .and_then(Value::as_u64)
            .and_then(|n| u8::try_from(n).ok()),
        output_format: choice("outputFormat").and_then(gpt_image::OutputFormat::parse),
        input_images: texts(v, "inputImages"),
        input_fidelity: choice("inputFidelity").and_then(gpt_image::InputFidelity::parse),
        webhook_url: text_of(v, "webhookUrl"),
        webhook_events: events
            .into_iter()
            .flatten()
            .filter_map(|e| gpt_image::WebhookEvent::parse(e.as_str()?))
            .collect(),
    }
}

fn put(m: &mut Map<String, Value>, key: &str, value: Value) {
    m.insert(key.to_owned(), value);
}

fn optional_text(value: &Option<String>) -> Value {
    value.as_deref().map_or(Value::Null, Value::from)
}

fn optional_number(value: Option<f64>) -> Value {
    value.map_or(Value::Null, Value::from)
}

fn texts_to_value(values: &[String]) -> Value {
    Value::Array(values.iter().map(|t| t.as_str().into()).collect())
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_owned)
}

fn number(v: &Value, key: &str) -> Option<f64> {
    v.get(key)?.as_f64()
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn texts(v: &Value, key: &str) -> Vec<String> {
    let all = v.get(key).and_then(Value::as_array).into_iter().flatten();
    all.filter_map(|t| t.as_str().map(str::to_owned)).collect()
}

fn provider_of(v: &Value, key: &str) -> Option<Provider> {
    v.get(key)?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpt_image::{AspectRatio, Quality, WebhookEvent};

    fn full_entry() -> Entry {
        let mut request = Request::new("a fox “in” snow");
        request.quality = Some(Quality::High);
        request.aspect_ratio = Some(AspectRatio::Portrait);
        request.n = Some(2);
        request.input_images = vec!["https://x.example/a.png".into()];
        request.webhook_url = Some("https://hook.example/".into());
        request.webhook_events = vec![WebhookEvent::Completed];
        Entry {
            id: "e1".into(),
            provider: Provider::ApiInOne,
            base_url: "http://127.0.0.1:8787".into(),
            via_proxy: true,
            request,
            job_id: Some("job-1".into()),
            idempotency_key: None,
            status: Status::Completed,
            progress: Some(100),
            progress_at: Some(1_700_000_000_500.0),
            submitted_at: 1_700_000_000_000.0,
            finished_at: Some(1_700_000_001_000.5),
            credit_cost: Some(2.5),
            error: Some("it said \"no\"".into()),
            refused_by_browser: true,
            images: vec![
                SavedImage {
                    url: "https://x.example/1.png".into(),
                    stored: true,
                    mime: Some("image/png".into()),
                    removed: false,
                },
                SavedImage {
                    url: "https://x.example/2.png".into(),
                    stored: false,
                    mime: None,
                    removed: true,
                },
            ],
        }
    }

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn entries_are_written_as_the_serde_derive_writes_them() {
        let bare = Entry {
            via_proxy: false,
            refused_by_browser: false,
            request: Request::new("fox"),
            ..full_entry()
        };
        for e in [full_entry(), bare] {
            let derived = serde_json::to_string(&e).unwrap();
            assert_eq!(value(&entry_to_json(&e)), value(&derived));
            assert_eq!(entry_from_json(&derived), Some(e.clone()));
            assert_eq!(entry_from_json(&entry_to_json(&e)), Some(e));
        }
    }

    #[test]
    fn entries_without_what_identifies_them_are_skipped() {
        let mut v = value(&entry_to_json(&full_entry()));
        v.as_object_mut().unwrap().remove("id");
        assert_eq!(entry_from_json(&v.to_string()), None);
        assert_eq!(entry_from_json("{not json"), None);
    }

    #[test]
    fn settings_are_written_as_the_serde_derive_writes_them() {
        let mut s = Settings {
            provider: Provider::ApiInOne,
            route: Route::Proxy,
            proxy_url: "https://app.example/api/gpt-image".into(),
            remember_key: true,
            ..Settings::default()
        };
        s.base_urls.apiframe = "http://127.0.0.1:8787".into();
        s.form.prompt = "draft".into();
        s.form.count = 3;
        s.form.quality = Quality::Low;
        s.form.references = vec!["data:image/png;base64,AA==".into()];
        for s in [s, Settings::default()] {
            let derived = serde_json::to_string(&s).unwrap();
            assert_eq!(value(&settings_to_json(&s)), value(&derived));
            assert_eq!(settings_from_json(&derived), Some(s.clone()));
        }
        // Missing fields take their defaults, as with the derive.
        let old = settings_from_json(r#"{"provider":"apiinone"}"#).unwrap();
        assert_eq!(old.provider, Provider::ApiInOne);
        assert_eq!(old.route, Route::Direct);
        assert_eq!(settings_from_json("[]"), None);
    }

    #[test]
    fn a_config_reads_as_the_serde_derive_reads_it() {
        let text = r#"{"provider":"apiframe","baseUrl":"http://127.0.0.1:8787","apiKeys":{"apiframe":"afk_demo"}}"#;
        assert_eq!(
            config_from_json(text),
            Some(serde_json::from_str::<StudioConfig>(text).unwrap())
        );
        assert_eq!(config_from_json("<html>404</html>"), None);
    }
}
