//! The HTTP request and reply as plain values, shared by [`crate::wire`] (which builds and reads
//! them), [`crate::retry`] (which reads `Retry-After` from a reply) and the wasm32 transport
//! (which executes them).
//!
//! Data only: no I/O, no clock, and no knowledge of any provider.

/// A request ready for fetch.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// `(lower-case name, value)` pairs. The key header's value is secret: never log these.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// The methods the providers' APIs use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl HttpRequest {
    /// The first header with this lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What came back, with only the headers the client reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    /// `(lower-case name, value)` pairs.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The response headers the client reads; the transport collects only these.
pub const READ_HEADERS: [&str; 3] = ["retry-after", "retry-after-ms", "x-request-id"];

impl HttpResponse {
    /// The first header with this lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
