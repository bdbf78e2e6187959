//! The browser side (wasm32 only): everything that does I/O. Components call these; the
//! decisions they act on come from the pure modules.
//!
//! - [`storage`]: settings and API keys in Web Storage (keys never go anywhere else);
//! - [`db`]: history entries and image bytes in IndexedDB;
//! - [`files`]: the studio config, local files as data URLs, image bytes, object URLs, clipboard;
//! - [`images`]: blob bytes, scaling a local image down, copying an image, as PNG;

pub mod db;
pub mod files;
pub mod images;
pub mod storage;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
