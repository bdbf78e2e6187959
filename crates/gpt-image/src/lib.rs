//! Client core for GPT Image 1.5, sold through the Apiframe v2 and API in One aggregators.
//!
//! The crate is split so that everything that can be decided without the network is plain,
//! natively tested Rust:
//!
//! - [`options`]: the values request options take (`Quality`, `AspectRatio`, …);
//! - [`provider`]: the providers and what each one supports;
//! - [`request`]: the one request shape callers fill in, and its validation per provider;
//! - [`job`]: jobs, their updates and results, and the ids that name them;
//! - [`config`]: the client's options, the API key in a type that never shows it, and every
//!   rule they must meet (shared by the npm facade, the studio and the proxy);
//! - [`http`]: an HTTP request and reply as plain values;
//! - [`json`]: JSON text in and out (the JavaScript engine's parser on `wasm32`);
//! - [`http_date`]: reading the three forms of an HTTP date (`Retry-After`);
//! - [`wire`]: mapping a request onto each provider's HTTP body and reading every documented
//!   reply shape back;
//! - [`retry`] and [`schedule`]: when to try again and when to poll next;
//! - [`batch`]: many waits on one client sharing one look at Apiframe's job listing;
//! - [`queue`]: submits beyond a limit of running jobs held until a job ends;
//! - [`webhook`]: checking an Apiframe webhook signature;
//! - [`error`]: the one error type.
//!
//! On `wasm32` the [`Client`] adds the thin I/O layer (`client` over `transport`): fetch through
//! web-sys, abort signals, timers, the clock and randomness. It knows nothing of the studio or
//! of JavaScript callers. The one random source, `random_bytes` and `new_id`, is public so
//! that an app makes its ids the same way.
//!
//! # Module graph
//!
//! Each arrow is "uses"; there are no cycles. `json` and `webhook` use nothing of the crate;
//! `error` uses only `json` (to read numbers).
//!
//! ```text
//! options   → (nothing)
//! provider  → error, options
//! request   → error, options, provider
//! job       → error, provider
//! http      → (nothing)
//! http_date → (nothing)
//! json      → (nothing)
//! config    → error, provider, queue, request (URL syntax), retry, schedule
//! retry     → error, http, http_date
//! schedule  → options, provider, request
//! wire      → error, http, http_date, job, json, options, provider, request
//! batch     → error, job, wire
//! queue     → (nothing)
//! transport → error, http                                  (wasm32)
//! client    → all of the above but webhook, and transport   (wasm32)
//! ```
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # async fn demo() -> Result<(), gpt_image::Error> {
//! use gpt_image::{Client, ClientOptions, GenerateOptions, Provider, Request, Runtime};
//!
//! // In a page, the key would be visible to every visitor: use a proxy's base URL instead.
//! let options = ClientOptions::new(Provider::Apiframe).with_base_url("https://app.example/gpt-image");
//! let client = Client::new(options.check(Runtime::Browser)?);
//! let request = Request::new("a lighthouse at dawn, watercolour");
//! let generation = client.generate(&request, GenerateOptions::default()).await?;
//! for image in &generation.images {
//!     web_sys::console::log_1(&image.url.as_str().into());
//! }
//! # Ok(()) }
//! ```

pub mod batch;
pub mod config;
pub mod error;
pub mod http;
pub mod http_date;
pub mod job;
pub mod json;
pub mod options;
pub mod provider;
pub mod queue;
pub mod request;
pub mod retry;
pub mod schedule;
pub mod webhook;
pub mod wire;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use client::{Client, GenerateOptions, SubmitOptions, WaitOptions};
pub use config::{ApiKey, ClientOptions, Config, Runtime};
pub use error::Error;
pub use job::{Generation, Image, Job, JobStatus, JobUpdate};
pub use options::{AspectRatio, Background, InputFidelity, OutputFormat, Quality, WebhookEvent};
pub use provider::{Capabilities, Provider};
pub use queue::ConcurrencyLimit;
pub use request::Request;
pub use retry::RetryPolicy;
pub use schedule::PollSchedule;
#[cfg(target_arch = "wasm32")]
pub use transport::{AbortListener, new_id, random_bytes};

/// Sorts `items` so that none comes `before` one ahead of it, keeping the order of equals: an
/// insertion sort, quick on short lists and on lists nearly in order (the schedule's learned
/// figures, the studio's history). The standard library's sorts add about 3 KB of wasm for
/// each type they sort.
pub fn sort_small<T>(items: &mut [T], before: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && before(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}
