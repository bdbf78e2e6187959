//! A server-side proxy for GPT Image 1.5 providers: browsers call it without a key, and it
//! forwards exactly the client's routes to Apiframe or API in One with the server's key added.
//!
//! The rules are plain Rust, tested natively; the npm module's `gpt-image-wasm/proxy` entry runs
//! them as wasm and only adapts `Request`/`Response` (or Node's `req`/`res`) and does the I/O.
//!
//! - [`route`]: which paths and methods are forwarded, and every traversal or encoding trick
//!   refused;
//! - [`body`]: a provider's submit body read back into the core's [`gpt_image::Request`], so it
//!   is validated by the client's own rules;
//! - [`policy`]: the app's limits on top (images, qualities, prompt length, …);
//! - [`config`]: the proxy's settings, checked with the core's key and URL rules;
//! - [`reply`]: refusals in each provider's error shape, CORS, kept headers, key redaction;
//! - [`proxy`]: the decision for one request, step by step.
//!
//! May use the core's pure modules; may not do I/O, read a clock or log anything.

pub mod body;
pub mod config;
pub mod policy;
pub mod proxy;
pub mod reply;
pub mod route;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use config::{ConfigError, ProxyConfig};
pub use policy::Policy;
pub use proxy::{Forward, Plan, Proxy, Refusal};
pub use reply::Reply;
