//! The client core exported to JavaScript: what the `gpt-image-wasm` npm package runs.
//!
//! The core (`gpt-image`) knows nothing of JavaScript; every conversion lives here:
//!
//! - [`arguments`]: checking what JavaScript passed in (`createClient` options, requests, call
//!   options), one file per concern. Plain Rust, tested natively, so a bad argument is a named
//!   `invalid_request` error and never a panic. The rules of the connection settings are the
//!   core's (`gpt_image::config`), not repeated here;
//! - `client` (wasm32): `createClient` and the `Client` class with `submit`, `status`, `wait`
//!   and `generate`, each returning a Promise;
//! - `webhook` (wasm32): `verifyWebhook`;
//! - `error` (wasm32): turning the core's error into a `GptImageError`, the class defined in
//!   the package's `error.js`;
//! - `js` (wasm32): reading call options, telling a browser from a server runtime, and turning
//!   results into plain JS objects.
//!
//! The npm package's entry files (in `web/npm/package/`) load the wasm, so users import and go.

pub mod arguments;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod webhook;
