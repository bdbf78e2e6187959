//! Job durations drawn from `--duration` distributions and progress patterns (`--progress`),
//! over HTTP, and the binary's flags for them.

mod support;

use std::time::{Duration, Instant};

use gpt_image_emulator::{Config, Distribution, Progress, ProgressSetting};
use serde_json::Value;
use support::{apiframe_body, apiinone_body, job_id, start_with, task_id};

/// An emulator with fixed durations (time scale 1) and this progress setting.
async fn fixed(
    apiframe: f64,
    apiinone: f64,
    progress: ProgressSetting,
    seed: u64,
) -> support::Emulator {
    start_with(Config {
        time_scale: 1.0,
        seed,
        apiframe_duration: Distribution::Fixed(Duration::from_secs_f64(apiframe)),
        apiinone_duration: Distribution::Fixed(Duration::from_secs_f64(apiinone)),
        progress,
        max_concurrent_jobs: 0,
        ..Config::default()
    })
    .await
}

/// Polls an Apiframe job every 20 ms until done, returning (seconds since submit, status,
/// progress or None) for each poll.
async fn trace(emu: &support::Emulator, key: &str) -> Vec<(f64, String, Option<u64>)> {
    let started = Instant::now();
    let id = emu.apiframe_job_id(key, &apiframe_body("traced")).await;
    let mut seen = Vec::new();
    loop {
        let job: Value = emu
            .apiframe_job(key, &id, &[])
            .await
            .json()
            .await
            .expect("json");
        let status = job["status"].as_str().expect("status").to_string();
        seen.push((
            started.elapsed().as_secs_f64(),
            status.clone(),
            job["progress"].as_u64(),
        ));
        if status == "COMPLETED" || status == "FAILED" {
            assert!(job.get("progress").is_some() || seen.iter().all(|s| s.2.is_none()));
            return seen;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{seen:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn fixed_durations_per_provider() {
    let emu = fixed(0.6, 0.3, ProgressSetting::default(), 0).await;
    let started = Instant::now();
    let seen = trace(&emu, "afk_fixed").await;
    let done_at = seen.last().expect("polls").0;
    assert!((0.6..0.9).contains(&done_at), "{done_at}");
    assert!(started.elapsed() < Duration::from_secs(2));
    let reply = emu
        .apiinone_submit("aio_fixed", &apiinone_body("quick one"), &[])
        .await;
    let id = task_id(reply).await;
    let started = Instant::now();
    let task = emu.apiinone_wait("aio_fixed", &id, &[]).await;
    assert_eq!(task["data"]["status"], "completed");
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn progress_patterns_over_http() {
    // linear: rises through the middle values.
    let linear = trace(
        &fixed(0.8, 0.3, ProgressSetting::One(Progress::Linear), 0).await,
        "afk_l",
    )
    .await;
    let middle = |seen: &[(f64, String, Option<u64>)]| {
        seen.iter()
            .filter_map(|s| s.2)
            .filter(|p| (10..=90).contains(p) && *p != 50)
            .count()
    };
    assert!(middle(&linear) >= 3, "{linear:?}");
    // coarse: only 0, 50 and 100.
    let coarse = trace(
        &fixed(0.8, 0.3, ProgressSetting::One(Progress::Coarse), 0).await,
        "afk_c",
    )
    .await;
    assert!(
        coarse.iter().all(|s| matches!(s.2, Some(0 | 50 | 100))),
        "{coarse:?}"
    );
    assert!(coarse.iter().any(|s| s.2 == Some(50)), "{coarse:?}");
    assert!(
        coarse.iter().filter(|s| s.0 < 0.35).all(|s| s.2 == Some(0)),
        "{coarse:?}"
    );
    // front: 90 or more by 40 % of the time.
    let front = trace(
        &fixed(1.0, 0.3, ProgressSetting::One(Progress::Front), 0).await,
        "afk_f",
    )
    .await;
    let early = front
        .iter()
        .filter(|s| (0.4..0.9).contains(&s.0))
        .map(|s| s.2.expect("progress"));
    assert!(
        early.clone().count() > 0 && early.clone().all(|p| p >= 90),
        "{front:?}"
    );
    // none: no progress field on either provider.
    let emu = fixed(0.4, 0.3, ProgressSetting::One(Progress::None), 0).await;
    let none = trace(&emu, "afk_n").await;
    assert!(none.iter().all(|s| s.2.is_none()), "{none:?}");
    let listed = emu.apiframe_list("afk_n", "").await;
    assert!(listed["jobs"][0].get("progress").is_none(), "{listed}");
    let id = task_id(
        emu.apiinone_submit("aio_n", &apiinone_body("quiet"), &[])
            .await,
    )
    .await;
    let task: Value = emu
        .apiinone_task("aio_n", &id, &[])
        .await
        .json()
        .await
        .expect("json");
    assert!(task["data"].get("progress").is_none(), "{task}");
    assert!(task["data"]["status"].is_string());
}

#[tokio::test]
async fn mixed_patterns_follow_the_seed() {
    /// The progress of 12 jobs of 2 s, 35–50 % of the way through, which tells the patterns
    /// apart: none has no field, coarse is 0, front 90 or more, linear in between.
    async fn patterns(seed: u64) -> Vec<Option<u64>> {
        let emu = fixed(2.0, 0.3, ProgressSetting::Mixed, seed).await;
        let mut ids = Vec::new();
        for i in 0..12 {
            let reply = emu
                .apiframe_submit("afk_mixed", &apiframe_body(&format!("job {i}")), &[])
                .await;
            ids.push(job_id(reply).await);
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
        let listed = emu.apiframe_list("afk_mixed", "?limit=100").await;
        listed["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .rev()
            .map(|job| job["progress"].as_u64())
            .collect()
    }
    let (a, b) = (patterns(21).await, patterns(21).await);
    assert_eq!(a.len(), 12);
    let kind = |p: &Option<u64>| match p {
        None => "none",
        Some(0) => "coarse",
        Some(p) if *p >= 90 => "front",
        Some(_) => "linear",
    };
    let kinds: Vec<_> = a.iter().map(kind).collect();
    assert_eq!(
        kinds,
        b.iter().map(kind).collect::<Vec<_>>(),
        "same seed, same patterns"
    );
    let distinct: std::collections::BTreeSet<_> = kinds.iter().collect();
    assert!(distinct.len() >= 3, "{kinds:?}");
}

#[tokio::test]
async fn binary_takes_the_timing_flags() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gpt-image-emulator"))
        .args([
            "--port",
            "0",
            "--time-scale",
            "0.05",
            "--seed",
            "3",
            "--progress",
            "mixed",
            "--duration",
            "lognormal:median=6s,sigma=0.35",
            "--apiframe-duration",
            "fixed:10s",
            "--max-concurrent-jobs",
            "1",
            "--cors",
            "off",
            "--fault",
            "poll:503@0.5",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("prints in time")
    .expect("reads");
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .expect("the line")
        .to_string();
    let client = reqwest::Client::new();
    let me: Value = client
        .get(format!("{base}/v2/me"))
        .header("x-api-key", "afk_bin")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(me["team"]["maxConcurrentJobs"], 1);
    child.kill().await.expect("stops");

    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_gpt-image-emulator"))
        .args(["--port", "0", "--duration", "lognormal:median=6s"])
        .output()
        .await
        .expect("runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("sigma"));
}
