//! The studio: a browser app for making images with GPT Image 1.5 through Apiframe and
//! API in One, built on the `gpt-image` client core.
//!
//! The tree is the architecture:
//!
//! - pure logic, no I/O, tested natively: [`settings`] (connection and start-up), [`form`]
//!   (the form and its validation), [`choices`] (its option lists), [`cost`] (credit estimates), [`snippet`] (copy
//!   the code), [`download`] (file names), [`image_src`] (which image URLs may be shown),
//!   [`history`] (entries, search, filters), [`explain`] (errors in plain words), [`clock`],
//!   [`resubmit`] (when a failed submit is sent again), [`stored`] (the JSON kept in the browser);
//! - `browser/` (wasm32 only): Web Storage for keys and settings, IndexedDB for history and
//!   image bytes, fetching the studio config, files and downloads;
//! - `state.rs` and `jobs.rs` (wasm32 only): the shared signals, and sending, following,
//!   resuming and stopping jobs;
//! - `ui/` (wasm32 only): the Leptos components, one per panel.

pub mod choices;
pub mod clock;
pub mod cost;
pub mod cross_origin;
pub mod download;
pub mod explain;
pub mod form;
pub mod history;
pub mod image_src;
pub mod reference;
pub mod resubmit;
pub mod settings;
pub mod snippet;
pub mod stored;
pub mod zip;

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod jobs;
#[cfg(target_arch = "wasm32")]
mod state;
#[cfg(target_arch = "wasm32")]
mod ui;

/// The studio's allocator (see talc's comment in Cargo.toml); single-threaded wasm only, which
/// is all a wasm built without `atomics` can be.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Starts the studio in the page: panic hook, then the app mounted on `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    console_error_panic_hook::set_once();
    ui::mount();
}
