//! The client core exported to JavaScript: what the `gpt-image-wasm` npm package runs.
//!
//! The core (`gpt-image`) knows nothing of JavaScript; every conversion lives here:
//!
//! - [`arguments`]: checking what JavaScript passed in (`createClient` options, requests, call
//!   options), one file per concern. Plain Rust, tested natively, so a bad argument is a named
//!   `invalid_request` error and never a panic. The rules of the connection settings are the
//!   core's (`gpt_image::config`), not repeated here;
//! - `client` (wasm32, feature `client`): `createClient` and the `Client` class with `submit`,
//!   `status`, `wait` and `generate`, each returning a Promise;
//! - `webhook` (wasm32, feature `webhook`): `verifyWebhook`, built into a wasm of its own (the
//!   package's `gpt-image-wasm/webhook` entry) so that a client-only app never loads it;
//! - `error` (wasm32): turning the core's error into a `GptImageError`, the class defined in
//!   the package's `error.js`;
//! - `js` (wasm32): reading call options, telling a browser from a server runtime, and turning
//!   results into plain JS objects.
//!
//! The npm package's entry files (in `web/npm/package/`) load the wasm, so users import and go.

pub mod arguments;

#[cfg(all(target_arch = "wasm32", feature = "client"))]
mod client;
// The webhook-only wasm uses a part of these two.
#[cfg(target_arch = "wasm32")]
#[cfg_attr(not(feature = "client"), allow(dead_code))]
mod error;
#[cfg(target_arch = "wasm32")]
#[cfg_attr(not(feature = "client"), allow(dead_code))]
mod js;
#[cfg(all(target_arch = "wasm32", feature = "webhook"))]
mod webhook;

/// The allocator of the package's wasms (see talc's comment in Cargo.toml); single-threaded
/// wasm only, which is all a wasm built without `atomics` can be.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
