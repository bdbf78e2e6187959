//! JSON text in and out of [`serde_json::Value`], the one shape replies are read through.
//!
//! Natively this is serde_json's parser and printer. On `wasm32` it is the JavaScript engine's
//! own `JSON.parse` and `JSON.stringify`, with a walk between a `JsValue` and a `Value`: the
//! engine's parser is there anyway, and serde_json's text parser and printer (with the float
//! printing and I/O error texts they link) were some 8 KB of the npm wasm, gzipped. The wire
//! code above this module is the same on both, and natively tested.

use serde_json::{Number, Value};

/// How deep a reply may nest (serde_json's own limit): deeper text is not read, so that no
/// reply can exhaust the stack.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
const MAX_DEPTH: usize = 128;

/// Why a text is not JSON: where it stops being JSON, when the parser says
/// (`(line, column)`, both from 1; natively only: a JavaScript engine's message does not say
/// it in a portable way, and may quote the text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotJson {
    /// `(line, column)` of the first character that is not JSON, when known.
    pub position: Option<(usize, usize)>,
}

/// Reads JSON text as a value.
pub fn parse(text: &str) -> Result<Value, NotJson> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::from_str(text).map_err(|e| NotJson {
            position: Some((e.line(), e.column())),
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        let not_json = NotJson { position: None };
        let value = js_sys::JSON::parse(text).map_err(|_| not_json)?;
        from_js(&value).ok_or(not_json)
    }
}

/// A value as compact JSON text (what a request body is).
pub fn to_text(value: &Value) -> String {
    #[cfg(not(target_arch = "wasm32"))]
    {
        value.to_string()
    }
    #[cfg(target_arch = "wasm32")]
    {
        // A value built from a `Value` holds only data, so stringifying it cannot throw.
        js_sys::JSON::stringify(&to_js(value))
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_default()
    }
}

/// A number as JSON writes it (`12`, `-3`, `1.5`).
pub fn number_text(number: &Number) -> String {
    #[cfg(not(target_arch = "wasm32"))]
    {
        number.to_string()
    }
    #[cfg(target_arch = "wasm32")]
    {
        // Whole numbers through Rust's integer printing, which the wasm has anyway; others
        // through the engine's, so that no float printing is linked.
        if let Some(n) = number.as_u64() {
            n.to_string()
        } else if let Some(n) = number.as_i64() {
            n.to_string()
        } else {
            let n = js_sys::Number::from(number.as_f64().unwrap_or(0.0));
            n.to_string_with_radix(10)
                .ok()
                .map(String::from)
                .unwrap_or_default()
        }
    }
}

/// A JavaScript value as JSON data: what `JSON.parse` returns, or plain data. `None` for a
/// value that is not data (a function, a symbol, a bigint, `undefined`, a non-finite number)
/// or that nests deeper than [`MAX_DEPTH`]. Whole numbers of at most 2^53 become integers, as
/// serde_json would read their text.
#[cfg(target_arch = "wasm32")]
pub fn from_js(value: &wasm_bindgen::JsValue) -> Option<Value> {
    from_js_at(value, 0)
}

#[cfg(target_arch = "wasm32")]
fn from_js_at(value: &wasm_bindgen::JsValue, depth: usize) -> Option<Value> {
    use wasm_bindgen::JsCast;

    if value.is_null() {
        return Some(Value::Null);
    }
    if let Some(b) = value.as_bool() {
        return Some(Value::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        return number(n).map(Value::Number);
    }
    if let Some(s) = value.as_string() {
        return Some(Value::String(s));
    }
    if !value.is_object() || value.is_function() || depth >= MAX_DEPTH {
        return None;
    }
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        let mut items = Vec::with_capacity(array.length() as usize);
        for item in array.iter() {
            items.push(from_js_at(&item, depth + 1)?);
        }
        return Some(Value::Array(items));
    }
    let object: &js_sys::Object = value.unchecked_ref();
    let mut map = serde_json::Map::new();
    for key in js_sys::Object::keys(object).iter() {
        let item = js_sys::Reflect::get(object, &key).ok()?;
        map.insert(key.as_string()?, from_js_at(&item, depth + 1)?);
    }
    Some(Value::Object(map))
}

/// A finite number as serde_json holds it: whole numbers within 2^53 as integers.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn number(n: f64) -> Option<Number> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() <= EXACT {
        // Exact: a whole number within 2^53 converts without rounding.
        Some(if n >= 0.0 {
            Number::from(n as u64)
        } else {
            Number::from(n as i64)
        })
    } else {
        Number::from_f64(n)
    }
}

/// A value as a JavaScript value: objects become plain objects, numbers JS numbers.
#[cfg(target_arch = "wasm32")]
pub fn to_js(value: &Value) -> wasm_bindgen::JsValue {
    use wasm_bindgen::JsValue;

    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(to_js).collect::<js_sys::Array>().into(),
        Value::Object(map) => {
            let object = js_sys::Object::new();
            for (key, item) in map {
                // Setting a property on a fresh plain object cannot fail.
                let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &to_js(item));
            }
            object.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn text_round_trips() {
        let value = json!({ "a": [1, -2, 1.5, "x", null, true], "b": {} });
        assert_eq!(parse(&to_text(&value)), Ok(value));
    }

    #[test]
    fn not_json_says_where() {
        assert_eq!(
            parse("{\n  \"a\": nope }"),
            Err(NotJson {
                position: Some((2, 9))
            })
        );
    }

    #[test]
    fn numbers_are_held_as_serde_json_reads_their_text() {
        assert_eq!(number(3.0), Some(Number::from(3u64)));
        assert_eq!(number(-3.0), Some(Number::from(-3i64)));
        assert_eq!(number(1.5), Number::from_f64(1.5));
        assert_eq!(number(1e300), Number::from_f64(1e300));
        assert_eq!(number(f64::NAN), None);
        assert_eq!(number_text(&Number::from(12u64)), "12");
        assert_eq!(number_text(&Number::from(-3i64)), "-3");
    }
}
