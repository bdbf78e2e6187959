//! Wire tests: exact bodies, every documented reply variant, and malformed replies.

use serde_json::{Value, json};

use super::*;
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::job::{Image, JobStatus};
use crate::options::{AspectRatio, Background, InputFidelity, OutputFormat, Quality, WebhookEvent};

fn ok(body: &str) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![],
        body: body.into(),
    }
}

fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
    }
}

fn body_of(r: &HttpRequest) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
}

#[test]
fn apiframe_submit_nests_options_in_snake_case() {
    let request = Request {
        prompt: "a fox".into(),
        quality: Some(Quality::High),
        aspect_ratio: Some(AspectRatio::Portrait),
        background: Some(Background::Transparent),
        n: Some(3),
        output_format: Some(OutputFormat::Webp),
        input_images: vec!["https://x.example/in.png".into()],
        input_fidelity: Some(InputFidelity::High),
        webhook_url: Some("https://hooks.example/h".into()),
        webhook_events: vec![WebhookEvent::Completed, WebhookEvent::Failed],
    };
    let http = submit_request(
        Provider::Apiframe,
        "http://127.0.0.1:9/",
        Some("afk_k"),
        &request,
        Some("idem-1"),
    );
    assert_eq!(http.method, Method::Post);
    assert_eq!(http.url, "http://127.0.0.1:9/v2/images/generate");
    assert_eq!(
        http.headers,
        vec![
            ("x-api-key".to_string(), "afk_k".to_string()),
            ("content-type".to_string(), "application/json".to_string()),
            ("idempotency-key".to_string(), "idem-1".to_string()),
        ]
    );
    assert_eq!(
        body_of(&http),
        json!({
            "prompt": "a fox",
            "model": "gpt-image-1.5",
            "gptImageParams": {
                "input_images": ["https://x.example/in.png"],
                "quality": "high",
                "aspect_ratio": "2:3",
                "background": "transparent",
                "number_of_images": 3,
                "output_format": "webp",
                "input_fidelity": "high"
            },
            "webhookUrl": "https://hooks.example/h",
            "webhookEvents": ["completed", "failed"]
        })
    );
}

#[test]
fn apiframe_always_sends_output_format() {
    let http = submit_request(
        Provider::Apiframe,
        "https://api.apiframe.ai",
        Some("afk_k"),
        &Request::new("fox"),
        None,
    );
    assert_eq!(
        body_of(&http)["gptImageParams"],
        json!({"output_format": "png"})
    );
    assert!(http.headers.iter().all(|(k, _)| *k != "idempotency-key"));
}

#[test]
fn apiinone_submit_is_flat_with_bearer() {
    let request = Request {
        quality: Some(Quality::High),
        aspect_ratio: Some(AspectRatio::Landscape),
        input_images: vec!["https://x.example/in.png".into()],
        webhook_url: Some("https://hooks.example/h".into()),
        ..Request::new("a logo for Bean & Brew")
    };
    let http = submit_request(
        Provider::ApiInOne,
        "https://apiin.one",
        Some("aio_k"),
        &request,
        Some("ignored"),
    );
    assert_eq!(http.url, "https://apiin.one/api/v1/images/generations");
    assert_eq!(
        http.headers,
        vec![
            ("authorization".to_string(), "Bearer aio_k".to_string()),
            ("content-type".to_string(), "application/json".to_string()),
        ]
    );
    assert_eq!(
        body_of(&http),
        json!({
            "model": "gpt-image-1-5",
            "prompt": "a logo for Bean & Brew",
            "aspect_ratio": "3:2",
            "quality": "high",
            "input_urls": ["https://x.example/in.png"],
            "callback_url": "https://hooks.example/h"
        })
    );
}

#[test]
fn status_urls_and_job_ids() {
    let r = status_request(
        Provider::Apiframe,
        "http://h/proxy/",
        Some("afk_k"),
        "b2c3-d4",
    );
    assert_eq!(r.url, "http://h/proxy/v2/jobs/b2c3-d4");
    assert_eq!(r.method, Method::Get);
    assert!(r.body.is_none());
    let r = status_request(Provider::ApiInOne, "http://h", Some("aio_k"), "task_1");
    assert_eq!(r.url, "http://h/api/v1/tasks/task_1");
    assert_eq!(
        r.headers,
        [("authorization".to_owned(), "Bearer aio_k".to_owned())]
    );
    for bad in ["", "../admin", "a/b", "a b", "..", "x?y=1"] {
        assert!(check_job_id(bad).is_err(), "{bad}");
    }
}

#[test]
fn without_a_key_no_auth_header_is_sent() {
    for provider in Provider::ALL {
        let submit = submit_request(
            provider,
            "http://proxy",
            None,
            &Request::new("fox"),
            Some("k"),
        );
        let status = status_request(provider, "http://proxy", None, "j1");
        for http in [submit, status] {
            assert!(
                http.headers
                    .iter()
                    .all(|(k, _)| k != "x-api-key" && k != "authorization"),
                "{provider}: {:?}",
                http.headers
            );
        }
    }
}

#[test]
fn apiframe_submit_reply() {
    let job = parse_submit(
        Provider::Apiframe,
        &reply(202, &[], r#"{"jobId":"b2c3d4e5","status":"QUEUED"}"#),
    )
    .unwrap();
    assert_eq!(
        (job.id.as_str(), job.status),
        ("b2c3d4e5", JobStatus::Queued)
    );
}

#[test]
fn apiframe_result_as_string_object_or_null() {
    let cases = [
        (
            r#"{"id":"j","status":"COMPLETED","progress":100,"result":"https://cdn/a.png","error":null,"creditCost":4}"#,
            vec!["https://cdn/a.png"],
        ),
        (
            r#"{"id":"j","status":"COMPLETED","result":{"images":["https://cdn/a.png","https://cdn/b.png"]},"creditCost":8}"#,
            vec!["https://cdn/a.png", "https://cdn/b.png"],
        ),
        (
            r#"{"id":"j","status":"processing","progress":42.4,"result":null}"#,
            vec![],
        ),
    ];
    for (body, urls) in cases {
        let u = parse_status(Provider::Apiframe, &ok(body), "j").unwrap();
        let got: Vec<&str> = u.images.iter().map(|i| i.url.as_str()).collect();
        assert_eq!(got, urls, "{body}");
    }
    let u = parse_status(
        Provider::Apiframe,
        &ok(r#"{"id":"j","status":"processing","progress":42.4}"#),
        "j",
    )
    .unwrap();
    assert_eq!((u.status, u.progress), (JobStatus::Processing, Some(42)));
    let u = parse_status(
        Provider::Apiframe,
        &ok(r#"{"id":"j","status":"COMPLETED","result":"https://c/a.png","creditCost":4}"#),
        "j",
    )
    .unwrap();
    assert_eq!((u.progress, u.credit_cost), (Some(100), Some(4.0)));
}

#[test]
fn apiframe_failed_job_keeps_the_reason() {
    let u = parse_status(
        Provider::Apiframe,
        &ok(r#"{"id":"j","status":"FAILED","error":"Prompt rejected by the safety system","creditCost":0}"#),
        "j",
    )
    .unwrap();
    assert_eq!(u.status, JobStatus::Failed);
    assert_eq!(
        u.error.as_deref(),
        Some("Prompt rejected by the safety system")
    );
    assert_eq!(u.credit_cost, Some(0.0));
}

#[test]
fn apiinone_both_create_forms() {
    let a = parse_submit(Provider::ApiInOne, &ok(r#"{"code":200,"message":"success","data":{"task_id":"n42xxxx_gptimg","status":"IN_PROGRESS"}}"#)).unwrap();
    assert_eq!(
        (a.id.as_str(), a.status),
        ("n42xxxx_gptimg", JobStatus::Processing)
    );
    let b = parse_submit(Provider::ApiInOne, &ok(r#"{"id":"task_abc123","status":"pending","model":"gpt-image-1-5","created_at":1763174708}"#)).unwrap();
    assert_eq!(
        (b.id.as_str(), b.status),
        ("task_abc123", JobStatus::Queued)
    );
}

#[test]
fn apiinone_status_url_string_or_array_any_case() {
    let array = r#"{"code":200,"data":{"id":"t","status":"completed","progress":100,"result":{"images":[{"url":["https://cdn/a.png"],"expires_at":1763174708}]}}}"#;
    let string = r#"{"code":200,"data":{"id":"t","status":"COMPLETED","result":{"images":[{"url":"https://cdn/a.png"}]},"credits":28}}"#;
    for body in [array, string] {
        let u = parse_status(Provider::ApiInOne, &ok(body), "t").unwrap();
        assert_eq!(u.status, JobStatus::Completed);
        assert_eq!(
            u.images,
            vec![Image {
                url: "https://cdn/a.png".into()
            }]
        );
    }
    let u = parse_status(Provider::ApiInOne, &ok(string), "t").unwrap();
    assert_eq!(u.credit_cost, Some(28.0));
    let u = parse_status(
        Provider::ApiInOne,
        &ok(r#"{"code":200,"data":{"id":"t","status":"Processing","progress":"35"}}"#),
        "t",
    )
    .unwrap();
    assert_eq!((u.status, u.progress), (JobStatus::Processing, Some(35)));
    let u = parse_status(Provider::ApiInOne, &ok(r#"{"code":200,"data":{"id":"t","status":"failed","error":{"message":"content policy"}}}"#), "t").unwrap();
    assert_eq!(u.error.as_deref(), Some("content policy"));
}

#[test]
fn apiinone_error_inside_a_200_envelope() {
    let err = parse_status(
        Provider::ApiInOne,
        &ok(r#"{"code":404,"message":"task not found"}"#),
        "t",
    )
    .unwrap_err();
    assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
    let err = parse_submit(
        Provider::ApiInOne,
        &ok(r#"{"code":401,"message":"bad key"}"#),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
}

#[test]
fn error_statuses_become_the_variants_callers_act_on() {
    let e = check_status(
        Provider::ApiInOne,
        reply(
            400,
            &[("x-request-id", "req_9")],
            r#"{"error":{"code":400,"message":"Invalid parameters","type":"invalid_request"}}"#,
        ),
        None,
    )
    .unwrap_err();
    match e {
        Error::Api {
            status,
            code,
            message,
            request_id,
            body,
        } => {
            assert_eq!(status, 400);
            assert_eq!(code.as_deref(), Some("400"));
            assert_eq!(message, "API in One: Invalid parameters");
            assert_eq!(request_id.as_deref(), Some("req_9"));
            assert!(body.contains("invalid_request"));
        }
        other => panic!("{other:?}"),
    }
    let e = check_status(
        Provider::Apiframe,
        reply(
            401,
            &[],
            r#"{"error":{"code":"unauthorized","message":"Invalid API key"},"requestId":"req_1"}"#,
        ),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::Auth { status: 401, request_id: Some(r), .. } if r == "req_1"),
        "{e:?}"
    );
    let e = check_status(Provider::Apiframe, reply(403, &[], ""), None).unwrap_err();
    assert!(matches!(&e, Error::Auth { status: 403, .. }), "{e:?}");
    // The hint is what the caller read from the headers; wire never reads the clock.
    let limited = reply(429, &[("retry-after", "3")], "{}");
    let hint = crate::retry::retry_after_ms(&limited, 0.0);
    let e = check_status(Provider::Apiframe, limited, hint).unwrap_err();
    assert_eq!(
        e,
        Error::RateLimited {
            retry_after_ms: Some(3_000),
            message: "Apiframe: too many requests".into(),
            request_id: None
        }
    );
    let e = check_status(
        Provider::Apiframe,
        reply(503, &[], "<html>Bad gateway</html>"),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::Api { status: 503, body, .. } if body.contains("Bad gateway")),
        "{e:?}"
    );
    assert!(e.is_transient());
}

/// Whatever arrives, parsing returns a value or an error: it never panics.
#[test]
fn malformed_truncated_wrong_typed_and_huge_replies_are_decode_errors() {
    let huge = format!("{{\"jobId\": \"{}", "a".repeat(3_000_000));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bodies: Vec<String> = vec![
        "".into(),
        "{\"jobId\": \"b2c3".into(),
        "null".into(),
        "[]".into(),
        "42".into(),
        "\"COMPLETED\"".into(),
        r#"{"jobId": 42}"#.into(),
        r#"{"jobId": null, "status": "QUEUED"}"#.into(),
        r#"{"jobId": "../../etc", "status": "QUEUED"}"#.into(),
        r#"{"id":"j","status":7}"#.into(),
        r#"{"id":"j","status":"EXPLODED"}"#.into(),
        r#"{"id":"j","status":"COMPLETED","result":null}"#.into(),
        r#"{"id":"j","status":"COMPLETED","result":{"images":[1,2,{"url":false}]}}"#.into(),
        r#"{"code":200,"data":"oops"}"#.into(),
        r#"{"code":200,"data":{"id":"t","status":"completed","result":{"images":[{"url":[]}]}}}"#
            .into(),
        r#"{"id":"j","status":"processing","progress":"NaN%"}"#.into(),
        r#"{"id":"j","status":"processing","progress":1e400}"#.into(),
        huge.clone(),
        deep,
        "\u{0}\u{1}\u{ffff}".into(),
    ];
    for provider in Provider::ALL {
        for body in &bodies {
            let r = ok(body);
            if let Ok(job) = parse_submit(provider, &r) {
                assert!(check_job_id(&job.id).is_ok());
            }
            if let Err(e) = parse_status(provider, &r, "j") {
                assert!(
                    matches!(e, Error::Decode { .. } | Error::Api { .. }),
                    "{provider:?} {e:?}"
                );
                if let Some(raw) = e.body() {
                    assert!(raw.len() <= crate::error::MAX_BODY + 40);
                }
            }
        }
    }
    let err = parse_submit(Provider::Apiframe, &ok(&huge)).unwrap_err();
    assert!(
        matches!(&err, Error::Decode { body, .. } if body.starts_with("{\"jobId\": \"aaa") && body.len() < 2_200)
    );
    let err = parse_status(Provider::Apiframe, &ok("{\"jobId\": \"b2c3"), "j").unwrap_err();
    assert!(
        matches!(&err, Error::Decode { body, .. } if body == "{\"jobId\": \"b2c3"),
        "{err:?}"
    );
    // Progress that is not a finite number is ignored, not trusted.
    let u = parse_status(
        Provider::Apiframe,
        &ok(r#"{"id":"j","status":"processing","progress":"NaN%"}"#),
        "j",
    )
    .unwrap();
    assert_eq!(u.progress, None);
}

#[test]
fn creation_times_are_read_in_every_plausible_form() {
    // 2026-11-22T20:00:00Z is 1 795 377 600 s after the epoch.
    let at = 1_795_377_600_000u64;
    for (created, expected) in [
        (json!("2026-11-22T20:00:00Z"), Some(at)),
        (json!("2026-11-22T20:00:00.250Z"), Some(at + 250)),
        (json!("2026-11-22T20:00:00.5Z"), Some(at + 500)),
        (json!("2026-11-22T21:30:00+01:30"), Some(at)),
        (json!("2026-11-22 20:00:00z"), Some(at)),
        (json!(1_795_377_600), Some(at)),
        (json!(1_795_377_600_000u64), Some(at)),
        (json!("1795377600"), Some(at)),
        (json!("2026-11-22"), None),
        (json!("2026-13-22T20:00:00Z"), None),
        (json!("2026-11-22T20:00:00"), None),
        (json!("yesterday"), None),
        (json!(-5), None),
        (json!(null), None),
        (json!({"at": 1}), None),
    ] {
        let body = json!({"id": "j", "status": "PROCESSING", "createdAt": created}).to_string();
        let u = parse_status(Provider::Apiframe, &ok(&body), "j").unwrap();
        assert_eq!(u.created_at, expected, "{created}");
    }
    assert_eq!(rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(rfc3339_ms("2000-02-29T12:00:00Z"), Some(951_825_600_000));
    assert_eq!(rfc3339_ms("1969-12-31T23:59:59Z"), None);
    let u = parse_status(
        Provider::ApiInOne,
        &ok(r#"{"code":200,"data":{"id":"t","status":"pending","created_at":1795377600}}"#),
        "t",
    )
    .unwrap();
    assert_eq!(u.created_at, Some(at));
}

#[test]
fn end_times_are_read_once_a_job_has_ended() {
    let at = 1_795_377_600_000u64;
    let body = |status: &str, result: Value| {
        json!({
            "id": "j", "status": status, "result": result,
            "createdAt": "2026-11-22T20:00:00Z", "completedAt": "2026-11-22T20:00:14.500Z",
        })
        .to_string()
    };
    let done = parse_status(
        Provider::Apiframe,
        &ok(&body("COMPLETED", json!("https://x/a.png"))),
        "j",
    )
    .unwrap();
    assert_eq!(
        (done.created_at, done.completed_at),
        (Some(at), Some(at + 14_500))
    );
    let failed = parse_status(Provider::Apiframe, &ok(&body("FAILED", Value::Null)), "j").unwrap();
    assert_eq!(failed.completed_at, Some(at + 14_500));
    // A running job has no end yet, whatever a confused reply says.
    let running = parse_status(
        Provider::Apiframe,
        &ok(&body("PROCESSING", Value::Null)),
        "j",
    )
    .unwrap();
    assert_eq!(running.completed_at, None);
    let snake = parse_status(
        Provider::ApiInOne,
        &ok(r#"{"code":200,"data":{"id":"t","status":"completed","completed_at":1795377614,"result":{"images":[{"url":"https://x/b.png"}]}}}"#),
        "t",
    )
    .unwrap();
    assert_eq!(snake.completed_at, Some(at + 14_000));
}

#[test]
fn the_job_listing_is_asked_for_by_page() {
    let first = list_request("http://127.0.0.1:9/", Some("afk_k"), None);
    assert_eq!(first.url, "http://127.0.0.1:9/v2/jobs?limit=100");
    assert_eq!(
        (first.method, first.header("x-api-key")),
        (Method::Get, Some("afk_k"))
    );
    let next = list_request("http://h/base", None, Some("41"));
    assert_eq!(next.url, "http://h/base/v2/jobs?limit=100&cursor=41");
    assert!(
        next.headers.is_empty(),
        "no key, no auth header: a proxy adds it"
    );
}

#[test]
fn a_listing_page_gives_every_readable_job_and_where_the_next_page_starts() {
    let page = json!({
        "jobs": [
            {"id": "a1", "status": "PROCESSING", "progress": 40, "createdAt": "2026-11-22T20:00:00Z"},
            {"id": "b2", "status": "COMPLETED", "result": {"images": ["https://x/b.png"]}, "creditCost": 5},
            {"id": "c3", "status": "COMPLETED", "result": null},
            {"id": "../d4", "status": "QUEUED"},
            {"status": "QUEUED"},
            {"id": "e5", "status": "MELTED"},
            "junk",
            {"id": "f6", "status": "FAILED", "error": "moderation"},
        ],
        "nextCursor": "17", "hasMore": true,
    });
    let page = parse_job_page(&ok(&page.to_string())).unwrap();
    let ids: Vec<&str> = page.jobs.iter().map(|j| j.id.as_str()).collect();
    // c3 completed without its result: left out, so that it is looked at alone.
    assert_eq!(ids, ["a1", "b2", "f6"]);
    assert_eq!(page.jobs[0].progress, Some(40));
    assert_eq!(
        page.jobs[1].images,
        vec![Image {
            url: "https://x/b.png".into()
        }]
    );
    assert_eq!(page.jobs[2].error.as_deref(), Some("moderation"));
    assert_eq!(page.next_cursor.as_deref(), Some("17"));

    let cursor = |v: Value| parse_job_page(&ok(&v.to_string())).unwrap().next_cursor;
    assert_eq!(
        cursor(json!({"jobs": [], "nextCursor": "17", "hasMore": false})),
        None
    );
    assert_eq!(
        cursor(json!({"jobs": [], "nextCursor": null, "hasMore": true})),
        None
    );
    assert_eq!(
        cursor(json!({"jobs": [], "nextCursor": 23})),
        Some("23".into())
    );
    assert_eq!(
        cursor(json!({"jobs": [], "nextCursor": "a&b=c"})),
        None,
        "never spliced into a URL"
    );
    assert_eq!(
        cursor(json!({"jobs": [], "nextCursor": "x".repeat(500)})),
        None
    );
}

#[test]
fn a_listing_that_is_not_one_is_an_error() {
    for body in [r#"{"data": []}"#, r#"[]"#, r#"{"jobs": {}}"#, "<html>"] {
        let err = parse_job_page(&ok(body)).unwrap_err();
        assert_eq!(err.kind(), "decode", "{body}");
    }
    let refused = HttpResponse {
        status: 403,
        headers: vec![],
        body: r#"{"error":{"message":"listing is off"}}"#.into(),
    };
    assert_eq!(parse_job_page(&refused).unwrap_err().kind(), "auth");
}

#[test]
fn the_accounts_limit_of_running_jobs_is_read() {
    let request = account_request("http://h/", Some("afk_k"));
    assert_eq!(request.url, "http://h/v2/me");
    assert_eq!(request.header("x-api-key"), Some("afk_k"));
    let limit = |body: &str| parse_account_limit(&ok(body)).unwrap();
    assert_eq!(
        limit(r#"{"team":{"plan":"pro","maxConcurrentJobs":25}}"#),
        Some(25)
    );
    assert_eq!(limit(r#"{"team":{"maxConcurrentJobs":0}}"#), None);
    assert_eq!(limit(r#"{"team":{"maxConcurrentJobs":"many"}}"#), None);
    assert_eq!(limit(r#"{"team":{"maxConcurrentJobs":-3}}"#), None);
    assert_eq!(limit(r#"{"plan":"pro"}"#), None);
    assert!(parse_account_limit(&ok("nope")).is_err());
}
