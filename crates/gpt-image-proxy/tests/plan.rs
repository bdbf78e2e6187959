//! The whole decision for one request, through the public API: refusals, key injection, header
//! filtering, policy, CORS and redaction.

use gpt_image_proxy::{Plan, Proxy, Refusal, Reply};
use serde_json::{Value, json};

const AFK: &str = "afk_server_secret_123";
const AIO: &str = "aio_server_secret_456";

fn proxy() -> Proxy {
    Proxy::from_json(
        &json!({
            "keys": {"apiframe": AFK, "apiinone": AIO},
            "basePath": "/api/gpt-image",
            "upstream": {"apiframe": "http://127.0.0.1:9/af", "apiinone": "http://127.0.0.1:9/aio/"},
            "allowedOrigins": ["https://app.example"],
            "policy": {"maxImages": 4, "qualities": ["low", "medium"], "maxPromptChars": 1000, "listJobs": true},
            "maxBodyBytes": 4096,
        })
        .to_string(),
    )
    .unwrap()
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn json_post() -> Vec<(String, String)> {
    h(&[
        ("host", "proxy.example"),
        ("content-type", "application/json"),
        ("cookie", "session=abc"),
        ("authorization", "Bearer app-session-token"),
        ("x-api-key", "afk_client_sent"),
        ("x-session", "app-token"),
        ("idempotency-key", "idem-1"),
        ("accept", "application/json"),
    ])
}

const SUBMIT: &str = "/api/gpt-image/apiframe/v2/images/generate";

fn body(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

fn apiframe_body(params: Value) -> Vec<u8> {
    body(json!({"prompt": "a fox", "model": "gpt-image-1.5", "gptImageParams": params}))
}

fn reply(plan: Plan) -> Reply {
    match plan {
        Plan::Reply(r) => r,
        other => panic!("expected a reply, got {other:?}"),
    }
}

fn message(r: &Reply) -> String {
    let v: Value = serde_json::from_str(&r.body).unwrap();
    v["error"]["message"].as_str().unwrap().to_owned()
}

fn header<'a>(r: &'a [(String, String)], name: &str) -> Option<&'a str> {
    r.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn a_submit_asks_for_its_body_then_forwards_with_the_servers_key_only() {
    let p = proxy();
    assert_eq!(p.plan("POST", SUBMIT, &json_post(), None), Plan::ReadBody);
    let Plan::Forward(f) = p.plan(
        "POST",
        SUBMIT,
        &json_post(),
        Some(&apiframe_body(json!({"quality": "low"}))),
    ) else {
        panic!("not forwarded")
    };
    assert_eq!(f.url, "http://127.0.0.1:9/af/v2/images/generate");
    assert_eq!(f.method, "POST");
    let mut names: Vec<&str> = f.headers.iter().map(|(k, _)| k.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        ["accept", "content-type", "idempotency-key", "x-api-key"]
    );
    assert_eq!(header(&f.headers, "x-api-key"), Some(AFK));
    assert!(!format!("{f:?}").contains(AFK), "Debug hides the key");

    // API in One: Bearer, and no idempotency key (it has none).
    let mut headers = json_post();
    headers.retain(|(k, _)| k != "accept");
    let aio = body(json!({"model": "gpt-image-1-5", "prompt": "a red fox"}));
    let Plan::Forward(f) = p.plan(
        "POST",
        "/api/gpt-image/apiinone/api/v1/images/generations",
        &headers,
        Some(&aio),
    ) else {
        panic!("not forwarded")
    };
    assert_eq!(f.url, "http://127.0.0.1:9/aio/api/v1/images/generations");
    assert_eq!(
        f.headers,
        h(&[
            ("authorization", &format!("Bearer {AIO}")),
            ("content-type", "application/json")
        ])
    );
}

#[test]
fn polls_and_listings_forward_without_a_body() {
    let p = proxy();
    let get = h(&[("host", "proxy.example"), ("cookie", "a=b")]);
    let Plan::Forward(f) = p.plan("GET", "/api/gpt-image/apiframe/v2/jobs/abc-123", &get, None)
    else {
        panic!()
    };
    assert_eq!(
        (f.method, f.url.as_str()),
        ("GET", "http://127.0.0.1:9/af/v2/jobs/abc-123")
    );
    assert_eq!(f.headers, h(&[("x-api-key", AFK)]));
    let Plan::Forward(f) = p.plan(
        "GET",
        "/api/gpt-image/apiinone/api/v1/tasks/task_9",
        &get,
        None,
    ) else {
        panic!()
    };
    assert_eq!(f.url, "http://127.0.0.1:9/aio/api/v1/tasks/task_9");
    let Plan::Forward(f) = p.plan(
        "GET",
        "/api/gpt-image/apiframe/v2/jobs?status=COMPLETED&limit=2",
        &get,
        None,
    ) else {
        panic!()
    };
    assert_eq!(
        f.url,
        "http://127.0.0.1:9/af/v2/jobs?status=COMPLETED&limit=2"
    );
}

#[test]
fn bodies_are_refused_in_the_providers_shape_before_forwarding() {
    let p = proxy();
    let post = json_post();
    for (bytes, status, needle) in [
        (b"{not json".to_vec(), 400, "not JSON"),
        (
            apiframe_body(json!({"quality": "low", "number_of_images": 6})),
            400,
            "n is 6; this proxy allows at most 4 images",
        ),
        (
            apiframe_body(json!({"quality": "high"})),
            400,
            "quality \"high\" is not allowed by this proxy",
        ),
        (apiframe_body(json!({})), 400, "quality is unset"),
        (
            apiframe_body(json!({"quality": "low", "number_of_images": 11})),
            400,
            "n is 11; Apiframe accepts 1–10",
        ),
        (
            apiframe_body(json!({"quality": "low", "size": "4k"})),
            400,
            "gptImageParams.size",
        ),
        (
            body(
                json!({"prompt": "x".repeat(1001), "model": "gpt-image-1.5", "gptImageParams": {"quality": "low"}}),
            ),
            400,
            "prompt is 1001 characters; this proxy allows at most 1000",
        ),
        (
            body(json!({"prompt": "", "model": "gpt-image-1.5"})),
            400,
            "prompt is empty",
        ),
        (vec![b' '; 5000], 413, "4096 bytes"),
    ] {
        let r = reply(p.plan("POST", SUBMIT, &post, Some(&bytes)));
        assert_eq!(
            r.status,
            status,
            "{}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
        );
        assert!(
            message(&r).contains(needle),
            "{} lacks {needle}",
            message(&r)
        );
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert!(v["error"]["code"].is_string(), "Apiframe's shape: {v}");
    }
    let aio = reply(p.plan(
        "POST",
        "/api/gpt-image/apiinone/api/v1/images/generations",
        &post,
        Some(&body(
            json!({"model": "gpt-image-1-5", "prompt": "a fox", "quality": "high"}),
        )),
    ));
    let v: Value = serde_json::from_str(&aio.body).unwrap();
    assert_eq!(v["error"]["code"], 400);
    assert_eq!(v["error"]["type"], "invalid_request");
    assert_eq!(v["error"]["param"], "quality");
}

#[test]
fn head_checks_refuse_without_reading_the_body() {
    let p = proxy();
    let mut headers = json_post();
    headers.push(("content-length".into(), "5000".into()));
    assert_eq!(reply(p.plan("POST", SUBMIT, &headers, None)).status, 413);
    let text = h(&[("host", "proxy.example"), ("content-type", "text/plain")]);
    assert_eq!(reply(p.plan("POST", SUBMIT, &text, None)).status, 415);
    let none = h(&[("host", "proxy.example")]);
    assert_eq!(reply(p.plan("POST", SUBMIT, &none, None)).status, 415);
    let mut bad_idem = json_post();
    bad_idem.retain(|(k, _)| k != "idempotency-key");
    bad_idem.push(("idempotency-key".into(), "a b".into()));
    assert_eq!(reply(p.plan("POST", SUBMIT, &bad_idem, None)).status, 400);
    assert_eq!(
        reply(p.plan("DELETE", SUBMIT, &json_post(), None)).status,
        405
    );
    assert_eq!(
        reply(p.plan("GET", "/api/gpt-image/apiframe/v2/me", &none, None)).status,
        404
    );
    assert_eq!(
        reply(p.plan("GET", "/api/gpt-image/apiframe/v2/jobs/%2e%2e", &none, None)).status,
        400
    );
}

#[test]
fn a_provider_without_a_key_says_so() {
    let p = Proxy::from_json(&json!({"keys": {"apiframe": AFK}}).to_string()).unwrap();
    let r = reply(p.plan("GET", "/apiinone/api/v1/tasks/t1", &[], None));
    assert_eq!(r.status, 404);
    assert!(message(&r).contains("no API in One key"), "{}", message(&r));
    assert!(matches!(
        p.plan("GET", "/apiframe/v2/jobs/t1", &[], None),
        Plan::Forward(_)
    ));
}

#[test]
fn the_listing_can_be_turned_off() {
    let p = Proxy::from_json(
        &json!({"keys": {"apiframe": AFK}, "policy": {"listJobs": false}}).to_string(),
    )
    .unwrap();
    assert_eq!(
        reply(p.plan("GET", "/apiframe/v2/jobs?limit=1", &[], None)).status,
        403
    );
}

#[test]
fn cors_grants_listed_origins_and_refuses_other_sites() {
    let p = proxy();
    let from = |origin: &str| {
        let mut headers = h(&[("host", "proxy.example"), ("origin", origin)]);
        headers.push((
            "access-control-request-headers".into(),
            "content-type, x-session".into(),
        ));
        headers
    };
    // Preflight from a granted origin, answered here.
    let r = reply(p.plan("OPTIONS", SUBMIT, &from("https://app.example"), None));
    assert_eq!(r.status, 204);
    assert_eq!(
        header(&r.headers, "access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        header(&r.headers, "access-control-allow-methods"),
        Some("POST, OPTIONS")
    );
    assert_eq!(
        header(&r.headers, "access-control-allow-headers"),
        Some("content-type, x-session")
    );
    // From another site: no grant.
    let r = reply(p.plan("OPTIONS", SUBMIT, &from("https://evil.example"), None));
    assert_eq!(r.status, 403);
    assert!(header(&r.headers, "access-control-allow-origin").is_none());
    let r = reply(p.plan(
        "GET",
        "/api/gpt-image/apiframe/v2/jobs/1",
        &from("https://evil.example"),
        None,
    ));
    assert_eq!(r.status, 403);
    assert!(header(&r.headers, "access-control-allow-origin").is_none());
    // Preflight of an unknown route is refused too.
    assert_eq!(
        reply(p.plan(
            "OPTIONS",
            "/api/gpt-image/apiframe/v2/me",
            &from("https://app.example"),
            None
        ))
        .status,
        404
    );
    // Same origin (by Host or X-Forwarded-Host) needs no grant.
    assert!(matches!(
        p.plan(
            "GET",
            "/api/gpt-image/apiframe/v2/jobs/1",
            &from("https://proxy.example"),
            None
        ),
        Plan::Forward(_)
    ));
    let mut behind = from("https://public.example");
    behind.push(("x-forwarded-host".into(), "public.example".into()));
    assert!(matches!(
        p.plan("GET", "/api/gpt-image/apiframe/v2/jobs/1", &behind, None),
        Plan::Forward(_)
    ));
    // Refusals and replies to a granted origin carry the grant.
    let r = reply(p.plan(
        "GET",
        "/api/gpt-image/apiframe/v2/me",
        &from("https://app.example"),
        None,
    ));
    assert_eq!(
        header(&r.headers, "access-control-allow-origin"),
        Some("https://app.example")
    );
    let r = p.respond(200, &[], &from("https://app.example"));
    assert_eq!(
        header(&r.headers, "access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        header(&r.headers, "access-control-expose-headers"),
        Some("retry-after, retry-after-ms, x-request-id")
    );
}

#[test]
fn replies_keep_few_headers_and_never_the_key() {
    let p = proxy();
    let upstream = h(&[
        ("content-type", "application/json"),
        ("retry-after", "3"),
        ("retry-after-ms", "2500"),
        ("x-request-id", "req_1"),
        ("set-cookie", "tracking=1"),
        ("x-echo", AFK),
    ]);
    let r = p.respond(429, &upstream, &[]);
    assert_eq!(r.status, 429);
    let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "content-type",
            "retry-after",
            "retry-after-ms",
            "x-request-id",
            "cache-control",
            "vary"
        ]
    );
    let echoed = format!(r#"{{"seen":"{AFK}","auth":"Bearer {AIO}"}}"#);
    let clean = String::from_utf8(p.redact(echoed.as_bytes())).unwrap();
    assert_eq!(clean, r#"{"seen":"[redacted]","auth":"Bearer [redacted]"}"#);
}

#[test]
fn refusals_from_outside_the_plan_take_the_providers_shape() {
    let p = proxy();
    let r = p.refuse(
        Refusal::Unauthorized,
        "/api/gpt-image/apiinone/api/v1/tasks/1",
        &[],
    );
    assert_eq!(r.status, 401);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["error"]["code"], 401);
    assert_eq!(p.refuse(Refusal::TooLarge, SUBMIT, &[]).status, 413);
    assert_eq!(p.refuse(Refusal::Unreachable, SUBMIT, &[]).status, 502);
}

#[test]
fn no_input_panics_or_shows_a_key() {
    let p = proxy();
    let weird = [
        "",
        "/",
        "?",
        "#",
        "/api/gpt-image/",
        "/api/gpt-image/apiframe",
        "/api/gpt-image/apiframe/",
        "/api/gpt-image/apiframe/v2/jobs?",
        "/api/gpt-image/apiframe/v2/jobs?&&=",
        "/\u{0}",
        "/é/😀",
    ];
    for method in ["GET", "POST", "OPTIONS", "", "G E T"] {
        for path in weird {
            for bytes in [
                None,
                Some(&b"\xff\xfe"[..]),
                Some(&b"null"[..]),
                Some(&b"[]"[..]),
            ] {
                let plan = p.plan(method, path, &json_post(), bytes);
                let text = format!("{plan:?}");
                if let Plan::Reply(r) = &plan {
                    assert!(!r.body.contains(AFK) && !r.body.contains(AIO), "{text}");
                }
            }
        }
    }
}
