//! Fetching and files: the optional `studio-config.json`, local files as data URLs, result
//! image bytes (kept so history survives CDN URLs expiring), object URLs and the clipboard.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileReader, Url};

/// The text of `./studio-config.json` beside the app (relative, so any sub-path works), or
/// `None` when there is none or it is not JSON.
pub async fn studio_config() -> Option<String> {
    let response = gloo_net::http::Request::get("./studio-config.json")
        .send()
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    let text = response.text().await.ok()?;
    text.trim_start().starts_with('{').then_some(text)
}

/// Asks `url` twice with plain GETs (no headers, so no preflight): once without CORS (does the
/// server answer at all?) and once with it (does it answer this page?). See
/// [`crate::cross_origin::Probe`].
pub async fn probe(url: &str) -> crate::cross_origin::Probe {
    async fn answers(url: &str, mode: &str) -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let init = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&init, &"mode".into(), &mode.into());
        let _ = js_sys::Reflect::set(&init, &"cache".into(), &"no-store".into());
        let _ = js_sys::Reflect::set(&init, &"credentials".into(), &"omit".into());
        let Some(fetch) = js_sys::Reflect::get(&window, &"fetch".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        else {
            return false;
        };
        let Ok(promise) = fetch.call2(&window, &url.into(), &init) else {
            return false;
        };
        match promise.dyn_into::<Promise>() {
            Ok(p) => JsFuture::from(p).await.is_ok(),
            Err(_) => false,
        }
    }
    crate::cross_origin::Probe {
        reachable: answers(url, "no-cors").await,
        allows_page: answers(url, "cors").await,
    }
}

/// Reads a local file (or any blob) as a `data:` URL.
pub async fn data_url(file: &Blob) -> Result<String, String> {
    let reader = FileReader::new().map_err(|_| "cannot read files in this browser")?;
    let promise = Promise::new(&mut |resolve, reject| {
        let done = reader.clone();
        let on_load = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call0(&JsValue::NULL);
        });
        reader.set_onload(Some(on_load.unchecked_ref()));
        reader.set_onerror(Some(on_error.unchecked_ref()));
    });
    reader
        .read_as_data_url(file)
        .map_err(|_| "cannot read the file")?;
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| "the browser could not read it".to_string())
}

/// Downloads an image's bytes. Fails when the host does not allow it (CORS) or the URL expired.
pub async fn image_bytes(url: &str) -> Result<Blob, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| "the image host refused or could not be reached".to_string())?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("the image host answered {}", response.status()));
    }
    let blob = JsFuture::from(response.blob().map_err(|_| "no body")?)
        .await
        .map_err(|_| "the image download broke off".to_string())?;
    blob.dyn_into::<Blob>().map_err(|_| "not a blob".into())
}

/// A `blob:` URL showing `blob`; revoke it with [`revoke`] when no longer shown.
pub fn object_url(blob: &Blob) -> Option<String> {
    Url::create_object_url_with_blob(blob).ok()
}

/// Frees a URL from [`object_url`].
pub fn revoke(url: &str) {
    if url.starts_with("blob:") {
        let _ = Url::revoke_object_url(url);
    }
}

/// Puts text on the clipboard; `false` when the browser refused.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.is_ok()
}

/// Saves `blob` under `file_name` (a ZIP of the selection, a scaled image).
pub fn save(blob: &Blob, file_name: &str) -> Result<(), String> {
    let href = object_url(blob).ok_or("cannot prepare the download")?;
    click_download(&href, file_name, true)
}

/// Saves an image under `file_name`: straight from a `blob:` URL, else after fetching its
/// bytes (a cross-origin link would ignore the name and just open the image).
pub async fn download(src: &str, file_name: &str) -> Result<(), String> {
    if src.starts_with("blob:") {
        return click_download(src, file_name, false);
    }
    let blob = image_bytes(src).await?;
    save(&blob, file_name)
}

fn click_download(href: &str, file_name: &str, temporary: bool) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "cannot prepare the download")?
        .unchecked_into();
    anchor.set_href(href);
    anchor.set_download(file_name);
    anchor.click();
    if temporary {
        let later = href.to_owned();
        gloo_timers::callback::Timeout::new(10_000, move || revoke(&later)).forget();
    }
    Ok(())
}
