//! History in IndexedDB: the `entries` store (one [`Entry`] per job, keyed by its id) and the
//! `images` store (image bytes as `Blob`s, keyed by [`crate::history::image_key`]).
//!
//! An entry is written before its submit is sent, so a reload or a crashed tab never loses a
//! job. Entries never contain the API key.

use std::cell::RefCell;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest, IdbTransactionMode};

use crate::history::Entry;

const NAME: &str = "gpt-image-studio";
const VERSION: u32 = 1;
const ENTRIES: &str = "entries";
const IMAGES: &str = "images";

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// Why the history could not be read or written, in plain words.
pub type DbError = String;

fn js_error(context: &str, value: JsValue) -> DbError {
    let detail = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| {
            value
                .dyn_ref::<web_sys::DomException>()
                .map(|e| e.message())
        })
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".into());
    format!("{context}: {detail}")
}

/// Resolves when an IndexedDB request succeeds, with its result.
async fn finished(request: &IdbRequest) -> Result<JsValue, DbError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = request.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = request.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let error = failed
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::UNDEFINED);
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| js_error("IndexedDB", e))
}

/// Opens (and on first use creates) the database.
pub async fn open() -> Result<(), DbError> {
    if DB.with(|db| db.borrow().is_some()) {
        return Ok(());
    }
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser offers no IndexedDB (private mode?)")?;
    let open = factory
        .open_with_u32(NAME, VERSION)
        .map_err(|e| js_error("cannot open the history", e))?;
    let upgrading = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(result) = upgrading.result() {
            let db: IdbDatabase = result.unchecked_into();
            let names = db.object_store_names();
            if !names.contains(ENTRIES) {
                let _ = db.create_object_store(ENTRIES);
            }
            if !names.contains(IMAGES) {
                let _ = db.create_object_store(IMAGES);
            }
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db: IdbDatabase = finished(&open).await?.unchecked_into();
    DB.with(|slot| *slot.borrow_mut() = Some(db));
    Ok(())
}

fn store(name: &str, mode: IdbTransactionMode) -> Result<IdbObjectStore, DbError> {
    DB.with(|db| {
        let db = db.borrow();
        let db = db.as_ref().ok_or("the history is not open")?;
        db.transaction_with_str_and_mode(name, mode)
            .and_then(|t| t.object_store(name))
            .map_err(|e| js_error("history transaction", e))
    })
}

/// Writes (or replaces) entries in one transaction, each as JSON text keyed by its id (one
/// JSON path, `serde_json::Value` through [`crate::stored`], for every store keeps the wasm small).
pub async fn put_entries(entries: &[Entry]) -> Result<(), DbError> {
    let store = store(ENTRIES, IdbTransactionMode::Readwrite)?;
    let mut last = None;
    for entry in entries {
        let text = crate::stored::entry_to_json(entry);
        let request = store
            .put_with_key(&JsValue::from_str(&text), &JsValue::from_str(&entry.id))
            .map_err(|e| js_error("cannot save the job", e))?;
        last = Some(request);
    }
    // Requests finish in order, and a failed one aborts the rest: the last one tells.
    match last {
        Some(request) => finished(&request).await.map(|_| ()),
        None => Ok(()),
    }
}

/// Every entry; unreadable ones are skipped.
pub async fn entries() -> Result<Vec<Entry>, DbError> {
    let request = store(ENTRIES, IdbTransactionMode::Readonly)?
        .get_all()
        .map_err(|e| js_error("cannot read the history", e))?;
    let all: Array = finished(&request).await?.unchecked_into();
    Ok(all
        .iter()
        .filter_map(|v| crate::stored::entry_from_json(&v.as_string()?))
        .collect())
}

/// Deletes an entry and its stored images.
pub async fn delete_entry(id: &str) -> Result<(), DbError> {
    let request = store(ENTRIES, IdbTransactionMode::Readwrite)?
        .delete(&JsValue::from_str(id))
        .map_err(|e| js_error("cannot delete the entry", e))?;
    finished(&request).await?;
    let range = IdbKeyRange::bound(
        &JsValue::from_str(&format!("{id}/")),
        &JsValue::from_str(&format!("{id}/\u{ffff}")),
    )
    .map_err(|e| js_error("cannot delete the images", e))?;
    let request = store(IMAGES, IdbTransactionMode::Readwrite)?
        .delete(&range)
        .map_err(|e| js_error("cannot delete the images", e))?;
    finished(&request).await.map(|_| ())
}

/// Stores image bytes under `key`.
pub async fn put_image(key: &str, blob: &Blob) -> Result<(), DbError> {
    let request = store(IMAGES, IdbTransactionMode::Readwrite)?
        .put_with_key(blob, &JsValue::from_str(key))
        .map_err(|e| js_error("cannot store the image", e))?;
    finished(&request).await.map(|_| ())
}

/// Deletes the image bytes stored under `key`.
pub async fn delete_image(key: &str) -> Result<(), DbError> {
    let request = store(IMAGES, IdbTransactionMode::Readwrite)?
        .delete(&JsValue::from_str(key))
        .map_err(|e| js_error("cannot delete the image", e))?;
    finished(&request).await.map(|_| ())
}

/// The image bytes stored under `key`.
pub async fn image(key: &str) -> Result<Option<Blob>, DbError> {
    let request = store(IMAGES, IdbTransactionMode::Readonly)?
        .get(&JsValue::from_str(key))
        .map_err(|e| js_error("cannot read the image", e))?;
    Ok(finished(&request).await?.dyn_into::<Blob>().ok())
}
