//! `verifyWebhook`: checks an Apiframe webhook's signature with the core's
//! [`gpt_image::webhook::verify`] (HMAC-SHA256 keyed with SHA-256 of the API key, compared in
//! constant time). Synchronous, for Node servers and edge functions. Its own wasm (the package's
//! `gpt-image-wasm/webhook` entry), so that none of SHA-256, HMAC or base64 is in the client's.

use gpt_image::Error;
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::arguments::{WEBHOOK_INPUT, invalid, wrong_type};
use crate::error::to_js;
use crate::js;

/// Whether `signature` signs `body` for `apiKey`. A missing signature is `false`; a wrong
/// argument throws a `GptImageError` of kind `invalid_request`.
#[wasm_bindgen(js_name = verifyWebhook)]
pub fn verify_webhook(input: JsValue) -> Result<bool, JsValue> {
    verify(&input).map_err(|e| to_js(&e))
}

fn verify(input: &JsValue) -> Result<bool, Error> {
    let object = js::checked_object(
        input,
        "input",
        "an object such as { body, signature, apiKey }",
        "verifyWebhook input",
        WEBHOOK_INPUT,
    )?;
    let api_key = js::get(object, "apiKey");
    let api_key = match api_key.as_string() {
        Some(key) if !key.trim().is_empty() => key,
        Some(_) => {
            return Err(invalid(
                "apiKey",
                "is empty: pass the Apiframe API key the webhook was sent for",
            ));
        }
        None => return Err(wrong_type("apiKey", "a string", js::type_name(&api_key))),
    };
    let body = raw_body(&js::get(object, "body"))?;
    let signature = js::get(object, "signature");
    if signature.is_undefined() || signature.is_null() {
        return Ok(false);
    }
    let signature = js::text(
        "signature",
        &signature,
        "the X-Webhook-Signature header as a string",
    )?;
    Ok(gpt_image::webhook::verify(&body, &signature, &api_key))
}

fn raw_body(body: &JsValue) -> Result<Vec<u8>, Error> {
    if let Some(text) = body.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = body.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    if let Some(buffer) = body.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    let got = js::type_name(body);
    Err(invalid(
        "body",
        if got == "an object" {
            "must be the raw body as received (a string or Uint8Array), not a parsed object: the signature covers the exact bytes".to_owned()
        } else {
            format!("must be the raw body as a string or Uint8Array, not {got}")
        },
    ))
}
