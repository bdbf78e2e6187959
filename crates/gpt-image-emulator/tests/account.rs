//! Apiframe's account (`GET /v2/me`), its limit on jobs running at once, the job listing's
//! filters, and the counters a benchmark reads.

mod support;

use std::time::Duration;

use gpt_image_emulator::Config;
use serde_json::{Value, json};
use support::{apiframe_body, job_id, start, start_with};

#[tokio::test]
async fn me_reports_the_limit_and_a_submit_over_it_is_rate_limited() {
    let emu = start_with(Config {
        time_scale: 0.1, // jobs of 1.1–1.9 s
        max_concurrent_jobs: 2,
        ..Config::default()
    })
    .await;
    let key = "afk_busy";
    let me = |key: &'static str| {
        let emu = &emu;
        async move {
            let reply = emu
                .client
                .get(format!("{}/v2/me", emu.base))
                .header("x-api-key", key)
                .send()
                .await
                .expect("sent");
            assert_eq!(reply.status(), 200);
            reply.json::<Value>().await.expect("json")
        }
    };
    let account = me(key).await;
    assert_eq!(account["team"]["maxConcurrentJobs"], 2);
    assert_eq!(account["team"]["runningJobs"], 0);
    assert_eq!(account["team"]["credits"], 1_000_000);

    let headers = [("idempotency-key", "first")];
    let first = emu
        .apiframe_submit(key, &apiframe_body("one"), &headers)
        .await;
    assert_eq!(first.status(), 202);
    let first = job_id(first).await;
    emu.apiframe_job_id(key, &apiframe_body("two")).await;
    let account = me(key).await;
    assert_eq!(account["team"]["runningJobs"], 2);
    assert_eq!(account["team"]["credits"], 1_000_000 - 2 * 2);

    let refused = emu.apiframe_submit(key, &apiframe_body("three"), &[]).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    let retry_ms: u64 = refused.headers()["retry-after-ms"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("milliseconds");
    assert!((1..=2000).contains(&retry_ms), "{retry_ms}");
    assert_eq!(retry_after, retry_ms.div_ceil(1000));
    let error: Value = refused.json().await.expect("json");
    assert_eq!(error["error"]["code"], "too_many_concurrent_jobs");
    support::assert_request_id(&error);
    // A repeated idempotency key still gets its job, and another key has its own limit.
    let again = emu
        .apiframe_submit(key, &apiframe_body("one"), &headers)
        .await;
    assert_eq!(again.status(), 202);
    assert_eq!(job_id(again).await, first);
    emu.apiframe_job_id("afk_idle", &apiframe_body("elsewhere"))
        .await;

    tokio::time::sleep(Duration::from_millis(retry_ms + 50)).await;
    emu.apiframe_job_id(key, &apiframe_body("three, later"))
        .await;
    let stats = emu.stats(key).await;
    assert_eq!(stats["submits_received"], 5);
    assert_eq!(stats["jobs_created"], 3);
    assert_eq!(stats["concurrency_refused"], 1);
    assert_eq!(stats["duplicates_prevented"], 1);
    assert_eq!(stats["account_requests"], 2);

    // Auth and faults apply to /v2/me like every route (`any` rules only).
    let denied = emu
        .client
        .get(format!("{}/v2/me", emu.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(denied.status(), 401);
    for (spec, status) in [("any:503x1", 503), ("poll:503", 200), ("submit:503", 200)] {
        let reply = emu
            .client
            .get(format!("{}/_fault/{spec}/v2/me", emu.base))
            .header("x-api-key", key)
            .send()
            .await
            .expect("sent");
        assert_eq!(reply.status(), status, "{spec}");
    }
}

#[tokio::test]
async fn the_default_limit_leaves_room_for_every_test_tier() {
    let emu = start().await;
    let reply = emu
        .client
        .get(format!("{}/v2/me", emu.base))
        .header("x-api-key", "afk_default")
        .send()
        .await
        .expect("sent");
    let account: Value = reply.json().await.expect("json");
    assert_eq!(
        account["team"]["maxConcurrentJobs"],
        gpt_image_emulator::DEFAULT_MAX_CONCURRENT_JOBS
    );
    for i in 0..gpt_image_emulator::DEFAULT_MAX_CONCURRENT_JOBS {
        emu.apiframe_job_id("afk_default", &apiframe_body(&format!("job {i}")))
            .await;
    }
    let over = emu
        .apiframe_submit("afk_default", &apiframe_body("one too many"), &[])
        .await;
    assert_eq!(over.status(), 429);
}

#[tokio::test]
async fn listing_filters_by_statuses_and_id_and_is_counted_apart_from_polls() {
    let emu = start_with(Config {
        time_scale: 0.02,
        fault: None,
        ..Config::default()
    })
    .await;
    let key = "afk_filter";
    let done = emu.apiframe_job_id(key, &apiframe_body("done")).await;
    emu.apiframe_wait(key, &done).await;
    let failed = emu
        .apiframe_submit(
            key,
            &apiframe_body("failed"),
            &[("x-emulator-fault", "submit:fail")],
        )
        .await;
    let failed = job_id(failed).await;
    emu.apiframe_wait(key, &failed).await;
    let running = emu.apiframe_job_id(key, &apiframe_body("running")).await;
    let ids = |page: &Value| -> Vec<String> {
        page["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .map(|job| job["id"].as_str().expect("id").to_string())
            .collect()
    };
    let page = emu.apiframe_list(key, "?status=completed,FAILED").await;
    assert_eq!(
        ids(&page),
        vec![failed.clone(), done.clone()],
        "newest first"
    );
    let page = emu.apiframe_list(key, "?status=QUEUED,PROCESSING").await;
    assert_eq!(ids(&page), vec![running.clone()]);
    let listed = &page["jobs"][0];
    for field in [
        "id",
        "status",
        "progress",
        "createdAt",
        "creditCost",
        "model",
    ] {
        assert!(listed.get(field).is_some(), "{field} in {listed}");
    }
    let page = emu
        .apiframe_list(key, &format!("?search={done}&scope=team"))
        .await;
    assert_eq!(ids(&page), vec![done.clone()]);
    assert_eq!(page["hasMore"], false);
    let page = emu.apiframe_list(key, "?limit=100").await;
    assert_eq!(ids(&page).len(), 3);
    let bad = emu.apiframe_list(key, "?status=QUEUED,DONE").await;
    assert_eq!(bad["error"]["code"], "invalid_parameter");

    let stats = emu.stats(key).await;
    assert_eq!(stats["list_requests"], 5);
    assert_eq!(stats["jobs_created"], 3);
    // Polls count only single-job status requests, per job.
    let polls = stats["polls"].as_object().expect("polls");
    assert!(
        polls.keys().all(|id| *id == done || *id == failed),
        "{polls:?}"
    );
    assert_eq!(
        stats["polls_total"],
        polls.values().map(|n| n.as_u64().expect("n")).sum::<u64>()
    );
    assert_eq!(emu.stats("afk_nobody").await["faults_fired"], json!({}));
}
