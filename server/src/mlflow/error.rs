//! The one mapping from the domain error to MLflow's wire error: `{"error_code", "message"}`
//! with the HTTP status MLflow clients expect for each code. Bad input is always a 4xx: the
//! client retries 5xx for minutes.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pedigree_core::Error;

#[derive(Debug)]
pub struct ApiError(pub Error);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        ApiError(Error::InvalidArgument(msg.into()))
    }

    pub fn code_and_status(&self) -> (&'static str, StatusCode) {
        match &self.0 {
            Error::NotFound { .. } => ("RESOURCE_DOES_NOT_EXIST", StatusCode::NOT_FOUND),
            // MLflow answers duplicates with 400, and clients branch on the code.
            Error::AlreadyExists { .. } => ("RESOURCE_ALREADY_EXISTS", StatusCode::BAD_REQUEST),
            Error::InvalidArgument(_) => ("INVALID_PARAMETER_VALUE", StatusCode::BAD_REQUEST),
            Error::Unauthenticated(_) => ("UNAUTHENTICATED", StatusCode::UNAUTHORIZED),
            Error::PermissionDenied(_) => ("PERMISSION_DENIED", StatusCode::FORBIDDEN),
            Error::FailedPrecondition(_) => ("RESOURCE_CONFLICT", StatusCode::CONFLICT),
            Error::Unavailable(_) => ("TEMPORARILY_UNAVAILABLE", StatusCode::SERVICE_UNAVAILABLE),
            Error::Internal(_) => ("INTERNAL_ERROR", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

/// An MLflow-shaped error response.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error_code": code, "message": message})),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code_and_status();
        let mut resp = error_response(status, code, &self.0.to_string());
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer, Basic realm=\"pedigree\""),
            );
        }
        resp
    }
}
