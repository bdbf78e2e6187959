//! `GET /v2/jobs`: the caller's Apiframe jobs, newest first, filtered and paged.
//!
//! `status` takes one status or several separated by commas (any case); `search` is a job id;
//! `scope` (`user` or `team`) is accepted and changes nothing, since an emulated team has one
//! member per key.
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
    /// Only jobs in one of these statuses (upper case); empty means any.
    pub statuses: Vec<String>,
    /// Only the job with this id.
    pub search: Option<String>,
    /// Only jobs of this model.
    pub model: Option<String>,
    /// Page size, 1..100.
    pub limit: usize,
    /// Only jobs created before the job with this sequence number.
    pub cursor: Option<u64>,
}

/// Validates the listing query.
pub fn parse_list_query(query: &HashMap<String, String>) -> Result<ListQuery, ApiError> {
    const STATUSES: [&str; 4] = ["QUEUED", "PROCESSING", "COMPLETED", "FAILED"];
    let statuses = query
        .get("status")
        .map(|text| text.split(','))
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .map(|s| match STATUSES.contains(&s.as_str()) {
            true => Ok(s),
            false => Err(ApiError::invalid(
                "invalid_parameter",
                format!(
                    "status must be one or more of QUEUED, PROCESSING, COMPLETED, FAILED \
                     (separated by commas), got '{s}'"
                ),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    match query.get("scope").map(String::as_str) {
        None | Some("" | "user" | "team") => {}
        Some(other) => {
            return Err(ApiError::invalid(
                "invalid_parameter",
                format!("scope must be user or team, got '{other}'"),
            ));
        }
    }
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
        statuses,
        search: query.get("search").filter(|s| !s.is_empty()).cloned(),
        model: query.get("model").filter(|m| !m.is_empty()).cloned(),
        limit,
        cursor,
    })
}

/// `GET /v2/jobs?status=&model=&limit=&cursor=&scope=&search=`: newest first, the caller's jobs
/// only.
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
                .filter(|job| query.search.as_deref().is_none_or(|id| job.id == id))
                .filter(|job| {
                    let status = status_name(job.state_at(now).0);
                    query.statuses.is_empty() || query.statuses.iter().any(|s| s == status)
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
            q(&[("status", "completed")]).expect("valid").statuses,
            vec!["COMPLETED"]
        );
        assert_eq!(
            q(&[("status", "queued, Processing,")])
                .expect("valid")
                .statuses,
            vec!["QUEUED", "PROCESSING"]
        );
        assert!(q(&[("status", "")]).expect("valid").statuses.is_empty());
        assert!(q(&[("status", "QUEUED,DONE")]).is_err());
        assert!(q(&[("scope", "team")]).is_ok());
        assert!(q(&[("scope", "world")]).is_err());
        assert_eq!(
            q(&[("search", "abc")]).expect("valid").search.as_deref(),
            Some("abc")
        );
        assert!(q(&[("limit", "0")]).is_err());
        assert!(q(&[("limit", "101")]).is_err());
        assert!(q(&[("status", "DONE")]).is_err());
        assert!(q(&[("cursor", "abc")]).is_err());
    }
}
