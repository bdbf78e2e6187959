//! Apiframe webhook signing and delivery.
//!
//! `X-Webhook-Signature` is the lowercase hex HMAC-SHA256 of the raw body, keyed with the
//! lowercase hex text of SHA-256(API key). Deliveries go only to `http://` URLs on 127.0.0.1 or
//! localhost; a failed delivery is logged to stderr, never fatal. Which events to send and when
//! is decided in `apiframe.rs`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Lowercase hex of some bytes.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `X-Webhook-Signature` value for `body` sent on behalf of `api_key`.
pub fn signature(api_key: &str, body: &[u8]) -> String {
    let secret = hex(&Sha256::digest(api_key.as_bytes()));
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(), // HMAC accepts keys of any length
    };
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// Whether `url` is one the emulator may deliver to (plain http on this machine).
pub fn is_deliverable(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// POSTs one event; returns whether the receiver answered 2xx.
pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    event: &str,
    api_key: &str,
    body: Vec<u8>,
) -> bool {
    if !is_deliverable(url) {
        eprintln!("webhook {event} not sent: {url} is not an http URL on 127.0.0.1/localhost");
        return false;
    }
    let signature = signature(api_key, &body);
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-webhook-event", event)
        .header("x-webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(reply) if reply.status().is_success() => true,
        Ok(reply) => {
            eprintln!("webhook {event} to {url} answered {}", reply.status());
            false
        }
        Err(error) => {
            eprintln!("webhook {event} to {url} failed: {error}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_reference() {
        // Reference: python3 -c "import hmac,hashlib;k=hashlib.sha256(b'afk_test').hexdigest().encode();
        //   print(hmac.new(k,b'{\"a\":1}',hashlib.sha256).hexdigest())"
        let expected = "f0c48fda102af05861f207568ae887bc4cdfcc14bee7e3e03d8f9cac595a51c1";
        assert_eq!(signature("afk_test", br#"{"a":1}"#), expected);
    }

    #[test]
    fn only_local_http() {
        assert!(is_deliverable("http://127.0.0.1:9000/hook"));
        assert!(is_deliverable("http://localhost/hook?x=1"));
        assert!(!is_deliverable("https://127.0.0.1/hook"));
        assert!(!is_deliverable("http://example.com/hook"));
        assert!(!is_deliverable("http://127.0.0.1.evil.com/hook"));
    }
}
