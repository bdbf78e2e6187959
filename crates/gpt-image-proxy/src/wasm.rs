//! The wasm-bindgen face of [`Proxy`] for `gpt-image-wasm/proxy`'s JavaScript adapter.
//!
//! Values cross as JSON text (headers as `[[name, value], …]`) and bodies as bytes; nothing
//! here decides anything. Not part of the package's public API: `proxy.d.ts` types only
//! `createProxy`.

use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use crate::proxy::{Plan, Proxy as Core, Refusal};
use crate::reply::{Headers, Reply};

/// One configured proxy, as the adapter holds it.
#[wasm_bindgen]
pub struct Proxy {
    core: Core,
}

#[wasm_bindgen]
impl Proxy {
    /// Checks the options (JSON); the error text names the option and never holds a key.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<Proxy, JsValue> {
        Core::from_json(config_json)
            .map(|core| Proxy { core })
            .map_err(|e| JsValue::from_str(&e.to_string()))
    }

    /// The body size limit, in bytes.
    #[wasm_bindgen(js_name = maxBodyBytes)]
    pub fn max_body_bytes(&self) -> u32 {
        u32::try_from(self.core.config().max_body_bytes).unwrap_or(u32::MAX)
    }

    /// `{"reply": {status, headers, body}}`, `{"readBody": true}` or
    /// `{"forward": {provider, method, url, headers}}`.
    pub fn plan(&self, method: &str, path_and_query: &str, headers_json: &str) -> String {
        plan_json(
            self.core
                .plan(method, path_and_query, &headers(headers_json), None),
        )
    }

    /// [`Proxy::plan`] once the body is read.
    #[wasm_bindgen(js_name = planBody)]
    pub fn plan_body(
        &self,
        method: &str,
        path_and_query: &str,
        headers_json: &str,
        body: &[u8],
    ) -> String {
        plan_json(
            self.core
                .plan(method, path_and_query, &headers(headers_json), Some(body)),
        )
    }

    /// `{status, headers, body}` for `unauthorized`, `too_large`, `authorize_failed`,
    /// `unreachable` or `timeout`.
    pub fn refuse(&self, reason: &str, path_and_query: &str, headers_json: &str) -> String {
        let refusal = match reason {
            "unauthorized" => Refusal::Unauthorized,
            "too_large" => Refusal::TooLarge,
            "authorize_failed" => Refusal::AuthorizeFailed,
            "timeout" => Refusal::UpstreamTimeout,
            _ => Refusal::Unreachable,
        };
        reply_json(
            &self
                .core
                .refuse(refusal, path_and_query, &headers(headers_json)),
        )
        .to_string()
    }

    /// `{status, headers}` for a provider's reply.
    pub fn respond(
        &self,
        status: u16,
        upstream_headers_json: &str,
        request_headers_json: &str,
    ) -> String {
        let reply = self.core.respond(
            status,
            &headers(upstream_headers_json),
            &headers(request_headers_json),
        );
        reply_json(&reply).to_string()
    }

    /// The provider's body with every echo of a key removed.
    pub fn redact(&self, body: &[u8]) -> Vec<u8> {
        self.core.redact(body)
    }
}

/// `[[name, value], …]` with names in lower case; anything malformed is skipped.
fn headers(json: &str) -> Headers {
    let Ok(Value::Array(pairs)) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    pairs
        .iter()
        .filter_map(|pair| {
            let name = pair.get(0)?.as_str()?;
            let value = pair.get(1)?.as_str()?;
            Some((name.to_ascii_lowercase(), value.to_owned()))
        })
        .collect()
}

fn pairs(headers: &Headers) -> Value {
    Value::Array(headers.iter().map(|(k, v)| json!([k, v])).collect())
}

fn reply_json(reply: &Reply) -> Value {
    json!({"status": reply.status, "headers": pairs(&reply.headers), "body": reply.body})
}

fn plan_json(plan: Plan) -> String {
    match plan {
        Plan::Reply(reply) => json!({ "reply": reply_json(&reply) }),
        Plan::ReadBody => json!({ "readBody": true }),
        Plan::Forward(f) => json!({"forward": {
            "provider": f.provider.id(),
            "method": f.method,
            "url": f.url,
            "headers": pairs(&f.headers),
        }}),
    }
    .to_string()
}
