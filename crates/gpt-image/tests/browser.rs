//! The client core on the real fetch path: compiled to wasm32, run in headless Chromium by
//! wasm-bindgen-test, against the emulator whose URL `cargo xtask test` passes in at build time.
//!
//! Every test uses its own API key, so the emulator's per-key counters and fault budgets never
//! mix between tests.

#![cfg(target_arch = "wasm32")]

use gpt_image::{
    ApiKey, Client, ClientOptions, ConcurrencyLimit, Error, GenerateOptions, JobStatus, JobUpdate,
    PollSchedule, Provider, Request, RetryPolicy, Runtime, SubmitOptions, WaitOptions,
};
use serde_json::Value;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// `option_env!`, not `env!`: clippy and builds must work without a running emulator.
#[allow(clippy::option_env_unwrap)]
fn emulator() -> &'static str {
    option_env!("GPT_IMAGE_EMULATOR_URL").expect(
        "GPT_IMAGE_EMULATOR_URL must be set at build time: run these through `cargo xtask test`",
    )
}

fn key(provider: Provider, name: &str) -> String {
    let salt = (js_sys::Math::random() * 1e9) as u64;
    format!("{}browser_{name}_{salt}", provider.key_prefix())
}

/// A client for the emulator, with polling tuned to its 0.05 time scale and fast retries.
fn client(provider: Provider, api_key: &str, faults: Option<&str>) -> Client {
    let base = match faults {
        Some(spec) => format!("{}/_fault/{spec}", emulator()),
        None => emulator().to_owned(),
    };
    connect(ClientOptions {
        base_url: Some(base),
        ..options_for_emulator(provider, api_key)
    })
}

/// The options of [`client`] without faults, to add others to.
fn options_for_emulator(provider: Provider, api_key: &str) -> ClientOptions {
    ClientOptions {
        base_url: Some(emulator().to_owned()),
        retry: RetryPolicy {
            initial_delay_ms: 50,
            max_delay_ms: 200,
            ..RetryPolicy::default()
        },
        request_timeout_ms: 5_000,
        poll: Some(PollSchedule {
            min_delay_ms: 100,
            max_delay_ms: 200,
            typical_ms: 500,
        }),
        ..options(provider, api_key)
    }
}

/// Options with a key, allowed in this browser: the tests are a personal tool of sorts.
fn options(provider: Provider, api_key: &str) -> ClientOptions {
    ClientOptions::new(provider)
        .with_key(ApiKey::parse(provider, api_key).expect("a valid test key"))
        .dangerously_allow_browser()
}

fn connect(options: ClientOptions) -> Client {
    Client::new(
        options
            .check(Runtime::Browser)
            .expect("valid client options"),
    )
}

fn prompt(provider: Provider) -> Request {
    let mut r = Request::new("a lighthouse on a cliff at dawn, watercolour");
    if provider == Provider::Apiframe {
        r.n = Some(2);
    }
    r
}

async fn stats(api_key: &str) -> Value {
    let url = format!("{}/_emulator/stats?key={api_key}", emulator());
    let response = gloo_net::http::Request::get(&url)
        .send()
        .await
        .expect("stats reachable");
    serde_json::from_str(&response.text().await.unwrap()).expect("stats are JSON")
}

fn count(stats: &Value, field: &str) -> u64 {
    stats[field]
        .as_u64()
        .unwrap_or_else(|| panic!("stats lack {field}: {stats}"))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> wasm_bindgen::JsValue;
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

async fn generate(client: &Client, request: &Request) -> Result<gpt_image::Generation, Error> {
    client.generate(request, GenerateOptions::default()).await
}

#[wasm_bindgen_test]
async fn happy_path_yields_fetchable_images_on_both_providers() {
    for provider in Provider::ALL {
        let k = key(provider, "happy");
        let generation = generate(&client(provider, &k, None), &prompt(provider))
            .await
            .unwrap();
        assert_eq!(generation.provider, provider);
        let expected = if provider == Provider::Apiframe { 2 } else { 1 };
        assert_eq!(generation.images.len(), expected, "{provider:?}");
        assert!(
            generation.credit_cost.is_some_and(|c| c > 0.0),
            "{generation:?}"
        );
        for image in &generation.images {
            let response = gloo_net::http::Request::get(&image.url)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{}", image.url);
            let bytes = response.binary().await.unwrap();
            // A PNG whose IHDR says 1024×1024 (the default square ratio).
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
            let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
            assert_eq!((width, height), (1024, 1024));
        }
        // The key never leaks into what a caller might log.
        assert!(!format!("{generation:?}").contains(&k));
    }
}

#[wasm_bindgen_test]
async fn progress_updates_rise_and_end_completed() {
    for provider in Provider::ALL {
        let k = key(provider, "progress");
        let mut seen: Vec<JobUpdate> = vec![];
        let mut on_update = |u: &JobUpdate| seen.push(u.clone());
        let client = client(provider, &k, None);
        client
            .generate(
                &prompt(provider),
                GenerateOptions {
                    on_update: Some(&mut on_update),
                    ..GenerateOptions::default()
                },
            )
            .await
            .unwrap();
        assert!(seen.len() >= 3, "{provider:?}: {seen:?}");
        assert!(seen[0].status == JobStatus::Queued || seen[0].status == JobStatus::Processing);
        assert_eq!(seen.last().unwrap().status, JobStatus::Completed);
        let progress: Vec<u8> = seen.iter().filter_map(|u| u.progress).collect();
        assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
        assert!(
            progress.iter().any(|p| *p > 0 && *p < 100),
            "{provider:?}: no intermediate progress in {progress:?}"
        );
        // Each reported update differs from the one before: changes only.
        assert!(seen.windows(2).all(|w| w[0] != w[1]));
    }
}

#[wasm_bindgen_test]
async fn bad_and_inactive_keys_are_auth_errors() {
    for (provider, bad) in [
        (Provider::Apiframe, "afk_your_api_key_here"),
        (Provider::ApiInOne, "aio_your_key"),
    ] {
        let err = generate(&client(provider, bad, None), &prompt(provider))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Auth { status: 401, .. }),
            "{provider:?}: {err:?}"
        );
        assert!(!err.to_string().contains(bad), "{err}");
    }
    let err = generate(
        &client(Provider::Apiframe, "afk_inactive_browser", None),
        &prompt(Provider::Apiframe),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Auth { status: 403, .. }), "{err:?}");
}

#[wasm_bindgen_test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    for provider in Provider::ALL {
        let k = key(provider, "ratelimit");
        let started = js_sys::Date::now();
        generate(
            &client(provider, &k, Some("submit:429=1x1")),
            &prompt(provider),
        )
        .await
        .unwrap();
        let waited = js_sys::Date::now() - started;
        assert!(
            waited >= 1_000.0,
            "{provider:?} retried after {waited} ms, before Retry-After"
        );
        let s = stats(&k).await;
        assert_eq!(count(&s, "submits_received"), 2, "{s}");
        assert_eq!(count(&s, "jobs_created"), 1, "{s}");
    }
}

#[wasm_bindgen_test]
async fn rate_limit_beyond_the_retry_budget_is_reported() {
    let k = key(Provider::Apiframe, "ratelimited");
    let err = generate(
        &client(Provider::Apiframe, &k, Some("submit:429ms=100")),
        &prompt(Provider::Apiframe),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_after_ms: Some(100),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        count(&stats(&k).await, "submits_received"),
        4,
        "1 try + 3 retries"
    );
}

#[wasm_bindgen_test]
async fn server_errors_are_retried_with_one_job_on_apiframe() {
    let k = key(Provider::Apiframe, "retry503");
    generate(
        &client(Provider::Apiframe, &k, Some("submit:503x2")),
        &prompt(Provider::Apiframe),
    )
    .await
    .unwrap();
    let s = stats(&k).await;
    assert_eq!(
        (count(&s, "submits_received"), count(&s, "jobs_created")),
        (3, 1),
        "{s}"
    );
}

#[wasm_bindgen_test]
async fn polls_are_retried_through_server_errors_on_both() {
    for provider in Provider::ALL {
        let k = key(provider, "poll503");
        generate(&client(provider, &k, Some("poll:503x2")), &prompt(provider))
            .await
            .unwrap();
    }
}

#[wasm_bindgen_test]
async fn apiinone_submit_is_not_resent_after_a_503() {
    let k = key(Provider::ApiInOne, "noresend");
    let err = generate(
        &client(Provider::ApiInOne, &k, Some("submit:503x1")),
        &prompt(Provider::ApiInOne),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
    assert!(err.to_string().contains("not sent again"), "{err}");
    assert_eq!(count(&stats(&k).await, "submits_received"), 1);
}

#[wasm_bindgen_test]
async fn a_lost_submit_reply_is_retried_into_exactly_one_apiframe_job() {
    let k = key(Provider::Apiframe, "dropafter");
    let c = client(Provider::Apiframe, &k, Some("submit:drop-afterx2"));
    let job = c
        .submit(&prompt(Provider::Apiframe), SubmitOptions::default())
        .await
        .unwrap();
    assert!(job.idempotency_key.is_some());
    let s = stats(&k).await;
    assert_eq!(count(&s, "submits_received"), 3, "{s}");
    assert_eq!(count(&s, "jobs_created"), 1, "{s}");
    assert_eq!(count(&s, "duplicates_prevented"), 2, "{s}");
    c.wait(&job.id, WaitOptions::default()).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_callers_idempotency_key_returns_the_same_job() {
    let k = key(Provider::Apiframe, "idem");
    let c = client(Provider::Apiframe, &k, None);
    let options = || SubmitOptions {
        idempotency_key: Some(format!("order-{k}")),
        signal: None,
    };
    let first = c
        .submit(&prompt(Provider::Apiframe), options())
        .await
        .unwrap();
    let second = c
        .submit(&prompt(Provider::Apiframe), options())
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(count(&stats(&k).await, "jobs_created"), 1);
}

#[wasm_bindgen_test]
async fn abort_stops_polling_at_once() {
    for provider in Provider::ALL {
        let k = key(provider, "abort");
        // Slow the job's polls down so the job is still running when we abort.
        let c = client(provider, &k, Some("poll:slow=100"));
        let job = c
            .submit(&prompt(provider), SubmitOptions::default())
            .await
            .unwrap();
        let controller = web_sys::AbortController::new().unwrap();
        let signal = controller.signal();
        let abort_later = {
            let controller = controller.clone();
            async move {
                sleep_ms(150).await;
                controller.abort();
            }
        };
        wasm_bindgen_futures::spawn_local(abort_later);
        let started = js_sys::Date::now();
        let err = c
            .wait(
                &job.id,
                WaitOptions {
                    signal: Some(signal),
                    ..WaitOptions::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err, Error::Aborted, "{provider:?}");
        assert!(
            js_sys::Date::now() - started < 1_000.0,
            "abort was not prompt"
        );
        let polls_then = count(&stats(&k).await, "polls_total");
        sleep_ms(600).await;
        assert_eq!(
            count(&stats(&k).await, "polls_total"),
            polls_then,
            "{provider:?} kept polling after abort"
        );
        // An already-aborted signal sends nothing.
        let submits = count(&stats(&k).await, "submits_received");
        let err = c
            .submit(
                &prompt(provider),
                SubmitOptions {
                    signal: Some(controller.signal()),
                    ..SubmitOptions::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err, Error::Aborted);
        assert_eq!(count(&stats(&k).await, "submits_received"), submits);
    }
}

#[wasm_bindgen_test]
async fn the_overall_deadline_ends_the_wait_but_keeps_the_job() {
    for provider in Provider::ALL {
        let k = key(provider, "deadline");
        let c = client(provider, &k, None);
        let job = c
            .submit(&prompt(provider), SubmitOptions::default())
            .await
            .unwrap();
        let started = js_sys::Date::now();
        let err = c
            .wait(
                &job.id,
                WaitOptions {
                    timeout_ms: Some(60),
                    ..WaitOptions::default()
                },
            )
            .await
            .unwrap_err();
        let took = js_sys::Date::now() - started;
        assert!(
            matches!(&err, Error::Timeout { job_id: Some(id), .. } if *id == job.id),
            "{err:?}"
        );
        assert!(took < 1_000.0, "deadline overshot: {took} ms");
        // The job went on; waiting again delivers it.
        c.wait(&job.id, WaitOptions::default()).await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_slow_reply_hits_the_request_timeout() {
    let k = key(Provider::Apiframe, "slow");
    let c = connect(ClientOptions {
        base_url: Some(format!("{}/_fault/submit:slow=4000", emulator())),
        retry: RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        },
        request_timeout_ms: 100,
        ..options(Provider::Apiframe, &k)
    });
    let err = c
        .submit(&prompt(Provider::Apiframe), SubmitOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { job_id: None, .. }),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error() {
    let c = connect(ClientOptions {
        base_url: Some("http://127.0.0.1:9".into()),
        retry: RetryPolicy {
            max_retries: 1,
            initial_delay_ms: 10,
            ..RetryPolicy::default()
        },
        ..options(Provider::Apiframe, "afk_browser_network")
    });
    let err = c
        .submit(&prompt(Provider::Apiframe), SubmitOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
}

#[wasm_bindgen_test]
async fn malformed_replies_are_decode_errors_with_the_raw_body() {
    for provider in Provider::ALL {
        let k = key(provider, "malformed");
        let err = generate(
            &client(provider, &k, Some("submit:malformed")),
            &prompt(provider),
        )
        .await
        .unwrap_err();
        match &err {
            Error::Decode { body, .. } => {
                assert!(!body.is_empty() && serde_json::from_str::<Value>(body).is_err())
            }
            other => panic!("{provider:?}: {other:?}"),
        }
        let err = generate(
            &client(provider, &k, Some("poll:malformed")),
            &prompt(provider),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{provider:?}: {err:?}");
        assert!(
            err.to_string().contains("10 times in a row")
                && err.to_string().contains("may still finish"),
            "{err}"
        );
    }
}

#[wasm_bindgen_test]
async fn a_wait_survives_unreadable_and_truncated_poll_replies() {
    for provider in Provider::ALL {
        let k = key(provider, "pollfaults");
        let c = client(
            provider,
            &k,
            Some("poll:malformedx2,poll:truncatedx1,poll:dropx1,poll:503x1"),
        );
        let generation = generate(&c, &prompt(provider))
            .await
            .unwrap_or_else(|e| panic!("{provider:?}: {e}"));
        assert!(!generation.images.is_empty());
        assert_eq!(count(&stats(&k).await, "jobs_created"), 1);
    }
}

#[wasm_bindgen_test]
async fn a_wait_gives_up_after_the_set_number_of_failed_polls_and_names_the_job() {
    let k = key(Provider::Apiframe, "pollcap");
    let c = connect(ClientOptions {
        base_url: Some(format!("{}/_fault/poll:malformed", emulator())),
        retry: RetryPolicy {
            max_poll_failures: 3,
            ..RetryPolicy::default()
        },
        poll: Some(PollSchedule {
            min_delay_ms: 100,
            max_delay_ms: 200,
            typical_ms: 500,
        }),
        ..options(Provider::Apiframe, &k)
    });
    let job = c
        .submit(&prompt(Provider::Apiframe), SubmitOptions::default())
        .await
        .unwrap();
    let err = c.wait(&job.id, WaitOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&job.id) && text.contains("3 times in a row"),
        "{text}"
    );
    assert_eq!(count(&stats(&k).await, "polls_total"), 3);
}

#[wasm_bindgen_test]
async fn an_unreadable_submit_reply_is_settled_by_resending_the_same_key() {
    // Apiframe: the job was made, the reply cut short; the same key returns that job.
    let k = key(Provider::Apiframe, "submittruncated");
    let c = client(Provider::Apiframe, &k, Some("submit:truncatedx1"));
    let generation = generate(&c, &prompt(Provider::Apiframe)).await.unwrap();
    assert!(!generation.images.is_empty());
    assert_eq!(
        count(&stats(&k).await, "jobs_created"),
        1,
        "a second paid job"
    );

    // API in One cannot be made safe: the error says the task may exist and what to check.
    let k = key(Provider::ApiInOne, "submittruncated");
    let c = client(Provider::ApiInOne, &k, Some("submit:truncatedx1"));
    let err = generate(&c, &prompt(Provider::ApiInOne)).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("may exist"), "{err}");
    assert_eq!(count(&stats(&k).await, "jobs_created"), 1);
}

#[wasm_bindgen_test]
async fn a_resumed_wait_reads_the_jobs_real_age() {
    let k = key(Provider::Apiframe, "realage");
    let c = client(Provider::Apiframe, &k, None);
    let job = c
        .submit(&prompt(Provider::Apiframe), SubmitOptions::default())
        .await
        .unwrap();
    let update = c.status(&job.id, None).await.unwrap();
    let created = update
        .created_at
        .expect("Apiframe's job reply says when it was created");
    let now = js_sys::Date::now() as u64;
    assert!(
        created <= now + 60_000 && now - created.min(now) < 60_000,
        "{created} vs {now}"
    );
    let generation = c.wait(&job.id, WaitOptions::default()).await.unwrap();
    assert!(!generation.images.is_empty());
}

#[wasm_bindgen_test]
async fn a_failed_job_reports_the_providers_reason() {
    for provider in Provider::ALL {
        let k = key(provider, "failed");
        let err = generate(
            &client(provider, &k, Some("submit:fail")),
            &prompt(provider),
        )
        .await
        .unwrap_err();
        match err {
            Error::JobFailed { reason, .. } => {
                assert!(reason.contains("Injected failure"), "{reason}")
            }
            other => panic!("{provider:?}: {other:?}"),
        }
    }
}

#[wasm_bindgen_test]
async fn the_alternate_documented_reply_shapes_are_read() {
    for provider in Provider::ALL {
        let k = key(provider, "altshape");
        let mut request = prompt(provider);
        request.n = None;
        let generation = generate(&client(provider, &k, Some("alt-shape")), &request)
            .await
            .unwrap();
        assert_eq!(generation.images.len(), 1, "{provider:?}");
    }
}

#[wasm_bindgen_test]
async fn invalid_requests_never_reach_the_network() {
    let k = key(Provider::ApiInOne, "invalid");
    let c = client(Provider::ApiInOne, &k, None);
    let mut request = Request::new("a fox");
    request.n = Some(2);
    let err = c
        .submit(&request, SubmitOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "n"),
        "{err:?}"
    );
    assert_eq!(count(&stats(&k).await, "submits_received"), 0);
}

#[wasm_bindgen_test]
async fn status_reads_one_update() {
    let k = key(Provider::Apiframe, "status");
    let c = client(Provider::Apiframe, &k, None);
    let job = c
        .submit(&prompt(Provider::Apiframe), SubmitOptions::default())
        .await
        .unwrap();
    let update = c.status(&job.id, None).await.unwrap();
    assert_eq!(update.id, job.id);
    assert!(!update.status.is_finished() || update.status == JobStatus::Completed);
    let err = c.status("no-such-job", None).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
    let err = c.status("../etc/passwd", None).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
}

/// Polls both futures until either finishes, then drops both.
async fn race(a: impl std::future::Future, b: impl std::future::Future) {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    std::future::poll_fn(|cx| {
        if a.as_mut().poll(cx).is_ready() || b.as_mut().poll(cx).is_ready() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

#[wasm_bindgen_test]
async fn dropping_the_wait_future_stops_polling() {
    let k = key(Provider::Apiframe, "dropfuture");
    let c = client(Provider::Apiframe, &k, Some("poll:slow=100"));
    let job = c
        .submit(&prompt(Provider::Apiframe), SubmitOptions::default())
        .await
        .unwrap();
    race(c.wait(&job.id, WaitOptions::default()), sleep_ms(150)).await;
    let polls_then = count(&stats(&k).await, "polls_total");
    assert!(polls_then >= 1);
    sleep_ms(600).await;
    assert_eq!(
        count(&stats(&k).await, "polls_total"),
        polls_then,
        "polling went on after the future was dropped"
    );
}

#[wasm_bindgen_test]
fn the_key_never_shows_in_debug_output() {
    let secret = "afk_browser_debug_secret_value";
    let options = options(Provider::Apiframe, secret);
    assert!(!format!("{options:?}").contains(secret));
    let c = connect(options);
    assert!(!format!("{c:?}").contains(secret));
    let err = ApiKey::parse(Provider::Apiframe, "aio_wrong_provider_key").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "apiKey"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("aio_wrong_provider_key"));
}

/// Counts the page's live timers and `abort` listeners on signals by wrapping `setTimeout`,
/// `clearTimeout` and `EventTarget`'s listener methods (once per page). Returns
/// `(timers, abort listeners)` now.
fn live_timers_and_listeners() -> (u64, u64) {
    let install = js_sys::Function::new_no_args(
        r#"
        if (!globalThis.__gptImageLive) {
          const timers = new Set();
          const set = globalThis.setTimeout, clear = globalThis.clearTimeout;
          globalThis.setTimeout = function (f, ms, ...rest) {
            const id = set.call(globalThis, function (...args) {
              timers.delete(id);
              return typeof f === 'function' ? f.apply(this, args) : undefined;
            }, ms, ...rest);
            timers.add(id);
            return id;
          };
          globalThis.clearTimeout = function (id) {
            timers.delete(id);
            return clear.call(globalThis, id);
          };
          const listeners = new WeakMap();
          let abortListeners = 0;
          const add = EventTarget.prototype.addEventListener;
          const remove = EventTarget.prototype.removeEventListener;
          EventTarget.prototype.addEventListener = function (type, listener, options) {
            if (type === 'abort' && this instanceof AbortSignal) {
              let set = listeners.get(this);
              if (!set) { set = new Set(); listeners.set(this, set); }
              if (!set.has(listener)) { set.add(listener); abortListeners++; }
            }
            return add.call(this, type, listener, options);
          };
          EventTarget.prototype.removeEventListener = function (type, listener, options) {
            if (type === 'abort' && this instanceof AbortSignal) {
              const set = listeners.get(this);
              if (set && set.delete(listener)) abortListeners--;
            }
            return remove.call(this, type, listener, options);
          };
          globalThis.__gptImageLive = () => [timers.size, abortListeners];
        }
        return globalThis.__gptImageLive();
        "#,
    );
    let counts: js_sys::Array = install
        .call0(&wasm_bindgen::JsValue::NULL)
        .expect("the counters install")
        .into();
    let at = |i| counts.get(i).as_f64().expect("a count") as u64;
    (at(0), at(1))
}

#[wasm_bindgen_test]
async fn a_dropped_wait_leaves_no_timer_and_no_abort_listener() {
    let before = live_timers_and_listeners();
    let k = key(Provider::Apiframe, "droptimers");
    // Slow polls: dropped while a request (and its timeout timer) is in flight.
    let c = client(Provider::Apiframe, &k, Some("poll:slow=300"));
    let job = c
        .submit(&prompt(Provider::Apiframe), SubmitOptions::default())
        .await
        .unwrap();
    let controller = web_sys::AbortController::new().unwrap();
    let wait = c.wait(
        &job.id,
        WaitOptions {
            signal: Some(controller.signal()),
            ..WaitOptions::default()
        },
    );
    race(wait, sleep_ms(100)).await;
    assert_eq!(
        live_timers_and_listeners(),
        before,
        "a wait dropped mid-request left a timer or an abort listener"
    );

    // Fast polls: dropped while it sleeps between two polls.
    let c = client(Provider::Apiframe, &k, None);
    let wait = c.wait(
        &job.id,
        WaitOptions {
            signal: Some(controller.signal()),
            ..WaitOptions::default()
        },
    );
    race(wait, sleep_ms(120)).await;
    assert_eq!(
        live_timers_and_listeners(),
        before,
        "a wait dropped mid-sleep left a timer or an abort listener"
    );

    // A finished wait leaves nothing either.
    let generation = c
        .wait(
            &job.id,
            WaitOptions {
                signal: Some(controller.signal()),
                ..WaitOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(!generation.images.is_empty());
    assert_eq!(live_timers_and_listeners(), before);
}

#[wasm_bindgen_test]
fn ids_are_random_uuids() {
    let a = gpt_image::new_id();
    let b = gpt_image::new_id();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(&a[14..15], "4");
    assert_ne!(gpt_image::random_bytes(), [0; 16]);
}

/// Runs one `generate` per client (a client may appear several times), side by side, and
/// returns their outcomes in order.
async fn generate_all(
    clients: &[&Client],
    request: &Request,
) -> Vec<Result<gpt_image::Generation, Error>> {
    type Run<'a> = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<gpt_image::Generation, Error>> + 'a>,
    >;
    let mut runs: Vec<Option<Run>> = clients
        .iter()
        .map(|c| Some(Box::pin(generate(c, request)) as Run))
        .collect();
    let mut outcomes: Vec<Option<Result<gpt_image::Generation, Error>>> =
        clients.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (slot, outcome) in runs.iter_mut().zip(outcomes.iter_mut()) {
            if let Some(run) = slot
                && let std::task::Poll::Ready(value) = run.as_mut().poll(cx)
            {
                *outcome = Some(value);
                *slot = None;
            }
        }
        match runs.iter().all(Option::is_none) {
            true => std::task::Poll::Ready(()),
            false => std::task::Poll::Pending,
        }
    })
    .await;
    outcomes.into_iter().flatten().collect()
}

/// Status requests (per-job polls and listing pages) made with this key.
async fn status_requests(api_key: &str) -> u64 {
    let s = stats(api_key).await;
    count(&s, "polls_total") + count(&s, "list_requests")
}

#[wasm_bindgen_test]
async fn concurrent_waits_on_one_client_share_the_job_listing() {
    // The emulator lets a key run 10 jobs at once: 8 stay below that.
    const JOBS: usize = 8;
    let request = Request::new("a lighthouse on a cliff at dawn, watercolour");
    let shared_key = key(Provider::Apiframe, "batched");
    let shared = client(Provider::Apiframe, &shared_key, None);
    for outcome in generate_all(&[&shared; JOBS], &request).await {
        assert_eq!(outcome.expect("every job completes").images.len(), 1);
    }
    let batched = stats(&shared_key).await;
    assert!(count(&batched, "list_requests") > 0, "{batched}");

    // The same jobs, each on a client of its own: one request per job per look.
    let alone_key = key(Provider::Apiframe, "alone");
    let clients: Vec<Client> = (0..JOBS)
        .map(|_| client(Provider::Apiframe, &alone_key, None))
        .collect();
    let clients: Vec<&Client> = clients.iter().collect();
    for outcome in generate_all(&clients, &request).await {
        outcome.expect("every job completes");
    }
    let alone = stats(&alone_key).await;
    assert_eq!(
        count(&alone, "list_requests"),
        0,
        "one job per client: no listing"
    );
    let (together, apart) = (
        status_requests(&shared_key).await,
        status_requests(&alone_key).await,
    );
    assert!(
        together * 2 <= apart,
        "{JOBS} jobs cost {together} status requests together, {apart} apart"
    );
}

#[wasm_bindgen_test]
async fn a_burst_beyond_the_accounts_limit_waits_in_the_queue_instead_of_meeting_429s() {
    // The emulator lets a key run 10 Apiframe jobs at once (`GET /v2/me` says so).
    const BURST: usize = 25;
    let request = Request::new("a lighthouse on a cliff at dawn, watercolour");

    let held_key = key(Provider::Apiframe, "queued");
    let held = connect(ClientOptions {
        max_concurrent_jobs: Some(ConcurrencyLimit::Account),
        ..options_for_emulator(Provider::Apiframe, &held_key)
    });
    for outcome in generate_all(&[&held; BURST], &request).await {
        outcome.expect("every job of the burst completes");
    }
    let s = stats(&held_key).await;
    assert_eq!(count(&s, "jobs_created"), BURST as u64, "{s}");
    assert_eq!(count(&s, "concurrency_refused"), 0, "{s}");
    assert_eq!(
        count(&s, "account_requests"),
        1,
        "the limit is read once: {s}"
    );

    // The same burst without the option meets the limit as 429s (waited out, or reported once
    // the retries are spent).
    let bare_key = key(Provider::Apiframe, "unqueued");
    let bare = client(Provider::Apiframe, &bare_key, None);
    generate_all(&[&bare; BURST], &request).await;
    let s = stats(&bare_key).await;
    assert!(count(&s, "concurrency_refused") > 0, "{s}");

    // A number works on API in One too, which has no account to read it from.
    let two_key = key(Provider::ApiInOne, "two");
    let two = connect(ClientOptions {
        max_concurrent_jobs: Some(ConcurrencyLimit::Jobs(2)),
        ..options_for_emulator(Provider::ApiInOne, &two_key)
    });
    for outcome in generate_all(&[&two; 5], &request).await {
        outcome.expect("every task completes");
    }
    assert_eq!(count(&stats(&two_key).await, "jobs_created"), 5);
}

#[wasm_bindgen_test]
async fn a_submit_dropped_while_the_accounts_limit_is_read_leaves_the_read_to_the_next() {
    let k = key(Provider::Apiframe, "dropread");
    // The first request, GET /v2/me, is slowed (4 s × the 0.05 time scale = 200 ms).
    let c = connect(ClientOptions {
        base_url: Some(format!("{}/_fault/any:slow=4000x1", emulator())),
        max_concurrent_jobs: Some(ConcurrencyLimit::Account),
        ..options_for_emulator(Provider::Apiframe, &k)
    });
    let request = Request::new("a lighthouse on a cliff at dawn, watercolour");
    race(generate(&c, &request), sleep_ms(50)).await;
    let generation = generate(&c, &request)
        .await
        .expect("the next submit reads the limit itself");
    assert_eq!(generation.images.len(), 1);
    assert_eq!(count(&stats(&k).await, "account_requests"), 2);
}

/// On wasm32, JSON is read and written by the engine (`gpt_image::json`): the values, numbers
/// and limits must be what serde_json gives natively.
#[wasm_bindgen_test]
fn json_through_the_engine_reads_and_writes_as_serde_json_does() {
    use gpt_image::json::{self, NotJson};
    use serde_json::json;

    let text = r#"{"a":[1,-2,1.5,"x",null,true],"b":{"c":12345678901},"d":1e300}"#;
    let value = json::parse(text).expect("JSON");
    assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
    assert_eq!(value["a"][0].as_u64(), Some(1));
    assert_eq!(value["a"][1].as_i64(), Some(-2));
    assert_eq!(value["b"]["c"].as_u64(), Some(12_345_678_901));
    assert_eq!(json::parse(&json::to_text(&value)), Ok(value));
    assert_eq!(
        json::to_text(&json!({ "prompt": "a \"fox\"\n", "n": 2 })),
        r#"{"n":2,"prompt":"a \"fox\"\n"}"#
    );
    for number in ["12", "-3", "1.5", "0.25"] {
        let value = json::parse(number).unwrap();
        assert_eq!(json::number_text(value.as_number().unwrap()), number);
    }
    for junk in ["", "{", "nope", "[1,]", "{\"a\":1} x", "NaN"] {
        assert_eq!(json::parse(junk), Err(NotJson { position: None }), "{junk}");
    }
    // Deeper than serde_json's limit is refused, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(json::parse(&deep).is_err());
    let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(json::parse(&fine).is_ok());
}
