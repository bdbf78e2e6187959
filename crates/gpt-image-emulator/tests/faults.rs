//! Injected faults over HTTP, in their three forms: `X-Emulator-Fault` header, `/_fault/SPEC/`
//! base-URL prefix and the `--fault` flag (`Config::fault`).

mod support;

use std::time::{Duration, Instant};

use gpt_image_emulator::Config;
use serde_json::Value;
use support::{
    apiframe_body, apiinone_body, assert_request_id, job_id, start, start_with, task_id,
};

#[tokio::test]
async fn counted_503_then_success_with_header() {
    let emu = start().await;
    let key = "afk_flaky";
    let fault = [("x-emulator-fault", "submit:503x1")];
    let first = emu
        .apiframe_submit(key, &apiframe_body("retry me"), &fault)
        .await;
    assert_eq!(first.status(), 503);
    let error: Value = first.json().await.expect("json");
    assert_eq!(error["error"]["code"], "service_unavailable");
    assert_request_id(&error);
    let second = emu
        .apiframe_submit(key, &apiframe_body("retry me"), &fault)
        .await;
    assert_eq!(second.status(), 202);
    // Another key has its own count.
    assert_eq!(
        emu.apiframe_submit("afk_flaky_2", &apiframe_body("x"), &fault)
            .await
            .status(),
        503
    );
    let stats = emu.stats(key).await;
    assert_eq!(stats["submits_received"], 2);
    assert_eq!(stats["jobs_created"], 1);
    // API in One shape.
    let reply = emu
        .apiinone_submit(
            "aio_flaky",
            &apiinone_body("retry me"),
            &[("x-emulator-fault", "500x1")],
        )
        .await;
    assert_eq!(reply.status(), 500);
    let error: Value = reply.json().await.expect("json");
    assert_eq!(error["error"]["code"], 500);
    assert_eq!(error["error"]["type"], "server_error");
    let reply = emu
        .apiinone_submit(
            "aio_flaky",
            &apiinone_body("retry me"),
            &[("x-emulator-fault", "submit:502")],
        )
        .await;
    assert_eq!(reply.status(), 502);
}

#[tokio::test]
async fn rate_limits_send_retry_after() {
    let emu = start().await;
    let reply = emu
        .apiframe_submit(
            "afk_rl",
            &apiframe_body("x"),
            &[("x-emulator-fault", "429")],
        )
        .await;
    assert_eq!(reply.status(), 429);
    assert_eq!(reply.headers()["retry-after"], "1");
    assert!(reply.headers().get("retry-after-ms").is_none());
    let error: Value = reply.json().await.expect("json");
    assert_eq!(error["error"]["code"], "rate_limited");

    let reply = emu
        .apiframe_submit(
            "afk_rl",
            &apiframe_body("x"),
            &[("x-emulator-fault", "429=7")],
        )
        .await;
    assert_eq!(reply.headers()["retry-after"], "7");

    let reply = emu
        .apiinone_submit(
            "aio_rl",
            &apiinone_body("a cat"),
            &[("x-emulator-fault", "429ms=1500")],
        )
        .await;
    assert_eq!(reply.status(), 429);
    assert_eq!(reply.headers()["retry-after-ms"], "1500");
    assert_eq!(reply.headers()["retry-after"], "2");
    let error: Value = reply.json().await.expect("json");
    assert_eq!(error["error"]["type"], "rate_limit_error");
    assert_eq!(emu.stats("afk_rl").await["jobs_created"], 0);
}

#[tokio::test]
async fn drop_aborts_the_body_without_work() {
    let emu = start().await;
    let key = "afk_drop";
    let reply = emu
        .apiframe_submit(key, &apiframe_body("lost"), &[("x-emulator-fault", "drop")])
        .await;
    assert_eq!(reply.status(), 200);
    assert!(
        reply.bytes().await.is_err(),
        "the body must fail mid-stream"
    );
    let stats = emu.stats(key).await;
    assert_eq!(stats["submits_received"], 1);
    assert_eq!(stats["jobs_created"], 0);
}

#[tokio::test]
async fn drop_after_creates_the_job_and_idempotency_recovers_it() {
    let emu = start().await;
    let key = "afk_drop_after";
    let headers = [
        ("x-emulator-fault", "submit:drop-afterx1"),
        ("idempotency-key", "k-1"),
    ];
    let reply = emu
        .apiframe_submit(key, &apiframe_body("reply lost"), &headers)
        .await;
    assert!(
        reply.bytes().await.is_err(),
        "the body must fail mid-stream"
    );
    assert_eq!(
        emu.stats(key).await["jobs_created"],
        1,
        "drop-after does the work"
    );
    let retry = emu
        .apiframe_submit(key, &apiframe_body("reply lost"), &headers)
        .await;
    assert_eq!(retry.status(), 202);
    let job: Value = retry.json().await.expect("json");
    let listed = emu.apiframe_list(key, "").await;
    assert_eq!(listed["jobs"].as_array().expect("jobs").len(), 1);
    assert_eq!(listed["jobs"][0]["id"], job["jobId"]);
    let stats = emu.stats(key).await;
    assert_eq!(
        (
            stats["submits_received"].as_u64(),
            stats["jobs_created"].as_u64(),
            stats["duplicates_prevented"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );

    // On a poll, drop-after answers (and counts) the poll, then drops.
    let id = job["jobId"].as_str().expect("id");
    let poll = emu
        .apiframe_job(key, id, &[("x-emulator-fault", "poll:drop-after")])
        .await;
    assert!(poll.bytes().await.is_err());
}

#[tokio::test]
async fn malformed_reply_is_not_json_and_creates_nothing() {
    let emu = start().await;
    let key = "afk_malformed";
    let reply = emu
        .apiframe_submit(
            key,
            &apiframe_body("garbled"),
            &[("x-emulator-fault", "malformed")],
        )
        .await;
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "application/json");
    let text = reply.text().await.expect("text");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(emu.stats(key).await["jobs_created"], 0);
    let reply = emu
        .apiinone_task(
            "aio_malformed",
            "task_x",
            &[("x-emulator-fault", "poll:malformed")],
        )
        .await;
    assert!(serde_json::from_str::<Value>(&reply.text().await.expect("text")).is_err());
}

#[tokio::test]
async fn fail_fault_fails_the_job() {
    let emu = start().await;
    let key = "afk_fail";
    let reply = emu
        .apiframe_submit(
            key,
            &apiframe_body("doomed"),
            &[("x-emulator-fault", "submit:fail")],
        )
        .await;
    assert_eq!(reply.status(), 202);
    let id = job_id(reply).await;
    let job = emu.apiframe_wait(key, &id).await;
    assert_eq!(job["status"], "FAILED");
    assert_eq!(
        job["error"],
        "Injected failure: the model could not complete this image."
    );
    assert_eq!(job["creditCost"], 0);
    assert!(job["completedAt"].is_string());
    assert_eq!(
        emu.client
            .get(format!("{}/files/{id}/0.png", emu.base))
            .send()
            .await
            .expect("sent")
            .status(),
        404
    );

    let reply = emu
        .apiinone_submit(
            "aio_fail",
            &apiinone_body("doomed"),
            &[("x-emulator-fault", "fail")],
        )
        .await;
    let id = task_id(reply).await;
    let task = emu.apiinone_wait("aio_fail", &id, &[]).await;
    assert_eq!(task["data"]["status"], "failed");
    assert_eq!(
        task["data"]["error"],
        "Injected failure: the model could not complete this image."
    );
}

#[tokio::test]
async fn slow_delays_by_the_scaled_time() {
    let emu = start().await; // time scale 0.02: slow=20000 waits 400 ms
    let started = Instant::now();
    let reply = emu
        .apiframe_submit(
            "afk_slow",
            &apiframe_body("patience"),
            &[("x-emulator-fault", "slow=20000")],
        )
        .await;
    let waited = started.elapsed();
    assert_eq!(reply.status(), 202);
    assert!(waited >= Duration::from_millis(380), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[tokio::test]
async fn alt_shape_uses_the_alternate_documented_shapes() {
    let emu = start().await;
    let key = "afk_alt";
    let id = emu.apiframe_job_id(key, &apiframe_body("single")).await;
    emu.apiframe_wait(key, &id).await;
    let job: Value = emu
        .apiframe_job(key, &id, &[("x-emulator-fault", "alt-shape")])
        .await
        .json()
        .await
        .expect("json");
    let url = job["result"]
        .as_str()
        .expect("a bare URL string for one image");
    assert!(url.ends_with(&format!("/files/{id}/0.png")));

    let reply = emu
        .apiinone_submit(
            "aio_alt",
            &apiinone_body("second form"),
            &[("x-emulator-fault", "alt-shape")],
        )
        .await;
    assert_eq!(reply.status(), 200);
    let created: Value = reply.json().await.expect("json");
    assert_eq!(created["status"], "pending");
    assert_eq!(created["model"], "gpt-image-1-5");
    assert!(created["created_at"].is_u64());
    let id = created["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("task_"));
    let task = emu
        .apiinone_wait("aio_alt", &id, &[("x-emulator-fault", "alt-shape")])
        .await;
    assert!(
        task["data"]["result"]["images"][0]["url"].is_string(),
        "{task}"
    );
}

#[tokio::test]
async fn path_prefix_form_injects_faults() {
    let emu = start().await;
    let key = "afk_prefix";
    let base = format!("{}/_fault/submit:503x2", emu.base);
    let body = apiframe_body("via base url");
    assert_eq!(
        emu.apiframe_submit_at(&base, key, &body, &[])
            .await
            .status(),
        503
    );
    assert_eq!(
        emu.apiframe_submit_at(&base, key, &body, &[])
            .await
            .status(),
        503
    );
    let reply = emu.apiframe_submit_at(&base, key, &body, &[]).await;
    assert_eq!(reply.status(), 202);
    let id = job_id(reply).await;
    // Polls through the same prefix are unaffected by a submit-only rule…
    let poll = emu
        .client
        .get(format!("{base}/v2/jobs/{id}"))
        .header("x-api-key", key)
        .send()
        .await
        .expect("sent");
    assert_eq!(poll.status(), 200);
    // …and affected by a poll rule.
    let poll = emu
        .client
        .get(format!("{}/_fault/poll:500x1/v2/jobs/{id}", emu.base))
        .header("x-api-key", key)
        .send()
        .await
        .expect("sent");
    assert_eq!(poll.status(), 500);
    assert!(poll.headers().contains_key("x-request-id"));
    // Query strings survive the prefix.
    let listed = emu
        .client
        .get(format!("{base}/v2/jobs?limit=1"))
        .header("x-api-key", key)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        listed.json::<Value>().await.expect("json")["jobs"]
            .as_array()
            .expect("jobs")
            .len(),
        1
    );
    // Faults never touch /_emulator or /files.
    let stats = emu
        .client
        .get(format!("{}/_fault/503/_emulator/stats?key={key}", emu.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(stats.status(), 200, "{:?}", stats.headers());
    assert_eq!(
        stats.json::<Value>().await.expect("json")["submits_received"],
        3
    );
    // A bad spec is a 400 in the provider's shape.
    let bad = emu
        .apiinone_submit(
            "aio_prefix",
            &apiinone_body("a cat"),
            &[("x-emulator-fault", "teapot")],
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<Value>().await.expect("json")["error"]["type"],
        "invalid_request"
    );
}

#[tokio::test]
async fn fault_flag_applies_to_every_request() {
    let emu = start_with(Config {
        time_scale: support::TIME_SCALE,
        fault: Some("poll:429=3x1".parse().expect("spec")),
        ..Config::default()
    })
    .await;
    let key = "afk_flag";
    let id = emu.apiframe_job_id(key, &apiframe_body("flagged")).await;
    let first = emu.apiframe_job(key, &id, &[]).await;
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "3");
    assert_eq!(emu.apiframe_job(key, &id, &[]).await.status(), 200);
    assert_eq!(emu.stats(key).await["polls"][&id], 2);
}

/// Statuses of `n` Apiframe submits with `key` through `base`, with `extra` headers.
async fn submit_statuses(
    emu: &support::Emulator,
    base: &str,
    key: &str,
    extra: &[(&str, &str)],
    n: usize,
) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..n {
        let body = apiframe_body(&format!("soak {i}"));
        let reply = emu.apiframe_submit_at(base, key, &body, extra).await;
        statuses.push(reply.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn random_faults_follow_the_seed_in_every_form() {
    let spec = "submit:503@0.3,submit:429ms=200@0.3";
    let seeded = |seed| {
        start_with(Config {
            time_scale: support::TIME_SCALE,
            seed,
            max_concurrent_jobs: 0, // only the faults answer 429 here
            ..Config::default()
        })
    };
    let (a, b, c) = (seeded(11).await, seeded(11).await, seeded(12).await);
    let header = [("x-emulator-fault", spec)];
    let first = submit_statuses(&a, &a.base, "afk_soak", &header, 40).await;
    assert_eq!(
        first,
        submit_statuses(&b, &b.base, "afk_soak", &header, 40).await,
        "same seed, same sequence"
    );
    assert_ne!(
        first,
        submit_statuses(&c, &c.base, "afk_soak", &header, 40).await,
        "another seed, another sequence"
    );
    for status in [202, 503, 429] {
        assert!(first.contains(&status), "{first:?}");
    }
    // The base-URL prefix form draws the same way.
    let prefixed = format!("{}/_fault/{spec}", a.base);
    assert_eq!(
        submit_statuses(&a, &prefixed, "afk_soak_prefix", &[], 40).await,
        submit_statuses(
            &b,
            &format!("{}/_fault/{spec}", b.base),
            "afk_soak_prefix",
            &[],
            40
        )
        .await
    );
    let stats = a.stats("afk_soak").await;
    let created = first.iter().filter(|s| **s == 202).count();
    assert_eq!(stats["jobs_created"], created);
    assert_eq!(
        stats["faults_fired"]["503"],
        first.iter().filter(|s| **s == 503).count()
    );
    assert_eq!(
        stats["faults_fired"]["429ms"],
        first.iter().filter(|s| **s == 429).count()
    );

    // The flag form, and a rate of 1 or 0.
    let flagged = start_with(Config {
        time_scale: support::TIME_SCALE,
        fault: Some("submit:502@1,poll:500@0".parse().expect("spec")),
        ..Config::default()
    })
    .await;
    assert_eq!(
        submit_statuses(&flagged, &flagged.base, "afk_flag", &[], 3).await,
        vec![502; 3]
    );
}

#[tokio::test]
async fn truncated_replies_are_cut_after_the_work_and_504_exists() {
    let emu = start().await;
    let key = "afk_truncated";
    let reply = emu
        .apiframe_submit(
            key,
            &apiframe_body("cut short"),
            &[
                ("x-emulator-fault", "submit:truncated"),
                ("idempotency-key", "t-1"),
            ],
        )
        .await;
    assert_eq!(reply.status(), 202);
    let text = reply.text().await.expect("the body ends cleanly");
    assert!(text.starts_with("{\""), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(
        emu.stats(key).await["jobs_created"],
        1,
        "truncated does the work"
    );
    let retry = emu
        .apiframe_submit(
            key,
            &apiframe_body("cut short"),
            &[("idempotency-key", "t-1")],
        )
        .await;
    let id = job_id(retry).await;
    let poll = emu
        .apiframe_job(key, &id, &[("x-emulator-fault", "poll:truncated")])
        .await;
    assert_eq!(poll.status(), 200);
    assert!(serde_json::from_str::<Value>(&poll.text().await.expect("text")).is_err());
    let task = emu
        .apiinone_submit(
            "aio_truncated",
            &apiinone_body("cut short"),
            &[("x-emulator-fault", "truncated")],
        )
        .await;
    assert_eq!(task.status(), 200);
    assert!(serde_json::from_str::<Value>(&task.text().await.expect("text")).is_err());

    let timeout = emu
        .apiframe_submit(key, &apiframe_body("x"), &[("x-emulator-fault", "504")])
        .await;
    assert_eq!(timeout.status(), 504);
    assert_eq!(
        timeout.json::<Value>().await.expect("json")["error"]["code"],
        "gateway_timeout"
    );
    let stats = emu.stats(key).await;
    assert_eq!(stats["faults_fired"]["truncated"], 2);
    assert_eq!(stats["faults_fired"]["504"], 1);
}

#[tokio::test]
async fn reset_closes_the_connection_before_any_reply() {
    let emu = start().await;
    let key = "afk_reset";
    let reply = emu
        .client
        .post(format!("{}/v2/images/generate", emu.base))
        .header("x-api-key", key)
        .header("x-emulator-fault", "submit:reset")
        .json(&apiframe_body("never answered"))
        .send()
        .await;
    assert!(reply.is_err(), "no status line: {reply:?}");
    assert_eq!(emu.stats(key).await["jobs_created"], 0);
    let reply = emu
        .client
        .post(format!("{}/v2/images/generate", emu.base))
        .header("x-api-key", key)
        .header("x-emulator-fault", "submit:reset-after")
        .header("idempotency-key", "r-1")
        .json(&apiframe_body("answer lost"))
        .send()
        .await;
    assert!(reply.is_err(), "no status line: {reply:?}");
    assert_eq!(
        emu.stats(key).await["jobs_created"],
        1,
        "reset-after does the work"
    );
    let retry = emu
        .apiframe_submit(
            key,
            &apiframe_body("answer lost"),
            &[("idempotency-key", "r-1")],
        )
        .await;
    assert_eq!(retry.status(), 202);
    let stats = emu.stats(key).await;
    assert_eq!(stats["duplicates_prevented"], 1);
    assert_eq!(stats["faults_fired"]["reset"], 1);
    assert_eq!(stats["faults_fired"]["reset-after"], 1);
}

#[tokio::test]
async fn a_soak_spec_combines_every_kind() {
    let emu = start_with(Config {
        time_scale: support::TIME_SCALE,
        seed: 2026,
        max_concurrent_jobs: 0,
        ..Config::default()
    })
    .await;
    let key = "afk_soak_all";
    let spec = "submit:503@0.08,submit:429ms=200@0.08,submit:reset@0.08,submit:drop-after@0.08,\
                submit:reset-after@0.08,submit:truncated@0.08,submit:fail@0.1,poll:502@0.08,\
                poll:429=1@0.08,poll:drop@0.08,poll:malformed@0.08,poll:truncated@0.08,\
                any:slow=50@0.1";
    let id = emu.apiframe_job_id(key, &apiframe_body("polled")).await;
    let fault = [("x-emulator-fault", spec)];
    let (mut answered, mut lost) = (0, 0);
    for i in 0..120 {
        let submit = emu
            .client
            .post(format!("{}/v2/images/generate", emu.base))
            .header("x-api-key", key)
            .header("x-emulator-fault", spec)
            .json(&apiframe_body(&format!("soak {i}")))
            .send()
            .await;
        match submit {
            Ok(reply) => {
                let _ = reply.bytes().await;
                answered += 1;
            }
            Err(_) => lost += 1,
        }
        let _ = emu.apiframe_job(key, &id, &fault).await.bytes().await;
    }
    assert!(
        answered > 60 && lost > 5,
        "{answered} answered, {lost} lost"
    );
    let stats = emu.stats(key).await;
    let fired = stats["faults_fired"].as_object().expect("faults_fired");
    for kind in [
        "503",
        "429ms",
        "reset",
        "drop-after",
        "reset-after",
        "truncated",
        "fail",
        "502",
        "429",
        "drop",
        "malformed",
        "slow",
    ] {
        assert!(
            fired.get(kind).is_some_and(|n| n.as_u64() > Some(0)),
            "{kind}: {fired:?}"
        );
    }
    assert_eq!(stats["submits_received"], 121);
    assert_eq!(stats["polls"][&id], 120);
    let health = emu.get_json("/_emulator/health").await;
    assert_eq!(health["ok"], true);
}
