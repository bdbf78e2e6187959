//! Shared test support: start the emulator in-process on 127.0.0.1:0 and talk to it.

#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use gpt_image_emulator::{Config, router};
use serde_json::{Value, json};

/// Time scale used by the tests: a 15 s Apiframe job takes about 0.3 s.
pub const TIME_SCALE: f64 = 0.02;

/// A running emulator.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Client for requests.
    pub client: reqwest::Client,
}

/// Starts an emulator with the test time scale.
pub async fn start() -> Emulator {
    start_with(Config {
        time_scale: TIME_SCALE,
        ..Config::default()
    })
    .await
}

/// Starts an emulator with this config.
pub async fn start_with(config: Config) -> Emulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, router(config)).await });
    Emulator {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
    }
}

impl Emulator {
    /// `POST /v2/images/generate` with `key` and optional extra headers.
    pub async fn apiframe_submit(
        &self,
        key: &str,
        body: &Value,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        self.apiframe_submit_at(&self.base, key, body, extra).await
    }

    /// Like [`Emulator::apiframe_submit`] with another base (e.g. a `/_fault/SPEC` prefix).
    pub async fn apiframe_submit_at(
        &self,
        base: &str,
        key: &str,
        body: &Value,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let request = self
            .client
            .post(format!("{base}/v2/images/generate"))
            .header("x-api-key", key)
            .json(body);
        send(request, extra, "submit sent").await
    }

    /// `GET /v2/jobs/{id}`.
    pub async fn apiframe_job(
        &self,
        key: &str,
        id: &str,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let request = self
            .client
            .get(format!("{}/v2/jobs/{id}", self.base))
            .header("x-api-key", key);
        send(request, extra, "poll sent").await
    }

    /// `POST /api/v1/images/generations`.
    pub async fn apiinone_submit(
        &self,
        key: &str,
        body: &Value,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let request = self
            .client
            .post(format!("{}/api/v1/images/generations", self.base))
            .bearer_auth(key)
            .json(body);
        send(request, extra, "submit sent").await
    }

    /// `GET /api/v1/tasks/{id}`.
    pub async fn apiinone_task(
        &self,
        key: &str,
        id: &str,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let request = self
            .client
            .get(format!("{}/api/v1/tasks/{id}", self.base))
            .bearer_auth(key);
        send(request, extra, "poll sent").await
    }

    /// `GET /v2/jobs{query}` with `key`, as JSON.
    pub async fn apiframe_list(&self, key: &str, query: &str) -> Value {
        let request = self
            .client
            .get(format!("{}/v2/jobs{query}", self.base))
            .header("x-api-key", key);
        json_of(request).await
    }

    /// `GET {path}` with no key, as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        json_of(self.client.get(format!("{}{path}", self.base))).await
    }

    /// Submits an Apiframe job and returns its id.
    pub async fn apiframe_job_id(&self, key: &str, body: &Value) -> String {
        let reply = self.apiframe_submit(key, body, &[]).await;
        assert_eq!(reply.status(), 202);
        job_id(reply).await
    }

    /// Polls an Apiframe job until COMPLETED or FAILED.
    pub async fn apiframe_wait(&self, key: &str, id: &str) -> Value {
        let poll = || async {
            self.apiframe_job(key, id, &[])
                .await
                .json()
                .await
                .expect("job json")
        };
        let finished = |job: &Value| matches!(job["status"].as_str(), Some("COMPLETED" | "FAILED"));
        wait_for(&format!("job {id}"), poll, finished).await
    }

    /// Polls an API in One task until completed or failed.
    pub async fn apiinone_wait(&self, key: &str, id: &str, extra: &[(&str, &str)]) -> Value {
        let poll = || async {
            self.apiinone_task(key, id, extra)
                .await
                .json()
                .await
                .expect("task json")
        };
        let finished = |task: &Value| {
            matches!(
                task["data"]["status"].as_str(),
                Some("completed" | "failed")
            )
        };
        wait_for(&format!("task {id}"), poll, finished).await
    }

    /// `GET /_emulator/stats?key=…`.
    pub async fn stats(&self, key: &str) -> Value {
        self.client
            .get(format!("{}/_emulator/stats", self.base))
            .query(&[("key", key)])
            .send()
            .await
            .expect("stats sent")
            .json()
            .await
            .expect("stats json")
    }

    /// Downloads and decodes an image.
    pub async fn image(&self, url: &str) -> image::RgbaImage {
        let reply = self.client.get(url).send().await.expect("image sent");
        assert_eq!(reply.status(), 200, "{url}");
        let bytes = reply.bytes().await.expect("image bytes");
        image::load_from_memory(&bytes)
            .expect("decodable image")
            .to_rgba8()
    }
}

/// Sends `request` with the `extra` headers added; `sent` names it if it cannot be sent.
async fn send(
    mut request: reqwest::RequestBuilder,
    extra: &[(&str, &str)],
    sent: &str,
) -> reqwest::Response {
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.expect(sent)
}

/// Sends `request` and reads its JSON body.
async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

/// Asserts that an Apiframe error body carries a `requestId` of the form `req_…`.
pub fn assert_request_id(error: &Value) {
    assert!(
        error["requestId"]
            .as_str()
            .expect("requestId")
            .starts_with("req_")
    );
}

/// Polls with `poll` every 40 ms until `finished` holds, for at most 10 s; `what` names the job
/// or task in the failure message.
async fn wait_for<Fut>(
    what: &str,
    poll: impl Fn() -> Fut,
    finished: impl Fn(&Value) -> bool,
) -> Value
where
    Fut: Future<Output = Value>,
{
    let started = Instant::now();
    loop {
        let body = poll().await;
        if finished(&body) {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what} never finished: {body}"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// The `jobId` of an Apiframe submit reply.
pub async fn job_id(reply: reqwest::Response) -> String {
    reply.json::<Value>().await.expect("json")["jobId"]
        .as_str()
        .expect("jobId")
        .to_string()
}

/// The `data.task_id` of an API in One submit reply.
pub async fn task_id(reply: reqwest::Response) -> String {
    reply.json::<Value>().await.expect("json")["data"]["task_id"]
        .as_str()
        .expect("task_id")
        .to_string()
}

/// A minimal valid Apiframe submit body.
pub fn apiframe_body(prompt: &str) -> Value {
    json!({
        "prompt": prompt,
        "model": "gpt-image-1.5",
        "gptImageParams": {"quality": "low", "aspect_ratio": "1:1", "number_of_images": 1, "output_format": "png"}
    })
}

/// A minimal valid API in One submit body.
pub fn apiinone_body(prompt: &str) -> Value {
    json!({"model": "gpt-image-1-5", "prompt": prompt})
}

/// Mean absolute difference per channel between two same-sized images.
pub fn difference(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}
