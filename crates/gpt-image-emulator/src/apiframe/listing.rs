//! `GET /v2/jobs`: the caller's Apiframe jobs, newest first, filtered and paged.
//!
//! The query is checked by a pure function ([`parse_list_query`]); the handler reads the job
//! store under the same faults and auth as every Apiframe route.

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::Query;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::bodies::{job_body, status_name};
use crate::errors::ApiError;
use crate::faults::RequestKind;
use crate::jobs::{Job, Provider};
use crate::requests::Arrival;
use crate::{lock, request_host};

/// Parsed `GET /v2/jobs` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Only jobs in this status (upper case).
    pub status: Option<String>,
    /// Only jobs of this model.
    pub model: Option<String>,
    /// Page size, 1..100.
    pub limit: usize,
    /// Only jobs created before the job with this sequence number.
    pub cursor: Option<u64>,
}

/// Validates the listing query.
pub fn parse_list_query(query: &HashMap<String, String>) -> Result<ListQuery, ApiError> {
    let status = match query.get("status").map(|s| s.to_ascii_uppercase()) {
        None => None,
        Some(s) if s.is_empty() => None,
        Some(s) if ["QUEUED", "PROCESSING", "COMPLETED", "FAILED"].contains(&s.as_str()) => Some(s),
        Some(s) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                format!("status must be one of QUEUED, PROCESSING, COMPLETED, FAILED, got '{s}'"),
            ));
        }
    };
    let limit = match query.get("limit").filter(|l| !l.is_empty()) {
        None => 20,
        Some(l) => match l.parse::<usize>() {
            Ok(n @ 1..=100) => n,
            _ => {
                return Err(ApiError::invalid(
                    "invalid_parameter",
                    format!("limit must be an integer from 1 to 100, got '{l}'"),
                ));
            }
        },
    };
    let cursor = match query.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<u64>().map_err(|_| {
            ApiError::invalid("invalid_cursor", format!("cursor '{c}' is not valid"))
        })?),
    };
    Ok(ListQuery {
        status,
        model: query.get("model").filter(|m| !m.is_empty()).cloned(),
        limit,
        cursor,
    })
}

/// `GET /v2/jobs?status=&model=&limit=&cursor=`: newest first, the caller's jobs only.
pub async fn list(arrival: Arrival, Query(query): Query<HashMap<String, String>>) -> Response {
    let request = &arrival.to(Provider::Apiframe);
    let (state, headers, query) = (&request.state, &request.headers, &query);
    lock(&state.stats).listed(&request.presented_key);
    request
        .answer(RequestKind::Poll, |plan, key| async move {
            let query = match parse_list_query(query) {
                Ok(query) => query,
                Err(error) => return request.reply(error),
            };
            let now = Instant::now();
            let host = request_host(headers);
            let jobs = lock(&state.jobs);
            let mut matching = jobs
                .newest_first(Provider::Apiframe, &key)
                .filter(|job| query.cursor.is_none_or(|c| job.seq < c))
                .filter(|job| query.model.as_deref().is_none_or(|m| job.model == m))
                .filter(|job| {
                    query
                        .status
                        .as_deref()
                        .is_none_or(|s| status_name(job.state_at(now).0) == s)
                });
            let page: Vec<&Job> = matching.by_ref().take(query.limit).collect();
            let has_more = matching.next().is_some();
            let next_cursor = match (has_more, page.last()) {
                (true, Some(last)) => json!(last.seq.to_string()),
                _ => Value::Null,
            };
            let bodies: Vec<Value> = page
                .iter()
                .map(|job| job_body(job, now, &host, plan.alt_shape))
                .collect();
            Json(json!({"jobs": bodies, "nextCursor": next_cursor, "hasMore": has_more}))
                .into_response()
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_query_validation() {
        let q = |pairs: &[(&str, &str)]| {
            parse_list_query(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(q(&[]).expect("valid").limit, 20);
        assert_eq!(
            q(&[("status", "completed")])
                .expect("valid")
                .status
                .as_deref(),
            Some("COMPLETED")
        );
        assert!(q(&[("limit", "0")]).is_err());
        assert!(q(&[("limit", "101")]).is_err());
        assert!(q(&[("status", "DONE")]).is_err());
        assert!(q(&[("cursor", "abc")]).is_err());
    }
}
