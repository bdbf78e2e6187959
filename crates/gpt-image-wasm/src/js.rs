//! Reading JavaScript values for [`crate::arguments`] and writing results back as plain objects.
//!
//! Plain data (requests, `createClient` options) becomes a `serde_json::Value` after its keys
//! are checked; call options are read key by key, since a signal or a callback is not data.
//! Every failure is an `invalid_request` error naming the field, never a panic.

use gpt_image::schedule::ModelData;
use gpt_image::{Error, Generation, Image, Job, JobStatus, JobUpdate, Runtime};
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::arguments::{self, check_keys, invalid, wrong_type};

/// Options of one call, as far as it has each.
#[derive(Default)]
pub struct CallOptions {
    pub signal: Option<AbortSignal>,
    pub on_update: Option<Function>,
    pub timeout_ms: Option<u64>,
    pub idempotency_key: Option<String>,
}

/// Reads the options argument of `what` (`"submit options"`…); `undefined` means none.
pub fn call_options(what: &str, value: &JsValue, allowed: &[&str]) -> Result<CallOptions, Error> {
    let mut options = CallOptions::default();
    if value.is_undefined() || value.is_null() {
        return Ok(options);
    }
    let object = plain_object(value, "options", "an object such as { signal }")?;
    let keys = keys(object);
    check_keys(what, keys.iter().map(String::as_str), allowed)?;
    for key in &keys {
        let field = get(object, key);
        if field.is_undefined() || field.is_null() {
            continue;
        }
        match key.as_str() {
            "signal" => options.signal = Some(signal(field)?),
            "onUpdate" => match field.dyn_into::<Function>() {
                Ok(f) => options.on_update = Some(f),
                Err(other) => {
                    return Err(wrong_type("onUpdate", "a function", type_name(&other)));
                }
            },
            "timeoutMs" => match field.as_f64() {
                Some(ms) => options.timeout_ms = Some(arguments::millis("timeoutMs", ms)?),
                None => {
                    return Err(wrong_type(
                        "timeoutMs",
                        "a number of milliseconds",
                        type_name(&field),
                    ));
                }
            },
            "idempotencyKey" => match field.as_string() {
                Some(key) => options.idempotency_key = Some(key),
                None => return Err(wrong_type("idempotencyKey", "a string", type_name(&field))),
            },
            _ => {}
        }
    }
    Ok(options)
}

/// An `AbortSignal`, recognised by its shape so polyfills and other realms work too.
fn signal(value: JsValue) -> Result<AbortSignal, Error> {
    let looks_right = value.is_object()
        && Reflect::get(&value, &JsValue::from_str("aborted")).is_ok_and(|a| a.as_bool().is_some())
        && Reflect::get(&value, &JsValue::from_str("addEventListener"))
            .is_ok_and(|f| f.is_function());
    if looks_right {
        Ok(value.unchecked_into())
    } else {
        Err(wrong_type(
            "signal",
            "an AbortSignal (for example AbortSignal.timeout(ms) or controller.signal)",
            type_name(&value),
        ))
    }
}

/// Plain data (a request, `createClient` options) as a JSON value, its keys checked first so
/// that an unknown key is reported as such even when its value is not data.
pub fn plain(
    value: &JsValue,
    field: &str,
    expected: &str,
    what: &str,
    allowed: &[&str],
) -> Result<serde_json::Value, Error> {
    checked_object(value, field, expected, what, allowed)?;
    // Through JSON text, as the data it is: `toJSON` applies and `undefined` values drop out,
    // as they should; the text is then read by the engine (see `gpt_image::json`).
    let not_data = || {
        invalid(
            field,
            "must hold only strings, numbers, booleans, arrays and plain objects",
        )
    };
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(not_data)?;
    gpt_image::json::parse(&text).map_err(|_| not_data())
}

/// `value` as an object whose keys are all in `allowed`.
pub fn checked_object<'a>(
    value: &'a JsValue,
    field: &str,
    expected: &str,
    what: &str,
    allowed: &[&str],
) -> Result<&'a Object, Error> {
    let object = plain_object(value, field, expected)?;
    check_keys(what, keys(object).iter().map(String::as_str), allowed)?;
    Ok(object)
}

fn plain_object<'a>(value: &'a JsValue, field: &str, expected: &str) -> Result<&'a Object, Error> {
    if value.is_object() && !Array::is_array(value) && !value.is_function() {
        Ok(value.unchecked_ref())
    } else {
        Err(wrong_type(field, expected, type_name(value)))
    }
}

fn keys(object: &Object) -> Vec<String> {
    Object::keys(object)
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

/// The value of `key` on `object`; `undefined` when reading it fails.
pub fn get(object: &Object, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A string argument such as a job id.
pub fn text(field: &str, value: &JsValue, expected: &str) -> Result<String, Error> {
    value
        .as_string()
        .ok_or_else(|| wrong_type(field, expected, type_name(value)))
}

/// A result as a plain object: the camelCase keys and values serde gives these types (an
/// absent field left out), written key by key so that no serializer is linked into the wasm.
pub trait ToPlain {
    /// This value as a plain JS object.
    fn to_plain(&self) -> JsValue;
}

/// A plain object being filled.
struct Plain(Object);

impl Plain {
    fn new() -> Self {
        Plain(Object::new())
    }

    fn set(self, key: &str, value: JsValue) -> Self {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value);
        self
    }

    /// Sets `key` only when there is a value, as `skip_serializing_if = "Option::is_none"`.
    fn maybe(self, key: &str, value: Option<JsValue>) -> Self {
        match value {
            Some(value) => self.set(key, value),
            None => self,
        }
    }

    fn done(self) -> JsValue {
        self.0.into()
    }
}

/// A number as serde_json writes it: a non-finite one is `null`.
fn number(x: f64) -> JsValue {
    if x.is_finite() {
        JsValue::from_f64(x)
    } else {
        JsValue::NULL
    }
}

/// A list of plain objects.
fn array<T>(items: &[T], item: impl Fn(&T) -> JsValue) -> JsValue {
    items.iter().map(item).collect::<Array>().into()
}

fn images(images: &[Image]) -> JsValue {
    array(images, |image| {
        Plain::new()
            .set("url", JsValue::from_str(&image.url))
            .done()
    })
}

fn string(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn status(status: JobStatus) -> JsValue {
    string(match status {
        JobStatus::Queued => "queued",
        JobStatus::Processing => "processing",
        JobStatus::Completed => "completed",
        JobStatus::Failed => "failed",
    })
}

impl ToPlain for Job {
    fn to_plain(&self) -> JsValue {
        Plain::new()
            .set("id", string(&self.id))
            .set("provider", string(self.provider.id()))
            .set("status", status(self.status))
            .maybe(
                "idempotencyKey",
                self.idempotency_key.as_deref().map(string),
            )
            .done()
    }
}

impl ToPlain for JobUpdate {
    fn to_plain(&self) -> JsValue {
        Plain::new()
            .set("id", string(&self.id))
            .set("status", status(self.status))
            .maybe("progress", self.progress.map(|p| number(f64::from(p))))
            .maybe(
                "images",
                (!self.images.is_empty()).then(|| images(&self.images)),
            )
            .maybe("error", self.error.as_deref().map(string))
            .maybe("creditCost", self.credit_cost.map(number))
            .maybe("createdAt", self.created_at.map(|ms| number(ms as f64)))
            .maybe("completedAt", self.completed_at.map(|ms| number(ms as f64)))
            .done()
    }
}

impl ToPlain for Generation {
    fn to_plain(&self) -> JsValue {
        Plain::new()
            .set("jobId", string(&self.job_id))
            .set("provider", string(self.provider.id()))
            .set("images", images(&self.images))
            .maybe("creditCost", self.credit_cost.map(number))
            .done()
    }
}

impl ToPlain for ModelData {
    fn to_plain(&self) -> JsValue {
        let durations = array(&self.durations, |d| {
            let kind = Plain::new()
                .set("provider", string(d.kind.provider.id()))
                .maybe("quality", d.kind.quality.map(|q| string(q.as_str())))
                .maybe("n", d.kind.n.map(|n| number(f64::from(n))))
                .maybe("edit", d.kind.edit.map(JsValue::from_bool))
                .done();
            Plain::new()
                .set("kind", kind)
                .set("weight", number(d.weight))
                .set("meanLnMs", number(d.mean_ln_ms))
                .set("varLnMs", number(d.var_ln_ms))
                .done()
        });
        let progress = array(&self.progress, |p| {
            Plain::new()
                .set("provider", string(p.provider.id()))
                .set("percent", number(f64::from(p.percent)))
                .set("seen", number(f64::from(p.seen)))
                .set("minShare", number(p.min_share))
                .set("maxShare", number(p.max_share))
                .done()
        });
        Plain::new()
            .set("durations", durations)
            .set("progress", progress)
            .done()
    }
}

/// The type of a JS value in words ("a string", "an array"…), never its content (it may be
/// a secret).
pub fn type_name(value: &JsValue) -> &'static str {
    if value.is_undefined() {
        "undefined"
    } else if value.is_null() {
        "null"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.is_string() {
        "a string"
    } else if value.is_function() {
        "a function"
    } else if value.is_bigint() {
        "a bigint"
    } else if value.is_symbol() {
        "a symbol"
    } else if Array::is_array(value) {
        "an array"
    } else {
        "an object"
    }
}

/// `location.origin` of the page or worker, when there is one.
pub fn page_origin() -> Option<String> {
    Reflect::get(&js_sys::global(), &JsValue::from_str("location"))
        .ok()
        .filter(JsValue::is_object)
        .and_then(|location| Reflect::get(&location, &JsValue::from_str("origin")).ok())
        .and_then(|origin| origin.as_string())
}

/// Where this module runs: a page or a web worker is a [`Runtime::Browser`]; Node, Deno, Bun
/// (their workers too) and workerd are servers. See [`arguments::client::runtime_of`].
pub fn runtime() -> Runtime {
    let global = js_sys::global();
    let has = |name: &str| {
        Reflect::get(&global, &JsValue::from_str(name))
            .is_ok_and(|v| !v.is_undefined() && !v.is_null())
    };
    // `globalThis instanceof WorkerGlobalScope`, through the prototype chain.
    let in_worker_scope = Reflect::get(&global, &JsValue::from_str("WorkerGlobalScope"))
        .ok()
        .filter(JsValue::is_function)
        .and_then(|scope| Reflect::get(&scope, &JsValue::from_str("prototype")).ok())
        .filter(JsValue::is_object)
        .is_some_and(|prototype| {
            prototype
                .unchecked_into::<Object>()
                .is_prototype_of(&global)
        });
    let user_agent = Reflect::get(&global, &JsValue::from_str("navigator"))
        .ok()
        .filter(JsValue::is_object)
        .and_then(|navigator| Reflect::get(&navigator, &JsValue::from_str("userAgent")).ok())
        .and_then(|agent| agent.as_string());
    let node = Reflect::get(&global, &JsValue::from_str("process"))
        .ok()
        .filter(JsValue::is_object)
        .and_then(|process| Reflect::get(&process, &JsValue::from_str("versions")).ok())
        .filter(JsValue::is_object)
        .and_then(|versions| Reflect::get(&versions, &JsValue::from_str("node")).ok())
        .is_some_and(|node| node.is_string());
    let server_marker = node || has("Deno") || has("Bun");
    arguments::client::runtime_of(
        server_marker,
        has("document"),
        in_worker_scope,
        user_agent.as_deref(),
    )
}
