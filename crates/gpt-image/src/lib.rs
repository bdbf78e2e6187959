//! Client core for GPT Image 1.5, sold through the Apiframe v2 and API in One aggregators.
//!
//! The crate is split so that everything that can be decided without the network is plain,
//! natively tested Rust:
//!
//! - [`request`]: the one request shape callers fill in, and its validation per provider;
//! - [`provider`]: the providers and what each one supports;
//! - [`wire`]: mapping a request onto each provider's HTTP body and reading every documented
//!   reply shape back;
//! - [`retry`] and [`schedule`]: when to try again and when to poll next;
//! - [`webhook`]: checking an Apiframe webhook signature;
//! - [`error`]: the one error type.
//!
//! On `wasm32` the [`Client`] adds the thin I/O layer: fetch through gloo-net, abort signals,
//! timers. It knows nothing of the studio or of JavaScript callers.
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

pub mod config;
pub mod error;
pub mod http;
pub mod job;
pub mod provider;
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
pub use provider::{Capabilities, Provider};
pub use request::{
    AspectRatio, Background, InputFidelity, OutputFormat, Quality, Request, WebhookEvent,
};
pub use retry::RetryPolicy;
pub use schedule::PollSchedule;
