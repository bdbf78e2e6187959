//! Checking what JavaScript passed in, before the client core sees it.
//!
//! Plain Rust over [`serde_json::Value`] (what the wasm glue turns a plain JS object into) and
//! plain numbers, so every rule is tested natively. A bad argument becomes
//! [`gpt_image::Error::InvalidRequest`] naming the field: a wrong type, an unknown option key
//! (with a suggestion when it looks like a typo), a value out of range. Nothing here panics on
//! any input, and nothing here touches JavaScript: reading `JsValue`s is the glue's job.
//!
//! - [`checks`]: the generic readers (types, keys and typo suggestions, numbers, choices);
//! - [`client`]: `createClient(options)` into the core's [`gpt_image::ClientOptions`], whose
//!   own [`check`](gpt_image::ClientOptions::check) holds the rules of the values;
//! - [`request`]: a request object into the core's [`gpt_image::Request`]. Provider rules
//!   (prompt length, `n` per provider, options a provider lacks) are the core's, checked by
//!   [`gpt_image::Request::validate`] when a request is submitted.

pub mod checks;
pub mod client;
pub mod request;

pub use checks::{check_keys, invalid, millis, type_name, wrong_type};
pub use client::{CLIENT_OPTIONS, POLL_OPTIONS, client_options};
use gpt_image::Error;
use gpt_image::schedule::ModelData;
pub use request::{REQUEST_FIELDS, request};

/// Keys of `client.submit(request, options)`.
pub const SUBMIT_OPTIONS: &[&str] = &["signal", "idempotencyKey"];
/// Keys of `client.status(jobId, options)`.
pub const STATUS_OPTIONS: &[&str] = &["signal"];
/// Keys of `client.wait(jobId, options)`.
pub const WAIT_OPTIONS: &[&str] = &["signal", "onUpdate", "timeoutMs"];
/// Keys of `client.generate(request, options)`.
pub const GENERATE_OPTIONS: &[&str] = &["signal", "onUpdate", "idempotencyKey", "timeoutMs"];
/// Keys of what `client.exportDurations()` returns, and `importDurations` takes.
pub const DURATIONS_KEYS: &[&str] = &["durations", "progress"];
/// What `importDurations` takes, in words.
pub const DURATIONS_EXPECTED: &str = "the object client.exportDurations() returned";

/// Reads what `importDurations` was given: an earlier `exportDurations()`, kept as it was
/// (through JSON text or structured cloning), as [`ModelData::from_value`] reads it.
pub fn durations(value: &serde_json::Value) -> Result<ModelData, Error> {
    ModelData::from_value(value).ok_or_else(|| {
        invalid(
            "durations",
            format!("is not {DURATIONS_EXPECTED}: keep that object as it is"),
        )
    })
}

/// Keys of `verifyWebhook(input)`.
pub const WEBHOOK_INPUT: &[&str] = &["body", "signature", "apiKey"];

#[cfg(test)]
mod tests {
    use gpt_image::schedule::{DurationModel, JobKind};
    use gpt_image::{Error, Provider};
    use serde_json::json;

    use super::durations;

    #[test]
    fn exported_durations_come_back_as_they_were() {
        let mut model = DurationModel::new();
        model.record(JobKind::provider(Provider::Apiframe), 14_000);
        let edit = JobKind {
            provider: Provider::ApiInOne,
            quality: Some(gpt_image::Quality::High),
            n: Some(1),
            edit: Some(true),
        };
        let samples = [gpt_image::schedule::ProgressSample {
            percent: 40.0,
            at_ms: 2_000,
        }];
        model.record_job(edit, 6_000, &samples);
        model.record(JobKind::provider(Provider::Apiframe), 16_500);
        let exported = serde_json::to_value(model.export()).unwrap();
        assert_eq!(durations(&exported).unwrap(), model.export());
        assert_eq!(durations(&json!({})).unwrap(), Default::default());
    }

    #[test]
    fn anything_else_is_refused_on_the_durations_field() {
        for wrong in [
            json!({"durations": "fast"}),
            json!({"durations": [{"kind": 3}]}),
            json!({"progress": [1, 2]}),
        ] {
            match durations(&wrong) {
                Err(Error::InvalidRequest { field, message }) => {
                    assert_eq!(field, "durations");
                    assert!(message.contains("exportDurations()"), "{message}");
                }
                other => panic!("{wrong}: {other:?}"),
            }
        }
    }
}
