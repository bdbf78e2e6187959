//! `createClient` and the `Client` class JavaScript sees: each method checks its arguments,
//! calls the core, and settles a Promise with a plain object or a `GptImageError`.
//!
//! The core client sits behind an `Rc`, so calls may overlap and a call never holds a borrow of
//! the JS object while it waits.

use std::pin::Pin;
use std::rc::Rc;

use gpt_image::{Error, GenerateOptions, JobUpdate, SubmitOptions, WaitOptions};
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::arguments::{
    self, CLIENT_OPTIONS, DURATIONS_EXPECTED, DURATIONS_KEYS, GENERATE_OPTIONS, REQUEST_FIELDS,
    STATUS_OPTIONS, SUBMIT_OPTIONS, WAIT_OPTIONS,
};
use crate::error::{to_js, to_js_for_job};
use crate::js::{self, ToPlain};

/// Checks the options and makes a client. Rejects with a `GptImageError` of kind
/// `invalid_request` naming the field when an option is wrong, including a key in a browser
/// without `dangerouslyAllowBrowser` (see [`gpt_image::ClientOptions::check`]).
#[wasm_bindgen(js_name = createClient)]
pub async fn create_client(options: JsValue) -> Result<Client, JsValue> {
    build(&options).map_err(|e| to_js(&e))
}

fn build(options: &JsValue) -> Result<Client, Error> {
    let value = js::plain(
        options,
        "options",
        "an object such as { provider: 'apiframe', baseUrl: '/api/gpt-image/apiframe' }",
        "createClient options",
        CLIENT_OPTIONS,
    )?;
    let mut options = arguments::client_options(&value)?;
    let runtime = js::runtime();
    if runtime == gpt_image::Runtime::Browser {
        options.base_url = options
            .base_url
            .map(|base| arguments::client::on_page_origin(base, js::page_origin().as_deref()));
    }
    let config = options.check(runtime)?;
    Ok(Client {
        inner: Rc::new(gpt_image::Client::new(config)),
    })
}

/// A configured connection to one provider.
#[wasm_bindgen]
pub struct Client {
    inner: Rc<gpt_image::Client>,
}

#[wasm_bindgen]
impl Client {
    /// `"apiframe"` or `"apiinone"`.
    #[wasm_bindgen(getter)]
    pub fn provider(&self) -> String {
        self.inner.provider().id().to_owned()
    }

    /// The base URL requests go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// What this client has learned of how long jobs take, as plain data to keep (in
    /// localStorage, a file, a database) and give to `importDurations` in a later session, so
    /// that polling starts warm.
    #[wasm_bindgen(js_name = exportDurations)]
    pub fn export_durations(&self) -> JsValue {
        self.inner.export_durations().to_plain()
    }

    /// Adds durations kept from `exportDurations` (of any client) to what this client knows.
    /// Throws a `GptImageError` (kind `invalid_request`, field `durations`) on anything else.
    #[wasm_bindgen(js_name = importDurations)]
    pub fn import_durations(&self, durations: JsValue) -> Result<(), JsValue> {
        let data = js::plain(
            &durations,
            "durations",
            DURATIONS_EXPECTED,
            "durations",
            DURATIONS_KEYS,
        )
        .and_then(|value| arguments::durations(&value))
        .map_err(|e| to_js(&e))?;
        self.inner.import_durations(&data);
        Ok(())
    }

    /// Validates and submits a request; resolves to the job.
    pub fn submit(&self, request: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        promise(Box::pin(async move {
            let request = read_request(&request).map_err(|e| to_js(&e))?;
            let options = js::call_options("submit options", &options, SUBMIT_OPTIONS)
                .map_err(|e| to_js(&e))?;
            let job = client
                .submit(
                    &request,
                    SubmitOptions {
                        idempotency_key: options.idempotency_key,
                        signal: options.signal,
                    },
                )
                .await
                .map_err(|e| to_js(&e))?;
            Ok(job.to_plain())
        }))
    }

    /// One look at a job.
    pub fn status(&self, job_id: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        promise(Box::pin(async move {
            let result = async {
                let job_id = read_job_id(&job_id)?;
                let options = js::call_options("status options", &options, STATUS_OPTIONS)?;
                let update = client.status(&job_id, options.signal.as_ref()).await?;
                Ok(update.to_plain())
            }
            .await;
            result.map_err(|e| to_js(&e))
        }))
    }

    /// Polls a job until it completes or fails.
    pub fn wait(&self, job_id: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        promise(Box::pin(async move {
            let job_id = read_job_id(&job_id).map_err(|e| to_js(&e))?;
            let result = async {
                let options = js::call_options("wait options", &options, WAIT_OPTIONS)?;
                let callback = options.on_update;
                let mut on_update = |update: &JobUpdate| notify(callback.as_ref(), update);
                let generation = client
                    .wait(
                        &job_id,
                        WaitOptions {
                            signal: options.signal,
                            timeout_ms: options.timeout_ms,
                            on_update: Some(&mut on_update),
                        },
                    )
                    .await?;
                Ok(generation.to_plain())
            }
            .await;
            result.map_err(|e| to_js_for_job(&e, Some(&job_id)))
        }))
    }

    /// Submits, then waits: the whole job in one call.
    pub fn generate(&self, request: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        promise(Box::pin(async move {
            let mut job_id: Option<String> = None;
            let result = async {
                let request = read_request(&request)?;
                let options = js::call_options("generate options", &options, GENERATE_OPTIONS)?;
                let callback = options.on_update;
                // The first update is the submitted job: keep its id for any later error.
                let mut on_update = |update: &JobUpdate| {
                    if job_id.is_none() {
                        job_id = Some(update.id.clone());
                    }
                    notify(callback.as_ref(), update);
                };
                let generation = client
                    .generate(
                        &request,
                        GenerateOptions {
                            idempotency_key: options.idempotency_key,
                            signal: options.signal,
                            timeout_ms: options.timeout_ms,
                            on_update: Some(&mut on_update),
                        },
                    )
                    .await?;
                Ok(generation.to_plain())
            }
            .await;
            result.map_err(|e| to_js_for_job(&e, job_id.as_deref()))
        }))
    }
}

/// A call in progress; boxed so that every method shares one Promise adapter in the wasm.
type Call = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Runs a call to a Promise that rejects with a `GptImageError`.
fn promise(call: Call) -> Promise {
    future_to_promise(call)
}

fn read_request(value: &JsValue) -> Result<gpt_image::Request, Error> {
    let value = js::plain(
        value,
        "request",
        "an object such as { prompt: 'a lighthouse at dawn' }",
        "the request",
        REQUEST_FIELDS,
    )?;
    arguments::request(&value)
}

fn read_job_id(value: &JsValue) -> Result<String, Error> {
    js::text("jobId", value, "a job id string (job.id)")
}

/// Calls the user's `onUpdate`. A throwing callback is reported on the console and does not
/// stop the wait: the job goes on either way.
fn notify(callback: Option<&Function>, update: &JobUpdate) {
    let Some(callback) = callback else { return };
    let outcome = callback.call1(&JsValue::UNDEFINED, &update.to_plain());
    if let Err(thrown) = outcome {
        web_sys::console::error_2(
            &JsValue::from_str("gpt-image-wasm: onUpdate threw; the job goes on:"),
            &thrown,
        );
    }
}
