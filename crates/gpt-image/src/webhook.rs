//! Checking that an Apiframe webhook really came from Apiframe.
//!
//! The signature header is an HMAC-SHA256 of the raw body keyed with the SHA-256 of the API key.
//! The docs leave two things open: whether that key is the digest's lowercase hex text or its
//! 32 raw bytes, and whether the signature is hex or base64. Every combination derives from the
//! API key alone, so [`verify`] accepts any of them, each compared in constant time.
//!
//! A leaf: uses no other module of the crate, and no I/O.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Whether `signature` (the `X-Webhook-Signature` header) signs `body` for `api_key`.
/// The body must be the raw bytes received, before any JSON parsing.
pub fn verify(body: &[u8], signature: &str, api_key: &str) -> bool {
    let Some(expected) = decode_signature(signature) else {
        return false;
    };
    let digest = Sha256::digest(api_key.as_bytes());
    let hex_key = hex_lower(&digest);
    [hex_key.as_bytes(), digest.as_slice()].iter().any(|key| {
        let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(&expected).is_ok()
    })
}

/// The hex signature Apiframe would send for `body`, keyed with the hex text of SHA-256(key).
/// The emulator and tests use it; receivers use [`verify`].
pub fn sign(body: &[u8], api_key: &str) -> String {
    let key = hex_lower(&Sha256::digest(api_key.as_bytes()));
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    hex_lower(&mac.finalize().into_bytes())
}

/// 32 bytes from hex (any case) or base64 (standard or URL-safe), with an optional `sha256=`.
fn decode_signature(signature: &str) -> Option<Vec<u8>> {
    let s = signature.trim();
    let s = s.strip_prefix("sha256=").unwrap_or(s);
    let bytes = if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else {
        STANDARD
            .decode(s)
            .or_else(|_| URL_SAFE.decode(s))
            .or_else(|_| URL_SAFE_NO_PAD.decode(s))
            .ok()?
    };
    (bytes.len() == 32).then_some(bytes)
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"event":"completed","jobId":"j1","status":"COMPLETED"}"#;
    const KEY: &str = "afk_live_0123456789";

    fn mac(key: &[u8], body: &[u8]) -> Vec<u8> {
        let mut m = HmacSha256::new_from_slice(key).unwrap();
        m.update(body);
        m.finalize().into_bytes().to_vec()
    }

    #[test]
    fn accepts_every_documented_combination() {
        let digest = Sha256::digest(KEY.as_bytes());
        let hex_key = hex_lower(&digest);
        for key in [hex_key.as_bytes(), digest.as_slice()] {
            let sig = mac(key, BODY);
            for encoded in [
                hex_lower(&sig),
                hex_lower(&sig).to_uppercase(),
                format!("sha256={}", hex_lower(&sig)),
                STANDARD.encode(&sig),
                URL_SAFE_NO_PAD.encode(&sig),
            ] {
                assert!(verify(BODY, &encoded, KEY), "{encoded}");
            }
        }
        assert!(verify(BODY, &sign(BODY, KEY), KEY));
    }

    #[test]
    fn rejects_tampering_wrong_keys_and_junk() {
        let sig = sign(BODY, KEY);
        assert!(!verify(
            b"{\"event\":\"completed\",\"jobId\":\"j2\"}",
            &sig,
            KEY
        ));
        assert!(!verify(BODY, &sig, "afk_other_key"));
        // HMAC keyed with the API key itself (not its digest) is not Apiframe's scheme.
        assert!(!verify(BODY, &hex_lower(&mac(KEY.as_bytes(), BODY)), KEY));
        for junk in ["", "zz", &sig[..63], "not base64 at all!", &"0".repeat(64)] {
            assert!(!verify(BODY, junk, KEY), "{junk}");
        }
    }
}
