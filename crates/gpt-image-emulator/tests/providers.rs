//! Both providers end to end over HTTP: happy paths with real images, validation, auth,
//! idempotency, listing, statistics, webhooks, derived images, CORS and static files.

mod support;

use std::time::Duration;

use base64::Engine;
use gpt_image_emulator::Config;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{
    apiframe_body, apiinone_body, assert_request_id, difference, start, start_with, task_id,
};

#[tokio::test]
async fn apiframe_job_completes_with_transparent_images_of_the_right_size() {
    let emu = start().await;
    let key = "afk_happy";
    let body = json!({
        "prompt": "a lighthouse at dusk",
        "model": "gpt-image-1.5",
        "gptImageParams": {
            "quality": "high", "aspect_ratio": "3:2", "background": "transparent",
            "number_of_images": 2, "output_format": "png", "input_fidelity": "low"
        }
    });
    let reply = emu.apiframe_submit(key, &body, &[]).await;
    assert_eq!(reply.status(), 202);
    assert!(
        reply.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .starts_with("req_")
    );
    let accepted: Value = reply.json().await.expect("json");
    assert_eq!(accepted["status"], "QUEUED");
    let id = accepted["jobId"].as_str().expect("jobId").to_string();
    assert_eq!(id.len(), 36);

    let early: Value = emu
        .apiframe_job(key, &id, &[])
        .await
        .json()
        .await
        .expect("json");
    assert!(matches!(
        early["status"].as_str(),
        Some("QUEUED" | "PROCESSING")
    ));
    assert_eq!(early["result"], Value::Null);
    assert_eq!(early["completedAt"], Value::Null);
    let not_yet = emu
        .client
        .get(format!("{}/files/{id}/0.png", emu.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        not_yet.status(),
        404,
        "images are served only once COMPLETED"
    );

    let job = emu.apiframe_wait(key, &id).await;
    assert_eq!(job["status"], "COMPLETED");
    assert_eq!(job["progress"], 100);
    assert_eq!(job["model"], "gpt-image-1.5");
    assert_eq!(job["creditCost"], 16, "high = 8 credits x 2 images");
    assert_eq!(job["error"], Value::Null);
    assert_eq!(job["webhookStatus"], Value::Null);
    assert!(job["createdAt"].as_str().expect("createdAt").ends_with('Z'));
    assert!(job["completedAt"].is_string());
    let urls: Vec<&str> = job["result"]["images"]
        .as_array()
        .expect("images")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(urls.len(), 2);
    assert_eq!(urls[1], format!("{}/files/{id}/1.png", emu.base));

    let reply = emu.client.get(urls[0]).send().await.expect("sent");
    assert_eq!(reply.headers()["content-type"], "image/png");
    assert_eq!(reply.headers()["cache-control"], "public, max-age=86400");
    let first = emu.image(urls[0]).await;
    let second = emu.image(urls[1]).await;
    assert_eq!(first.dimensions(), (1536, 1024));
    assert!(
        first.pixels().any(|p| p[3] == 0),
        "transparent background has real alpha"
    );
    assert!(first.pixels().any(|p| p[3] == 255));
    assert!(difference(&first, &second) > 5.0, "images differ per index");

    // The same image as JPEG and WebP, on request; localhost URLs when the client used localhost.
    let jpeg = emu.image(&format!("{}/files/{id}/0.jpg", emu.base)).await;
    assert_eq!(jpeg.dimensions(), (1536, 1024));
    let local = emu.base.replace("127.0.0.1", "localhost");
    let via_localhost: Value = emu
        .client
        .get(format!("{local}/v2/jobs/{id}"))
        .header("x-api-key", key)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(
        via_localhost["result"]["images"][0]
            .as_str()
            .expect("url")
            .starts_with("http://localhost:")
    );
}

#[tokio::test]
async fn apiframe_output_formats_and_aspects() {
    let emu = start().await;
    let key = "afk_formats";
    let body = json!({"prompt": "tall tree", "model": "gpt-image-1.5",
        "gptImageParams": {"aspect_ratio": "2:3", "output_format": "webp", "background": "transparent"}});
    let id = emu.apiframe_job_id(key, &body).await;
    let job = emu.apiframe_wait(key, &id).await;
    let url = job["result"]["images"][0].as_str().expect("url");
    assert!(url.ends_with("/0.webp"));
    let reply = emu.client.get(url).send().await.expect("sent");
    assert_eq!(reply.headers()["content-type"], "image/webp");
    let image = emu.image(url).await;
    assert_eq!(image.dimensions(), (1024, 1536));
    assert!(image.pixels().any(|p| p[3] == 0));
    assert_eq!(job["creditCost"], 4, "auto = 4 credits");
}

#[tokio::test]
async fn jobs_with_the_same_prompt_get_the_same_image_even_when_asked_for_at_once() {
    let emu = start().await;
    let key = "afk_same_prompt";
    let mut urls = vec![];
    for _ in 0..4 {
        let id = emu
            .apiframe_job_id(key, &apiframe_body("one prompt, four jobs"))
            .await;
        let job = emu.apiframe_wait(key, &id).await;
        urls.push(job["result"]["images"][0].as_str().expect("url").to_owned());
    }
    let other = emu
        .apiframe_job_id(key, &apiframe_body("another prompt"))
        .await;
    let other = emu.apiframe_wait(key, &other).await;
    urls.push(
        other["result"]["images"][0]
            .as_str()
            .expect("url")
            .to_owned(),
    );
    // Every request arrives before any rendering is done: they share it, and none fails.
    let images = futures_util::future::join_all(urls.iter().map(|url| emu.image(url))).await;
    assert!(images[1..4].iter().all(|image| *image == images[0]));
    assert!(
        difference(&images[0], &images[4]) > 5.0,
        "another prompt, another image"
    );
}

#[tokio::test]
async fn apiinone_task_completes_with_an_image() {
    let emu = start().await;
    let key = "aio_happy";
    let reply = emu
        .apiinone_submit(key, &json!({"model": "gpt-image-1-5", "prompt": "a red fox", "aspect_ratio": "2:3", "quality": "high", "callback_url": "https://example.com/cb"}), &[])
        .await;
    assert_eq!(reply.status(), 200);
    let created: Value = reply.json().await.expect("json");
    assert_eq!(created["code"], 200);
    assert_eq!(created["message"], "success");
    assert_eq!(created["data"]["status"], "IN_PROGRESS");
    let id = created["data"]["task_id"]
        .as_str()
        .expect("task_id")
        .to_string();
    assert!(id.starts_with("task_"));

    let task = emu.apiinone_wait(key, &id, &[]).await;
    let data = &task["data"];
    assert_eq!(task["code"], 200);
    assert_eq!(data["status"], "completed");
    assert_eq!(data["progress"], 100);
    assert_eq!(data["credits"], 28);
    assert!(data.get("error").is_none());
    let image = &data["result"]["images"][0];
    let url = image["url"][0].as_str().expect("url array");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let expires = image["expires_at"].as_u64().expect("expires_at");
    assert!(
        expires > now + 86_000 && expires <= now + 86_401,
        "{expires} vs {now}"
    );
    let decoded = emu.image(url).await;
    assert_eq!(decoded.dimensions(), (1024, 1536));

    // Tasks belong to their key.
    let other = emu.apiinone_task("aio_someone_else", &id, &[]).await;
    assert_eq!(other.status(), 404);
    let body: Value = other.json().await.expect("json");
    assert_eq!(body["error"]["type"], "not_found");
    assert_eq!(body["error"]["code"], 404);
}

async fn apiframe_error(emu: &support::Emulator, body: Value) -> (u16, Value, String) {
    let reply = emu.apiframe_submit("afk_validation", &body, &[]).await;
    let status = reply.status().as_u16();
    let request_id = reply.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_string();
    (status, reply.json().await.expect("json"), request_id)
}

#[tokio::test]
async fn apiframe_validation_errors_name_the_field() {
    let emu = start().await;
    let with_params = |params: Value| json!({"prompt": "a cat", "model": "gpt-image-1.5", "gptImageParams": params});
    let cases = [
        (
            with_params(json!({"quality": "ultra"})),
            "quality",
            "invalid_parameter",
        ),
        (
            with_params(json!({"number_of_images": 11})),
            "number_of_images",
            "invalid_parameter",
        ),
        (
            with_params(json!({"output_format": "gif"})),
            "output_format",
            "invalid_parameter",
        ),
        (
            with_params(json!({"n": 2})),
            "gptImageParams.n",
            "unknown_parameter",
        ),
        (
            json!({"prompt": "x".repeat(2001), "model": "gpt-image-1.5"}),
            "prompt",
            "invalid_parameter",
        ),
        (json!({"prompt": "a cat"}), "model", "invalid_parameter"),
    ];
    for (body, field, code) in cases {
        let (status, error, request_id) = apiframe_error(&emu, body).await;
        assert_eq!(status, 400, "{error}");
        assert_eq!(error["error"]["code"], code, "{error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .expect("message")
                .contains(field),
            "{error}"
        );
        assert_eq!(error["requestId"], request_id.as_str());
    }
    let not_json = emu
        .client
        .post(format!("{}/v2/images/generate", emu.base))
        .header("x-api-key", "afk_validation")
        .body("{nope")
        .send()
        .await
        .expect("sent");
    assert_eq!(not_json.status(), 400);
    let stats = emu.stats("afk_validation").await;
    assert_eq!(stats["submits_received"], 7);
    assert_eq!(stats["jobs_created"], 0);
}

#[tokio::test]
async fn apiinone_validation_errors() {
    let emu = start().await;
    let cases = [
        (json!({"prompt": "a cat"}), "model"),
        (
            json!({"model": "gpt-image-1.5", "prompt": "a cat"}),
            "model",
        ),
        (json!({"model": "gpt-image-1-5", "prompt": "ab"}), "prompt"),
        (
            json!({"model": "gpt-image-1-5", "prompt": "x".repeat(5001)}),
            "prompt",
        ),
        (
            json!({"model": "gpt-image-1-5", "prompt": "a cat", "quality": "low"}),
            "quality",
        ),
        (
            json!({"model": "gpt-image-1-5", "prompt": "a cat", "n": 2}),
            "'n'",
        ),
        (
            json!({"model": "gpt-image-1-5", "prompt": "a cat", "background": "transparent"}),
            "background",
        ),
    ];
    for (body, field) in cases {
        let reply = emu.apiinone_submit("aio_validation", &body, &[]).await;
        assert_eq!(reply.status(), 400);
        let error: Value = reply.json().await.expect("json");
        assert_eq!(error["error"]["code"], 400, "{error}");
        assert_eq!(error["error"]["type"], "invalid_request", "{error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .expect("message")
                .contains(field),
            "{error}"
        );
    }
}

#[tokio::test]
async fn auth_errors_in_each_shape() {
    let emu = start().await;
    let without_key = |path: &str, body: &Value| {
        emu.client
            .post(format!("{}{path}", emu.base))
            .json(body)
            .send()
    };
    let body = apiframe_body("a cat");
    let no_key = without_key("/v2/images/generate", &body)
        .await
        .expect("sent");
    assert_eq!(no_key.status(), 401);
    let error: Value = no_key.json().await.expect("json");
    assert_eq!(error["error"]["code"], "missing_api_key");
    assert_request_id(&error);
    for (key, status, code) in [
        ("sk-not-apiframe", 401, "invalid_api_key"),
        ("afk_your_api_key_here", 401, "placeholder_api_key"),
        ("YOUR_API_KEY", 401, "placeholder_api_key"),
        ("afk_inactive_team", 403, "inactive_api_key"),
    ] {
        let reply = emu.apiframe_submit(key, &body, &[]).await;
        assert_eq!(reply.status(), status, "{key}");
        let error: Value = reply.json().await.expect("json");
        assert_eq!(error["error"]["code"], code, "{key}");
        if code == "placeholder_api_key" {
            assert!(
                error["error"]["message"]
                    .as_str()
                    .expect("message")
                    .contains("documentation's placeholder")
            );
        }
    }
    let poll = emu.apiframe_job("afk_inactive", "x", &[]).await;
    assert_eq!(poll.status(), 403);

    let body = apiinone_body("a cat");
    let no_key = without_key("/api/v1/images/generations", &body)
        .await
        .expect("sent");
    assert_eq!(no_key.status(), 401);
    let error: Value = no_key.json().await.expect("json");
    assert_eq!(error["error"]["type"], "authentication_error");
    assert_eq!(error["error"]["code"], 401);
    for (key, status) in [
        ("afk_wrong_provider", 401),
        ("aio_your_key", 401),
        ("YOUR_API_KEY", 401),
        ("aio_inactive_x", 403),
    ] {
        let reply = emu.apiinone_submit(key, &body, &[]).await;
        assert_eq!(reply.status(), status, "{key}");
        let error: Value = reply.json().await.expect("json");
        assert_eq!(error["error"]["type"], "authentication_error");
        assert_eq!(error["error"]["code"], status);
    }
}

#[tokio::test]
async fn idempotency_key_returns_the_same_job() {
    let emu = start().await;
    let key = "afk_idem";
    let body = apiframe_body("same request twice");
    let headers = [("idempotency-key", "order-42")];
    let first: Value = emu
        .apiframe_submit(key, &body, &headers)
        .await
        .json()
        .await
        .expect("json");
    let reply = emu.apiframe_submit(key, &body, &headers).await;
    assert_eq!(reply.status(), 202);
    let second: Value = reply.json().await.expect("json");
    assert_eq!(first["jobId"], second["jobId"]);
    // The same idempotency key under another API key is another job.
    let other: Value = emu
        .apiframe_submit("afk_idem_other", &body, &headers)
        .await
        .json()
        .await
        .expect("json");
    assert_ne!(other["jobId"], first["jobId"]);

    let stats = emu.stats(key).await;
    assert_eq!(stats["submits_received"], 2);
    assert_eq!(stats["jobs_created"], 1);
    assert_eq!(stats["duplicates_prevented"], 1);
    let everyone = emu.get_json("/_emulator/stats").await;
    assert_eq!(everyone["jobs_created"], 2);
    assert_eq!(everyone["submits_received"], 3);
}

#[tokio::test]
async fn jobs_belong_to_their_key_and_polls_are_counted() {
    let emu = start().await;
    let id = emu
        .apiframe_job_id("afk_owner", &apiframe_body("mine"))
        .await;
    assert_eq!(
        emu.apiframe_job("afk_stranger", &id, &[]).await.status(),
        404
    );
    let missing = emu
        .apiframe_job("afk_owner", "00000000-0000-4000-8000-000000000000", &[])
        .await;
    assert_eq!(missing.status(), 404);
    let error: Value = missing.json().await.expect("json");
    assert_eq!(error["error"]["code"], "not_found");
    emu.apiframe_job("afk_owner", &id, &[]).await;
    emu.apiframe_job("afk_owner", &id, &[]).await;
    let stats = emu.stats("afk_owner").await;
    assert_eq!(stats["polls"][&id], 2);
    assert_eq!(stats["polls_total"], 3);
    assert_eq!(emu.stats("afk_stranger").await["polls"][&id], 1);
    let health = emu.get_json("/_emulator/health").await;
    assert_eq!(health, json!({"ok": true}));
}

#[tokio::test]
async fn list_jobs_pages_newest_first() {
    let emu = start().await;
    let key = "afk_lister";
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            emu.apiframe_job_id(key, &apiframe_body(&format!("picture {i}")))
                .await,
        );
    }
    emu.apiframe_job_id("afk_not_the_lister", &apiframe_body("other"))
        .await;
    let list = |cursor: Option<String>| {
        let emu = &emu;
        async move {
            let mut request = emu
                .client
                .get(format!("{}/v2/jobs", emu.base))
                .header("x-api-key", key)
                .query(&[("limit", "2")]);
            if let Some(cursor) = cursor {
                request = request.query(&[("cursor", cursor)]);
            }
            let page: Value = request
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            page
        }
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = list(cursor).await;
        pages += 1;
        let jobs = page["jobs"].as_array().expect("jobs");
        seen.extend(
            jobs.iter()
                .map(|j| j["id"].as_str().expect("id").to_string()),
        );
        if page["hasMore"] == true {
            assert_eq!(jobs.len(), 2);
            cursor = Some(page["nextCursor"].as_str().expect("nextCursor").to_string());
        } else {
            assert_eq!(page["nextCursor"], Value::Null);
            break;
        }
    }
    assert_eq!(pages, 3);
    ids.reverse();
    assert_eq!(seen, ids, "newest first, the caller's jobs only");

    let bad = emu
        .client
        .get(format!("{}/v2/jobs?limit=101", emu.base))
        .header("x-api-key", key)
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), 400);
    let queued = emu
        .apiframe_list(key, "?status=COMPLETED&model=gpt-image-1.5")
        .await;
    assert!(
        queued["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .all(|j| j["status"] == "COMPLETED")
    );
}

type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, String, Vec<u8>)>>>;

#[tokio::test]
async fn webhooks_are_signed_and_delivered() {
    use axum::routing::post;
    let received: Received = Default::default();
    let sink = received.clone();
    let hook = axum::Router::new().route(
        "/hook",
        post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    sink.lock().expect("lock").push((
                        header("x-webhook-event"),
                        header("x-webhook-signature"),
                        body.to_vec(),
                    ));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hook_port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, hook).await });

    let emu = start().await;
    let key = "afk_webhooks";
    let mut body = apiframe_body("a signed painting");
    body["webhookUrl"] = json!(format!("http://127.0.0.1:{hook_port}/hook"));
    body["webhookEvents"] = json!(["progress", "completed"]);
    let id = emu.apiframe_job_id(key, &body).await;
    emu.apiframe_wait(key, &id).await;
    let mut waited = 0;
    while !received
        .lock()
        .expect("lock")
        .iter()
        .any(|(event, _, _)| event == "completed")
    {
        assert!(waited < 100, "no completed webhook");
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
    }
    let events = received.lock().expect("lock").clone();
    assert!(
        events.iter().any(|(event, _, _)| event == "progress"),
        "progress subscribed"
    );
    let secret: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for (event, signature, raw) in &events {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(raw);
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(signature, &expected, "signature of {event}");
        let payload: Value = serde_json::from_slice(raw).expect("json payload");
        assert_eq!(payload["event"], event.as_str());
        assert_eq!(payload["jobId"], id.as_str());
        assert_eq!(payload["model"], "gpt-image-1.5");
    }
    let (_, _, raw) = events
        .iter()
        .find(|(e, _, _)| e == "completed")
        .expect("completed");
    let completed: Value = serde_json::from_slice(raw).expect("json");
    assert_eq!(completed["status"], "COMPLETED");
    assert_eq!(completed["progress"], 100);
    assert_eq!(completed["creditCost"], 2);
    assert!(completed["completedAt"].is_string());
    assert!(
        completed["result"]["images"][0]
            .as_str()
            .expect("url")
            .contains(&format!("/files/{id}/0.png"))
    );
    let job: Value = emu
        .apiframe_job(key, &id, &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(job["webhookStatus"], "sent");
}

#[tokio::test]
async fn input_images_shape_the_output() {
    let emu = start().await;
    let key = "afk_edits";
    // A plain green picture as a data URL.
    let green = image::RgbaImage::from_pixel(64, 64, image::Rgba([0, 200, 0, 255]));
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(green)
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("png");
    let data_url = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png.into_inner())
    );
    let with_inputs = |inputs: Value| json!({"prompt": "make it festive", "model": "gpt-image-1.5", "gptImageParams": {"input_images": inputs}});
    let plain_id = emu
        .apiframe_job_id(key, &apiframe_body("make it festive"))
        .await;
    let edit_id = emu
        .apiframe_job_id(key, &with_inputs(json!(data_url)))
        .await;
    let plain = emu.apiframe_wait(key, &plain_id).await;
    let edit = emu.apiframe_wait(key, &edit_id).await;
    assert_eq!(edit["status"], "COMPLETED", "{edit}");
    let plain = emu
        .image(plain["result"]["images"][0].as_str().expect("url"))
        .await;
    let edited = emu
        .image(edit["result"]["images"][0].as_str().expect("url"))
        .await;
    let mean_green = |img: &image::RgbaImage| {
        img.pixels()
            .map(|p| f64::from(p[1]) - f64::from(p[0]).max(f64::from(p[2])))
            .sum::<f64>()
            / img.pixels().len() as f64
    };
    assert!(
        mean_green(&edited) > mean_green(&plain) + 40.0,
        "the green input shows through"
    );

    // Our own image URL as input: the output derives from it.
    let source_url = emu.apiframe_wait(key, &plain_id).await["result"]["images"][0]
        .as_str()
        .expect("url")
        .to_string();
    let derived_id = emu
        .apiframe_job_id(key, &with_inputs(json!([source_url])))
        .await;
    let derived = emu.apiframe_wait(key, &derived_id).await;
    let derived = emu
        .image(derived["result"]["images"][0].as_str().expect("url"))
        .await;
    let unrelated_id = emu
        .apiframe_job_id(key, &apiframe_body("something else entirely"))
        .await;
    let unrelated = emu.apiframe_wait(key, &unrelated_id).await;
    let unrelated = emu
        .image(unrelated["result"]["images"][0].as_str().expect("url"))
        .await;
    assert!(difference(&derived, &plain) < difference(&unrelated, &plain));

    // Any other host cannot be downloaded: the job fails with the reason.
    let far = emu
        .apiframe_job_id(key, &with_inputs(json!(["https://example.com/cat.png"])))
        .await;
    let failed = emu.apiframe_wait(key, &far).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(
        failed["error"],
        "input image could not be downloaded: https://example.com/cat.png"
    );
    assert_eq!(failed["creditCost"], 0);
    let broken = emu
        .apiframe_job_id(
            key,
            &with_inputs(json!(["data:image/png;base64,bm90IGFuIGltYWdl"])),
        )
        .await;
    let failed = emu.apiframe_wait(key, &broken).await;
    assert_eq!(failed["status"], "FAILED");
    assert!(
        failed["error"]
            .as_str()
            .expect("error")
            .starts_with("input image could not be decoded")
    );

    // API in One takes input_urls the same way.
    let reply = emu
        .apiinone_submit(
            "aio_edits",
            &json!({"model": "gpt-image-1-5", "prompt": "festive", "input_urls": [data_url]}),
            &[],
        )
        .await;
    let id = task_id(reply).await;
    let task = emu.apiinone_wait("aio_edits", &id, &[]).await;
    let image = emu
        .image(
            task["data"]["result"]["images"][0]["url"][0]
                .as_str()
                .expect("url"),
        )
        .await;
    assert!(mean_green(&image) > 40.0);
}

#[tokio::test]
async fn fail_rate_fails_jobs_with_a_reason_and_refunds() {
    let emu = start_with(Config {
        time_scale: support::TIME_SCALE,
        fail_rate: 1.0,
        ..Config::default()
    })
    .await;
    let id = emu
        .apiframe_job_id("afk_unlucky", &apiframe_body("anything"))
        .await;
    let job = emu.apiframe_wait("afk_unlucky", &id).await;
    assert_eq!(job["status"], "FAILED");
    assert_eq!(job["creditCost"], 0);
    assert_eq!(job["result"], Value::Null);
    assert!(job["error"].as_str().expect("reason").len() > 10);
    let reply = emu
        .apiinone_submit("aio_unlucky", &apiinone_body("anything"), &[])
        .await;
    let id = task_id(reply).await;
    let task = emu.apiinone_wait("aio_unlucky", &id, &[]).await;
    assert_eq!(task["data"]["status"], "failed");
    assert_eq!(task["data"]["credits"], 0);
    assert!(task["data"]["error"].is_string());
    assert!(task["data"].get("result").is_none());
}

#[tokio::test]
async fn cors_preflight_and_exposed_headers() {
    let emu = start().await;
    let preflight = emu
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v2/images/generate", emu.base),
        )
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "x-api-key,idempotency-key,content-type,x-emulator-fault,authorization",
        )
        .send()
        .await
        .expect("sent");
    assert!(preflight.status().is_success());
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .expect("ascii")
            .contains("POST")
    );
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .expect("ascii")
        .to_ascii_lowercase();
    for name in [
        "x-api-key",
        "idempotency-key",
        "authorization",
        "x-emulator-fault",
    ] {
        assert!(allowed.contains(name), "{allowed}");
    }
    assert!(h.contains_key("x-request-id"));
    // A preflight through the fault prefix is answered too, never faulted.
    let prefixed = emu
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/_fault/503/api/v1/tasks/abc", emu.base),
        )
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("sent");
    assert!(prefixed.status().is_success());

    let reply = emu
        .apiframe_submit(
            "afk_cors",
            &apiframe_body("x"),
            &[("origin", "http://localhost:5173")],
        )
        .await;
    let exposed = reply.headers()["access-control-expose-headers"]
        .to_str()
        .expect("ascii")
        .to_ascii_lowercase();
    for name in ["retry-after", "retry-after-ms", "x-request-id"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    assert_eq!(reply.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn cors_off_grants_nothing_to_browsers() {
    let emu = start_with(Config {
        time_scale: support::TIME_SCALE,
        cors: false,
        ..Config::default()
    })
    .await;
    let no_cors = |reply: &reqwest::Response| {
        let names: Vec<&str> = reply
            .headers()
            .keys()
            .map(|name| name.as_str())
            .filter(|name| name.starts_with("access-control-"))
            .collect();
        assert!(names.is_empty(), "{} {names:?}", reply.url());
    };
    for path in ["/v2/images/generate", "/_fault/503/api/v1/tasks/abc"] {
        let preflight = emu
            .client
            .request(reqwest::Method::OPTIONS, format!("{}{path}", emu.base))
            .header("origin", "http://localhost:5173")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-api-key,content-type")
            .send()
            .await
            .expect("sent");
        no_cors(&preflight);
        assert!(!preflight.status().is_success(), "{path}");
    }
    let id = emu
        .apiframe_job_id("afk_no_cors", &apiframe_body("x"))
        .await;
    let reply = emu
        .apiframe_job("afk_no_cors", &id, &[("origin", "http://localhost:5173")])
        .await;
    assert_eq!(reply.status(), 200);
    no_cors(&reply);
    assert!(reply.headers().contains_key("x-request-id"));
    let submit = emu
        .apiframe_submit(
            "afk_no_cors",
            &apiframe_body("x"),
            &[("origin", "http://localhost:5173")],
        )
        .await;
    no_cors(&submit);
}

#[tokio::test]
async fn static_files_and_studio_config() {
    let dir = std::env::temp_dir().join(format!("emu-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("pkg")).expect("dir");
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>studio</title>",
    )
    .expect("write");
    std::fs::write(dir.join("pkg/app_bg.wasm"), b"\0asm\x01\0\0\0").expect("write");
    std::fs::write(dir.join("pkg/app.js"), "export {}").expect("write");
    let emu = start_with(Config {
        time_scale: support::TIME_SCALE,
        static_dir: Some(dir.clone()),
        static_prefix: "/studio/".into(),
        studio_config: Some(r#"{"provider":"apiframe"}"#.into()),
        ..Config::default()
    })
    .await;
    let get = |path: &str| emu.client.get(format!("{}{path}", emu.base)).send();
    let index = get("/studio/").await.expect("sent");
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    assert!(index.text().await.expect("text").contains("studio"));
    assert_eq!(
        get("/studio/pkg/app_bg.wasm")
            .await
            .expect("sent")
            .headers()["content-type"],
        "application/wasm"
    );
    assert!(
        get("/studio/pkg/app.js").await.expect("sent").headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/javascript")
    );
    let config = get("/studio/studio-config.json").await.expect("sent");
    assert_eq!(config.headers()["content-type"], "application/json");
    assert_eq!(
        config.text().await.expect("text"),
        r#"{"provider":"apiframe"}"#
    );
    assert_eq!(
        get("/studio/some/route").await.expect("sent").status(),
        200,
        "client-side routes get index.html"
    );
    assert_eq!(get("/studio/missing.js").await.expect("sent").status(), 404);
    assert_eq!(
        get("/studio/../Cargo.toml").await.expect("sent").status(),
        404
    );
    // API routes still win.
    assert_eq!(get("/_emulator/health").await.expect("sent").status(), 200);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn binary_prints_its_port_and_serves() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gpt-image-emulator"))
        .args(["--port", "0", "--time-scale", "0.02", "--seed", "7"])
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
        .expect("the one stdout line");
    let port: u16 = base
        .strip_prefix("http://127.0.0.1:")
        .expect("127.0.0.1")
        .parse()
        .expect("port");
    assert_ne!(port, 0);
    let health: Value = reqwest::get(format!("{base}/_emulator/health"))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(health, json!({"ok": true}));
    child.kill().await.expect("stops");
}
