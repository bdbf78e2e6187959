//! Telling a browser's refusal of a cross-origin call apart from other network trouble.
//!
//! When a provider sends no CORS headers, the browser refuses the call and fetch fails with a
//! bare `TypeError`: no status, no body. The core reports that as [`Error::Network`]. If the
//! call went straight to the provider (with the user's key) on another origin while the
//! browser is online, the likely cause is that the provider does not accept calls from web
//! pages, and the fix is the proxy, not "check your connection".
//!
//! A bare network error can also be a reply lost on the way, which is worth sending again. So a
//! suspected refusal is confirmed by a [`Probe`] of the base URL: reachable without CORS
//! (`mode: "no-cors"`) but refused with it means the server is there and does not accept this
//! page; anything else is left to the usual resending.
//!
//! Pure: the page's origin, the online flag and the probe's findings are passed in.

use gpt_image::Error;

/// The `scheme://host[:port]` of an http(s) URL, lower-cased, default ports dropped; `None`
/// for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // Credentials (user:pass@) are not part of the origin.
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    Some(format!("{scheme}://{host}"))
}

/// Whether `error`, from a direct call to `base_url` made by a page at `page_origin`, is most
/// likely the browser refusing a cross-origin call: a network error with no reply, to another
/// origin, while the browser says it is online.
pub fn refused_by_browser(error: &Error, page_origin: &str, base_url: &str, online: bool) -> bool {
    if !online || !matches!(error, Error::Network { .. }) {
        return false;
    }
    match (origin_of(page_origin), origin_of(base_url)) {
        (Some(page), Some(api)) => page != api,
        _ => false,
    }
}

/// What two small GET requests to the base URL found out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// A `no-cors` request got an (opaque) answer: the server is up and reachable.
    pub reachable: bool,
    /// A `cors` request got an answer the browser handed to this page.
    pub allows_page: bool,
}

/// Whether the probe confirms a suspected refusal: the server answers, but not to this page.
pub fn confirmed(probe: Probe) -> bool {
    probe.reachable && !probe.allows_page
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_server_that_answers_but_not_to_this_page_is_a_refusal() {
        let probe = |reachable, allows_page| Probe {
            reachable,
            allows_page,
        };
        assert!(confirmed(probe(true, false)));
        // A lost reply from a server that does allow this page: send again.
        assert!(!confirmed(probe(true, true)));
        // Down or unreachable: not a refusal either.
        assert!(!confirmed(probe(false, false)));
    }

    use super::*;

    fn network() -> Error {
        Error::Network {
            message: "could not reach http://127.0.0.1:9 (TypeError: Failed to fetch)".into(),
        }
    }

    #[test]
    fn origins_are_normalised() {
        assert_eq!(
            origin_of("HTTPS://Api.Apiframe.ai:443/v2/jobs?x=1").as_deref(),
            Some("https://api.apiframe.ai")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8787/some/path/").as_deref(),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(
            origin_of("http://u:p@host.example:80").as_deref(),
            Some("http://host.example")
        );
        assert_eq!(origin_of("ftp://x"), None);
        assert_eq!(origin_of("https://"), None);
        assert_eq!(origin_of("nope"), None);
    }

    #[test]
    fn a_network_error_to_another_origin_while_online_is_a_refusal() {
        let page = "http://127.0.0.1:4000";
        assert!(refused_by_browser(
            &network(),
            page,
            "https://api.apiframe.ai",
            true
        ));
        assert!(refused_by_browser(
            &network(),
            page,
            "http://127.0.0.1:9000",
            true
        ));
    }

    #[test]
    fn anything_else_is_not() {
        let page = "http://127.0.0.1:4000";
        // Offline: the connection is the problem.
        assert!(!refused_by_browser(
            &network(),
            page,
            "https://api.apiframe.ai",
            false
        ));
        // Same origin: CORS does not apply.
        assert!(!refused_by_browser(
            &network(),
            page,
            "http://127.0.0.1:4000/api",
            true
        ));
        // A reply came back: not a refused call.
        let api = Error::Api {
            status: 500,
            code: None,
            message: "boom".into(),
            request_id: None,
            body: String::new(),
        };
        assert!(!refused_by_browser(
            &api,
            page,
            "https://api.apiframe.ai",
            true
        ));
        let timeout = Error::Timeout {
            message: "slow".into(),
            job_id: None,
        };
        assert!(!refused_by_browser(
            &timeout,
            page,
            "https://api.apiframe.ai",
            true
        ));
        assert!(!refused_by_browser(
            &network(),
            "null",
            "https://api.apiframe.ai",
            true
        ));
    }
}
