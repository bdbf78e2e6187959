//! The thin I/O layer (wasm32 only): one fetch with a timeout and an abort signal, an abortable
//! sleep, and randomness. Everything it decides is delegated to [`crate::wire`] and
//! [`crate::retry`].
//!
//! Timers and fetch are bound from the global scope, so this runs in a page, a worker and Node.
//!
//! May use: `error`, `http`. May not touch: `wire`, `config`, `client`; it decides nothing.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use crate::error::{Error, seconds};
use crate::http::{HttpRequest, HttpResponse, Method, READ_HEADERS};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Largest reply body read, by its declared length; anything larger is not an API reply.
const MAX_REPLY_BYTES: u64 = 8 * 1024 * 1024;

/// Sends `request` once. Fails with `Aborted` when `signal` fires, `Timeout` after
/// `timeout_ms`, `Network` when fetch itself fails. Dropping the future aborts the fetch.
pub(crate) async fn fetch(
    request: &HttpRequest,
    timeout_ms: u64,
    signal: Option<&AbortSignal>,
) -> Result<HttpResponse, Error> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(Error::Aborted);
    }
    let guard = RequestGuard::new(timeout_ms, signal)?;
    match send(request, &guard.controller.signal()).await {
        Ok(response) => Ok(response),
        Err(_) if signal.is_some_and(AbortSignal::aborted) => Err(Error::Aborted),
        Err(_) if guard.timed_out.get() => Err(Error::Timeout {
            message: format!(
                "no complete reply from {} within {}",
                origin_of(&request.url),
                seconds(timeout_ms)
            ),
            job_id: None,
        }),
        Err(SendError::TooLarge(bytes)) => Err(Error::decode(
            format!("the reply declares {bytes} bytes, far more than any API reply"),
            "",
        )),
        Err(SendError::Fetch(message)) => Err(Error::Network {
            message: format!(
                "could not reach {} ({message}); check the connection, the base URL, and that the server allows this origin (CORS)",
                origin_of(&request.url)
            ),
        }),
    }
}

enum SendError {
    Fetch(String),
    TooLarge(u64),
}

async fn send(request: &HttpRequest, signal: &AbortSignal) -> Result<HttpResponse, SendError> {
    let fetch_error = |e: gloo_net::Error| SendError::Fetch(e.to_string());
    let method = match request.method {
        Method::Get => gloo_net::http::Method::GET,
        Method::Post => gloo_net::http::Method::POST,
    };
    let mut builder = gloo_net::http::RequestBuilder::new(&request.url)
        .method(method)
        .abort_signal(Some(signal));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = match &request.body {
        Some(body) => builder.body(body.as_str()),
        None => builder.build(),
    };
    let response = built
        .map_err(fetch_error)?
        .send()
        .await
        .map_err(fetch_error)?;
    let headers = response.headers();
    if let Some(bytes) = headers
        .get("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|b| *b > MAX_REPLY_BYTES)
    {
        return Err(SendError::TooLarge(bytes));
    }
    let kept = READ_HEADERS
        .iter()
        .filter_map(|name| headers.get(name).map(|v| ((*name).to_owned(), v)))
        .collect();
    let status = response.status();
    let body = response.text().await.map_err(fetch_error)?;
    Ok(HttpResponse {
        status,
        headers: kept,
        body,
    })
}

/// The scheme and host of a URL, for messages (never the path, which may carry ids).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// Owns one fetch's AbortController: fires it on timeout or when the caller's signal fires,
/// and on drop, so an abandoned request never lingers.
struct RequestGuard {
    controller: AbortController,
    timed_out: Rc<Cell<bool>>,
    timer: JsValue,
    _on_timeout: Closure<dyn FnMut()>,
    forward: Option<(AbortSignal, Closure<dyn FnMut()>)>,
}

impl RequestGuard {
    fn new(timeout_ms: u64, signal: Option<&AbortSignal>) -> Result<Self, Error> {
        let controller = AbortController::new().map_err(|_| Error::Network {
            message: "this JavaScript runtime has no AbortController".into(),
        })?;
        let timed_out = Rc::new(Cell::new(false));
        let on_timeout = {
            let controller = controller.clone();
            let timed_out = timed_out.clone();
            Closure::<dyn FnMut()>::new(move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let timer = set_timeout(on_timeout.as_ref().unchecked_ref(), clamp_ms(timeout_ms));
        let forward = signal.map(|signal| {
            let controller = controller.clone();
            let on_abort = Closure::<dyn FnMut()>::new(move || controller.abort());
            let _ =
                signal.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
            (signal.clone(), on_abort)
        });
        Ok(RequestGuard {
            controller,
            timed_out,
            timer,
            _on_timeout: on_timeout,
            forward,
        })
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some((signal, on_abort)) = &self.forward {
            let _ = signal
                .remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        }
        self.controller.abort();
    }
}

/// Waits `ms`, or fails with `Aborted` as soon as `signal` fires.
pub(crate) async fn sleep(ms: u64, signal: Option<&AbortSignal>) -> Result<(), Error> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(Error::Aborted);
    }
    let mut timer = JsValue::UNDEFINED;
    let mut on_abort: Option<js_sys::Function> = None;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        timer = set_timeout(&resolve, clamp_ms(ms));
        if let Some(signal) = signal {
            let _ = signal.add_event_listener_with_callback("abort", &reject);
            on_abort = Some(reject);
        }
    });
    let outcome = JsFuture::from(promise).await;
    if let (Some(signal), Some(on_abort)) = (signal, &on_abort) {
        let _ = signal.remove_event_listener_with_callback("abort", on_abort);
    }
    match outcome {
        Ok(_) => Ok(()),
        Err(_) => {
            clear_timeout(&timer);
            Err(Error::Aborted)
        }
    }
}

fn clamp_ms(ms: u64) -> i32 {
    ms.min(i32::MAX as u64) as i32
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A number in `[0, 1)` for jitter.
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// 16 random bytes from Web Crypto, or from `Math.random` where there is none.
pub(crate) fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .ok()
        .filter(JsValue::is_object)
        .map(JsCast::unchecked_into::<web_sys::Crypto>);
    let filled = crypto.is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for b in &mut bytes {
            *b = (random() * 256.0) as u8;
        }
    }
    bytes
}
