//! The thin I/O layer (wasm32 only): one fetch with a timeout and an abort signal, an abortable
//! sleep, the clock and randomness. Everything it decides is delegated to [`crate::wire`] and
//! [`crate::retry`].
//!
//! Timers come from gloo-timers, which clears a timer when its owner is dropped; every abort
//! listener is owned by an [`AbortListener`] that removes it on drop. So a dropped wait or
//! request leaves no timer and no listener behind. Timers and fetch are bound from the global
//! scope, so this runs in a page, a worker and Node.
//!
//! May use: `error`, `http`. May not touch: `wire`, `config`, `client`; it decides nothing.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use crate::error::{Error, seconds};
use crate::http::{HttpRequest, HttpResponse, Method, READ_HEADERS};

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
        Err(SendError::Redirect(status)) => Err(Error::Api {
            status,
            code: None,
            message: format!(
                "{} answered with a redirect, which the client does not follow so that the key and your headers never go to another address; set baseUrl to the final address",
                origin_of(&request.url)
            ),
            request_id: None,
            body: String::new(),
        }),
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
    /// A redirect, not followed; its status (0 where the browser hides it).
    Redirect(u16),
    TooLarge(u64),
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (a page's, a worker's or Node's).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_request(request: &web_sys::Request) -> js_sys::Promise;
}

/// Builds the request with web-sys and sends it with the global `fetch`. Not through gloo-net:
/// its `send` and `text` format a failure with `{:?}` (linking JS value debug printing) and
/// panic on a rejection that is not an `Error`, and its builder re-parses the URL; all of it
/// was 3.2 KB of the npm module, gzipped.
async fn send(request: &HttpRequest, signal: &AbortSignal) -> Result<HttpResponse, SendError> {
    let init = web_sys::RequestInit::new();
    init.set_method(match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
    });
    init.set_signal(Some(signal));
    // Never follow: fetch would resend the key header (and the app's) to the new address.
    init.set_redirect(web_sys::RequestRedirect::Manual);
    let headers = web_sys::Headers::new().map_err(rejected)?;
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(rejected)?;
    }
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }
    let built = web_sys::Request::new_with_str_and_init(&request.url, &init).map_err(rejected)?;
    let response = JsFuture::from(fetch_with_request(&built))
        .await
        .map_err(rejected)?;
    let Ok(response) = response.dyn_into::<web_sys::Response>() else {
        return Err(SendError::Fetch(
            "fetch resolved to something that is not a Response".into(),
        ));
    };
    let status = response.status();
    if response.type_() == web_sys::ResponseType::Opaqueredirect || (300..400).contains(&status) {
        return Err(SendError::Redirect(status));
    }
    let headers = response.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    if let Some(bytes) = header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|b| *b > MAX_REPLY_BYTES)
    {
        return Err(SendError::TooLarge(bytes));
    }
    let kept = READ_HEADERS
        .iter()
        .filter_map(|name| header(name).map(|v| ((*name).to_owned(), v)))
        .collect();
    let text = response.text().map_err(rejected)?;
    let body = JsFuture::from(text).await.map_err(rejected)?;
    Ok(HttpResponse {
        status,
        headers: kept,
        body: body.as_string().unwrap_or_default(),
    })
}

/// A rejected fetch, body read or request build, as its `toString()` ("TypeError: Failed to
/// fetch"), which is what gloo-net reported.
fn rejected(thrown: JsValue) -> SendError {
    let text = match thrown.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.to_string()),
        None => thrown
            .as_string()
            .unwrap_or_else(|| "fetch failed".to_owned()),
    };
    SendError::Fetch(text)
}

/// The scheme and host of a URL, for messages (never the path, which may carry ids).
fn origin_of(url: &str) -> &str {
    // Bytes, not `str::find`: no string searcher and no slicing panic in the wasm.
    let bytes = url.as_bytes();
    let after_scheme = crate::error::find(bytes, b"://").map_or(0, |i| i + 3);
    let path = bytes.iter().skip(after_scheme).position(|&b| b == b'/');
    match path {
        Some(i) => url.get(..after_scheme + i).unwrap_or(url),
        None => url,
    }
}

/// Owns one fetch's AbortController: fires it on timeout or when the caller's signal fires,
/// and on drop, so an abandoned request never lingers. Dropping it also clears the timer and
/// removes the listener on the caller's signal.
struct RequestGuard {
    controller: AbortController,
    timed_out: Rc<Cell<bool>>,
    _timer: Timeout,
    _forward: Option<AbortListener>,
}

impl RequestGuard {
    fn new(timeout_ms: u64, signal: Option<&AbortSignal>) -> Result<Self, Error> {
        let controller = AbortController::new().map_err(|_| Error::Network {
            message: "this JavaScript runtime has no AbortController".into(),
        })?;
        let timed_out = Rc::new(Cell::new(false));
        let timer = {
            let controller = controller.clone();
            let timed_out = timed_out.clone();
            Timeout::new(timer_ms(timeout_ms), move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let forward = signal.map(|signal| {
            let controller = controller.clone();
            AbortListener::new(signal, move || controller.abort())
        });
        Ok(RequestGuard {
            controller,
            timed_out,
            _timer: timer,
            _forward: forward,
        })
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.controller.abort();
    }
}

/// An `abort` listener on a signal, removed when this is dropped.
pub struct AbortListener {
    signal: AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl AbortListener {
    /// Calls `on_abort` when `signal` fires (at most once).
    pub fn new(signal: &AbortSignal, on_abort: impl FnMut() + 'static) -> Self {
        let callback = Closure::<dyn FnMut()>::new(on_abort);
        let _ = signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        AbortListener {
            signal: signal.clone(),
            callback,
        }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

/// Waits `ms`, or fails with `Aborted` as soon as `signal` fires. Dropping the future clears
/// the timer and removes the abort listener.
///
/// A gloo-timers `Timeout` and a waker, not gloo's `TimeoutFuture`, whose oneshot channel was
/// 0.5 KB of the npm module, gzipped.
pub(crate) async fn sleep(ms: u64, signal: Option<&AbortSignal>) -> Result<(), Error> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(Error::Aborted);
    }
    // Whether the time is up, and the waker to call when it is or when the signal fires.
    let state: Rc<(Cell<bool>, RefCell<Option<Waker>>)> = Rc::default();
    let wake = |state: &(Cell<bool>, RefCell<Option<Waker>>)| {
        if let Some(waker) = state.1.borrow_mut().take() {
            waker.wake();
        }
    };
    // Both go when this future is dropped: the timer is cleared, the listener removed.
    let _timer = {
        let state = state.clone();
        Timeout::new(timer_ms(ms), move || {
            state.0.set(true);
            wake(&state);
        })
    };
    let _listener = signal.map(|signal| {
        let state = state.clone();
        AbortListener::new(signal, move || wake(&state))
    });
    poll_fn(|cx| {
        if signal.is_some_and(AbortSignal::aborted) {
            return Poll::Ready(Err(Error::Aborted));
        }
        if state.0.get() {
            return Poll::Ready(Ok(()));
        }
        *state.1.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

/// A delay for `setTimeout`, which takes at most `i32::MAX` ms (about 24.8 days).
fn timer_ms(ms: u64) -> u32 {
    ms.min(i32::MAX as u64) as u32
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A number in `[0, 1)` for jitter.
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// 16 random bytes from Web Crypto (`crypto.getRandomValues`), or from `Math.random` in a
/// runtime without Web Crypto; never zeros.
pub fn random_bytes() -> [u8; 16] {
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

/// A fresh random id in UUID v4 form (an `Idempotency-Key`, a history entry's id), from
/// [`random_bytes`].
pub fn new_id() -> String {
    crate::job::idempotency_key(random_bytes())
}
