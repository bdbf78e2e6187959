//! Reading JavaScript values for [`crate::arguments`] and writing results back as plain objects.
//!
//! Plain data (requests, `createClient` options) becomes a `serde_json::Value` after its keys
//! are checked; call options are read key by key, since a signal or a callback is not data.
//! Every failure is an `invalid_request` error naming the field, never a panic.

use gpt_image::{Error, Runtime};
use js_sys::{Array, Function, Object, Reflect};
use serde::Serialize;
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

/// A result as a plain object: camelCase keys, absent fields left out. Through a
/// `serde_json::Value` and no JSON text, so no JSON printer (nor float printing) is linked.
pub fn to_plain<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    let value = serde_json::to_value(value).map_err(|_| Error::Decode {
        message: "could not hand the result to JavaScript".into(),
        body: String::new(),
    })?;
    Ok(gpt_image::json::to_js(&value))
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
