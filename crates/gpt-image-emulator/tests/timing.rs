//! Job durations drawn from `--duration` distributions and progress patterns (`--progress`),
//! over HTTP, and the binary's flags for them.

mod support;

use std::time::{Duration, Instant};

use gpt_image_emulator::{Config, Distribution, Progress, ProgressSetting};
use serde_json::Value;
use support::{apiframe_body, apiinone_body, start_with, task_id};

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

/// One poll of a traced job: bounds on the job's age when the server answered (seconds), its
/// status and its progress (None when the field is absent).
#[derive(Debug)]
struct Poll {
    /// At least this old: from the submit's reply to the poll's sending.
    lo: f64,
    /// At most this old: from the submit's sending to the poll's reply.
    hi: f64,
    status: String,
    progress: Option<u64>,
}

/// Polls an Apiframe job every 20 ms until done. Ages are bounds, not readings, so the
/// assertions hold however slowly a loaded machine answers.
async fn trace(emu: &support::Emulator, key: &str) -> Vec<Poll> {
    let sent = Instant::now();
    let id = emu.apiframe_job_id(key, &apiframe_body("traced")).await;
    let created_by = Instant::now();
    let mut seen = Vec::new();
    loop {
        let lo = created_by.elapsed().as_secs_f64();
        let job: Value = emu
            .apiframe_job(key, &id, &[])
            .await
            .json()
            .await
            .expect("json");
        let status = job["status"].as_str().expect("status").to_string();
        let done = status == "COMPLETED" || status == "FAILED";
        seen.push(Poll {
            lo,
            hi: sent.elapsed().as_secs_f64(),
            status,
            progress: job["progress"].as_u64(),
        });
        if done {
            return seen;
        }
        assert!(sent.elapsed() < Duration::from_secs(10), "{seen:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn fixed_durations_per_provider() {
    let emu = fixed(0.6, 0.3, ProgressSetting::default(), 0).await;
    let seen = trace(&emu, "afk_fixed").await;
    assert!(
        seen.iter()
            .filter(|p| p.hi < 0.6)
            .all(|p| p.status != "COMPLETED"),
        "not done before 0.6 s: {seen:?}"
    );
    assert!(
        seen.iter().any(|p| p.lo >= 0.6 || p.status == "COMPLETED"),
        "{seen:?}"
    );
    let first_done = seen.iter().find(|p| p.status == "COMPLETED").expect("done");
    assert!(first_done.lo < 3.0, "done soon after 0.6 s: {seen:?}");
    let sent = Instant::now();
    let reply = emu
        .apiinone_submit("aio_fixed", &apiinone_body("quick one"), &[])
        .await;
    let id = task_id(reply).await;
    let task = emu.apiinone_wait("aio_fixed", &id, &[]).await;
    assert_eq!(task["data"]["status"], "completed");
    assert!(
        sent.elapsed() >= Duration::from_millis(300),
        "{:?}",
        sent.elapsed()
    );
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "{:?}",
        sent.elapsed()
    );
}

#[tokio::test]
async fn progress_patterns_over_http() {
    let processing = |seen: &[Poll]| -> Vec<u64> {
        seen.iter()
            .filter(|p| p.status == "PROCESSING")
            .map(|p| p.progress.expect("progress"))
            .collect()
    };
    // linear: rises through the middle values.
    let linear = trace(
        &fixed(0.8, 0.3, ProgressSetting::One(Progress::Linear), 0).await,
        "afk_l",
    )
    .await;
    let middle = processing(&linear)
        .into_iter()
        .filter(|p| (10..=90).contains(p) && *p != 50)
        .count();
    assert!(middle >= 2, "{linear:?}");
    // coarse: only 0 and 50 while processing; 0 for the first half of the duration.
    let coarse = trace(
        &fixed(0.8, 0.3, ProgressSetting::One(Progress::Coarse), 0).await,
        "afk_c",
    )
    .await;
    assert!(
        processing(&coarse).iter().all(|p| matches!(p, 0 | 50)),
        "{coarse:?}"
    );
    assert!(
        coarse
            .iter()
            .filter(|p| p.hi < 0.4)
            .all(|p| p.progress == Some(0)),
        "{coarse:?}"
    );
    assert!(
        coarse
            .iter()
            .filter(|p| p.lo >= 0.4 && p.status == "PROCESSING")
            .all(|p| p.progress == Some(50)),
        "{coarse:?}"
    );
    // front: 90 or more once a fifth of the processing time has passed (0.28 s of 1 s).
    let front = trace(
        &fixed(1.0, 0.3, ProgressSetting::One(Progress::Front), 0).await,
        "afk_f",
    )
    .await;
    assert!(
        front
            .iter()
            .filter(|p| p.lo >= 0.3)
            .all(|p| p.progress.expect("progress") >= 90),
        "{front:?}"
    );
    assert!(processing(&front).iter().all(|p| *p < 100), "{front:?}");
    // none: no progress field on either provider, whatever the status.
    let emu = fixed(0.4, 0.3, ProgressSetting::One(Progress::None), 0).await;
    let none = trace(&emu, "afk_n").await;
    assert!(none.iter().all(|p| p.progress.is_none()), "{none:?}");
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
    /// The progress of 12 jobs of 4 s, read 1.2 s after the last submit (30 % or more of the
    /// way, under half while the submits take under 0.8 s), which tells the patterns apart:
    /// none has no field, coarse is 0, front 90 or more, linear in between.
    async fn patterns(seed: u64) -> Vec<Option<u64>> {
        let emu = fixed(4.0, 0.3, ProgressSetting::Mixed, seed).await;
        for i in 0..12 {
            emu.apiframe_job_id("afk_mixed", &apiframe_body(&format!("job {i}")))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let listed = emu.apiframe_list("afk_mixed", "?limit=100").await;
        listed["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .rev()
            .map(|job| job["progress"].as_u64())
            .collect()
    }
    let (a, b) = tokio::join!(patterns(21), patterns(21));
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
