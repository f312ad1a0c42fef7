//! RFC 9457 problem details: every error the service returns is `application/problem+json`,
//! with a stable `type`, a title, a detail, and for a domain refusal the rule's code and its
//! legal basis.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::rules::RuleCode;
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem, as returned.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:htx-ledger:problem:<kind>`.
    #[serde(rename = "type", serialize_with = "problem_type")]
    #[schema(value_type = String)]
    pub kind: &'static str,
    /// A short summary of the kind, the same for every occurrence.
    #[schema(value_type = String)]
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for a person to read (Vietnamese / English).
    pub detail: String,
    /// The request's id (also in the `x-request-id` header and the service's logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<Box<str>>,
    /// The rule that refused the command, e.g. `REG-01`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rule_code")]
    #[schema(value_type = Option<String>)]
    pub rule: Option<RuleCode>,
    /// The rule's legal basis in force on the command's legal date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub legal_basis: Option<&'static str>,
    /// For an input error: the field of the body it is about, as a dotted path
    /// (`content.members.official`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Box<str>>,
    /// For a batch: the command the problem is about, counted from 0 (nothing of the batch
    /// was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_index: Option<u32>,
}

fn rule_code<S: serde::Serializer>(
    rule: &Option<RuleCode>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match rule {
        Some(rule) => serializer.serialize_str(rule.as_str()),
        None => serializer.serialize_none(),
    }
}

fn problem_type<S: serde::Serializer>(
    kind: &&'static str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("urn:htx-ledger:problem:{kind}"))
}

impl Problem {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem {
            kind,
            title,
            status: status.as_u16(),
            detail: detail.into(),
            instance: None,
            rule: None,
            legal_basis: None,
            field: None,
            command_index: None,
        }
    }

    /// The problem of command `index` of a batch.
    pub fn of_command(mut self, index: usize) -> Problem {
        self.command_index = Some(u32::try_from(index).unwrap_or(u32::MAX));
        self
    }

    /// The command of a batch it is about, if any.
    pub fn command(&self) -> Option<usize> {
        self.command_index.map(|i| i as usize)
    }

    /// Says that the problem of its command (`what` names it) refused the whole batch.
    pub fn in_batch(mut self, what: &str) -> Problem {
        let index = self.command().unwrap_or_default();
        self.detail = format!(
            "lệnh thứ {index} của lô ({what}), không ghi gì của lô / command {index} of the batch ({what}), nothing of the batch written: {}",
            self.detail
        );
        self
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Names the rule that refused, and its legal basis on the command's date.
    pub fn with_rule(mut self, rule: RuleCode, legal_basis: Option<&'static str>) -> Problem {
        self.rule = Some(rule);
        self.legal_basis = legal_basis;
        self
    }

    /// Names the field of the body an input error is about (none for the whole body).
    pub fn with_field(mut self, field: String) -> Problem {
        self.field = (!field.is_empty()).then(|| field.into_boxed_str());
        self
    }

    /// 400: the body or a parameter is not what the route reads.
    pub fn malformed(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "Yêu cầu không đúng định dạng / Malformed request",
            detail,
        )
    }

    /// 422: well-formed, but not a valid command for this route.
    pub fn invalid_command(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-command",
            "Lệnh không hợp lệ / Invalid command",
            detail,
        )
    }

    /// 422: the domain refused the command; nothing was written.
    pub fn refused(
        detail: impl Into<String>,
        rule: Option<RuleCode>,
        legal_basis: Option<&'static str>,
    ) -> Problem {
        let problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
            "Lệnh bị từ chối, không ghi gì / Command refused, nothing written",
            detail,
        );
        match rule {
            Some(rule) => problem.with_rule(rule, legal_basis),
            None => problem,
        }
    }

    /// 401: no token, or one the ledger does not know or has revoked.
    pub fn unauthenticated(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Chưa đăng nhập / Not authenticated",
            detail,
        )
    }

    /// 403: the person's role may not use this route.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Không có quyền / Forbidden",
            detail,
        )
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Không tìm thấy / Not found",
            detail,
        )
    }

    /// 409: the aggregate kept changing under the command (after the server's own retries),
    /// or an idempotency key is in use by a request still running.
    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::CONFLICT,
            "conflict",
            "Xung đột, hãy thử lại / Conflict, try again",
            detail,
        )
    }

    /// 413.
    pub fn too_large(limit: usize) -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Nội dung quá lớn / Payload too large",
            format!("the body is larger than {limit} bytes"),
        )
    }

    /// 413: an entry the command would write does not fit the log's tiles (C2SP tlog-tiles
    /// holds an entry in at most 65,535 bytes); nothing was written.
    pub fn entry_too_large(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "entry-too-large",
            "Mục ghi quá lớn, không ghi gì / Entry too large, nothing written",
            detail,
        )
    }

    /// 500: the service failed (logged with the request id); nothing is claimed written.
    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Lỗi hệ thống / Internal error",
            detail,
        )
    }

    /// 503: the database or another dependency is not available.
    pub fn unavailable(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Dịch vụ tạm thời không sẵn sàng / Service unavailable",
            detail,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"htx-ledger\""),
            );
        }
        response
    }
}

impl From<store::StoreError> for Problem {
    fn from(error: store::StoreError) -> Problem {
        if let store::StoreError::NotInLog(detail) = &error {
            return Problem::not_found(format!("not in the log: {detail}"));
        }
        tracing::error!(%error, "store error");
        Problem::unavailable(format!("the ledger's database failed: {error}"))
    }
}
