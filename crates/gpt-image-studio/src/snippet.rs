//! "Copy the code": the exact submit request for the current form as cURL, JavaScript `fetch`
//! and Python `requests`.
//!
//! The request is built by the core's [`gpt_image::wire::submit_request`], the same function
//! the client sends with, so the snippet cannot drift from what the studio does. The key is
//! replaced by [`REDACTED`] unless the user chose to reveal it.

use gpt_image::http::{HttpRequest, Method};
use gpt_image::wire;
use gpt_image::{Provider, Request, json};
use serde_json::Value;

/// What stands in for the key while it is hidden.
pub const REDACTED: &str = "YOUR_API_KEY";

/// A language the code panel offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Curl,
    JavaScript,
    Python,
}

impl Language {
    /// Every language, in tab order.
    pub const ALL: [Language; 3] = [Language::Curl, Language::JavaScript, Language::Python];

    /// The tab label.
    pub fn label(self) -> &'static str {
        match self {
            Language::Curl => "cURL",
            Language::JavaScript => "JavaScript",
            Language::Python => "Python",
        }
    }
}

/// The submit request the studio would send, with the key shown only when `reveal` is set
/// (and a placeholder when there is no key yet).
pub fn submit_request(
    provider: Provider,
    base_url: &str,
    api_key: &str,
    reveal: bool,
    request: &Request,
    idempotency_key: Option<&str>,
) -> HttpRequest {
    let key = if reveal && !api_key.trim().is_empty() {
        api_key.trim()
    } else {
        REDACTED
    };
    wire::submit_request(provider, base_url, Some(key), request, idempotency_key)
}

/// The request as code in `language`.
pub fn render(language: Language, http: &HttpRequest) -> String {
    match language {
        Language::Curl => curl(http),
        Language::JavaScript => javascript(http),
        Language::Python => python(http),
    }
}

fn pretty_body(http: &HttpRequest) -> Option<Value> {
    http.body
        .as_deref()
        .map(|b| json::parse(b).unwrap_or_else(|_| Value::String(b.to_owned())))
}

fn method(http: &HttpRequest) -> &'static str {
    match http.method {
        Method::Get => "GET",
        Method::Post => "POST",
    }
}

/// Single-quotes for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn curl(http: &HttpRequest) -> String {
    let mut out = format!("curl -X {} {}", method(http), shell_quote(&http.url));
    for (name, value) in &http.headers {
        out.push_str(&format!(
            " \\\n  -H {}",
            shell_quote(&format!("{name}: {value}"))
        ));
    }
    if let Some(body) = pretty_body(http) {
        let text = pretty_json(&body);
        out.push_str(&format!(" \\\n  --data-raw {}", shell_quote(&text)));
    }
    out.push('\n');
    out
}

fn javascript(http: &HttpRequest) -> String {
    let mut out = format!(
        "const response = await fetch({}, {{\n  method: {},\n  headers: {{\n",
        string_literal(&http.url),
        string_literal(method(http))
    );
    for (name, value) in &http.headers {
        out.push_str(&format!(
            "    {}: {},\n",
            string_literal(name),
            string_literal(value)
        ));
    }
    out.push_str("  },\n");
    if let Some(body) = pretty_body(http) {
        let text = pretty_json(&body);
        let indented = text.replace('\n', "\n  ");
        out.push_str(&format!("  body: JSON.stringify({indented}),\n"));
    }
    out.push_str("});\nconst job = await response.json();\nconsole.log(response.status, job);\n");
    out
}

fn python(http: &HttpRequest) -> String {
    let mut out = String::from("import requests\n\nresponse = requests.");
    out.push_str(&method(http).to_ascii_lowercase());
    out.push_str(&format!(
        "(\n    {},\n    headers={{\n",
        string_literal(&http.url)
    ));
    for (name, value) in &http.headers {
        if *name == "content-type" {
            continue; // `json=` sets it.
        }
        out.push_str(&format!(
            "        {}: {},\n",
            string_literal(name),
            string_literal(value)
        ));
    }
    out.push_str("    },\n");
    if let Some(body) = pretty_body(http) {
        out.push_str(&format!("    json={},\n", py_value(&body, 1)));
    }
    out.push_str("    timeout=30,\n)\nprint(response.status_code, response.json())\n");
    out
}

/// `s` as a JSON string literal, which is also a valid JavaScript and Python one.
fn string_literal(s: &str) -> String {
    json::to_text(&Value::String(s.to_owned()))
}

/// A JSON value as a Python literal (True/False/None), indented by `level` steps of 4.
fn py_value(v: &Value, level: usize) -> String {
    literal(v, level, true)
}

/// A JSON value as pretty JSON, as `serde_json::to_string_pretty` writes it (which would
/// bring a second JSON writer into the wasm).
fn pretty_json(v: &Value) -> String {
    literal(v, 0, false)
}

/// `v` as a literal at nesting `level`: pretty JSON (steps of 2, `true`/`false`/`null`, commas
/// between items) or, when `python`, Python (steps of 4, `True`/`False`/`None`, a comma after
/// every item). A JSON string literal is a valid Python string literal.
fn literal(v: &Value, level: usize, python: bool) -> String {
    let (step, words) = if python {
        ("    ", ["True", "False", "None"])
    } else {
        ("  ", ["true", "false", "null"])
    };
    let pad = step.repeat(level + 1);
    let close = step.repeat(level);
    let block = |open: char, items: Vec<String>, end: char| {
        let mut out = format!("{open}\n");
        for (i, item) in items.iter().enumerate() {
            out.push_str(&pad);
            out.push_str(item);
            if python || i + 1 < items.len() {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str(&close);
        out.push(end);
        out
    };
    match v {
        Value::Null => words[2].into(),
        Value::Bool(true) => words[0].into(),
        Value::Bool(false) => words[1].into(),
        Value::Number(n) => json::number_text(n),
        Value::String(s) => string_literal(s),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => block(
            '[',
            items
                .iter()
                .map(|i| literal(i, level + 1, python))
                .collect(),
            ']',
        ),
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => block(
            '{',
            map.iter()
                .map(|(k, i)| format!("{}: {}", string_literal(k), literal(i, level + 1, python)))
                .collect(),
            '}',
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpt_image::Quality;

    const KEY: &str = "afk_secret_key_123";

    fn req() -> Request {
        Request {
            quality: Some(Quality::High),
            n: Some(2),
            ..Request::new("it's a fox")
        }
    }

    #[test]
    fn pretty_json_is_written_as_serde_json_writes_it() {
        let v: Value = serde_json::from_str(
            r#"{"a":[true,false,null,1.5,"x\"y"],"b":{},"c":[],"d":{"e":{"f":2}}}"#,
        )
        .unwrap();
        assert_eq!(pretty_json(&v), serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn hidden_keys_never_appear() {
        let http = submit_request(
            Provider::Apiframe,
            "http://127.0.0.1:8787",
            KEY,
            false,
            &req(),
            Some("k-1"),
        );
        for lang in Language::ALL {
            let code = render(lang, &http);
            assert!(!code.contains(KEY), "{code}");
            assert!(code.contains(REDACTED), "{code}");
        }
    }

    #[test]
    fn revealed_curl_is_the_wire_request() {
        let http = submit_request(
            Provider::Apiframe,
            "http://127.0.0.1:8787/",
            KEY,
            true,
            &req(),
            Some("k-1"),
        );
        let code = render(Language::Curl, &http);
        assert!(code.starts_with("curl -X POST 'http://127.0.0.1:8787/v2/images/generate'"));
        assert!(code.contains(&format!("-H 'x-api-key: {KEY}'")), "{code}");
        assert!(code.contains("-H 'idempotency-key: k-1'"));
        // The apostrophe in the prompt survives shell quoting.
        assert!(code.contains(r#""prompt": "it'\''s a fox""#), "{code}");
        assert!(code.contains("\"number_of_images\": 2"), "{code}");
    }

    #[test]
    fn javascript_and_python_carry_the_same_body() {
        let http = submit_request(
            Provider::ApiInOne,
            "https://apiin.one",
            KEY,
            true,
            &req(),
            None,
        );
        let js = render(Language::JavaScript, &http);
        assert!(js.contains("fetch(\"https://apiin.one/api/v1/images/generations\""));
        assert!(
            js.contains(&format!("\"authorization\": \"Bearer {KEY}\"")),
            "{js}"
        );
        assert!(js.contains("\"model\": \"gpt-image-1-5\""), "{js}");
        let py = render(Language::Python, &http);
        assert!(py.contains("requests.post("));
        assert!(py.contains("json={"), "{py}");
        assert!(py.contains("\"quality\": \"high\""), "{py}");
        assert!(!py.contains("content-type"));
    }

    #[test]
    fn python_literals_are_python() {
        let v: Value = serde_json::from_str(r#"{"a":[true,false,null,1.5],"b":{}}"#).unwrap();
        let text = py_value(&v, 0);
        assert!(text.contains("True,") && text.contains("None,") && text.contains("\"b\": {}"));
    }
}
