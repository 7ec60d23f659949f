//! The native API's OpenAPI document, generated from the handlers' own annotations and
//! served at `GET /api/pedigree/v1/openapi.json`. A test requests every path it lists, so
//! the document cannot name a route the router lacks.
use axum::response::IntoResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pedigree API",
        description = "Pedigree's own API: access, the audit trail, holders, review policies and sessions. Errors are {\"error_code\", \"message\"}, as on the MLflow API."
    ),
    paths(
        super::access::me,
        super::access::teams,
        super::access::grants,
        super::access::grant,
        super::access::revoke,
        super::audit::events,
        super::audit::export,
        super::audit::verify,
        super::models::holders,
        super::models::rollback,
        super::models::protected,
        super::models::protect,
        super::models::unprotect,
        super::policies::show,
        super::policies::set,
        super::session::sign_in,
        super::session::who,
        super::session::sign_out,
        super::session::change_password,
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn document() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}
