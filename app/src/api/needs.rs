//! What each server function needs before it runs (deny by default): the server checks it
//! on every call (`server/src/shell/permission.rs`) and refuses a server function missing
//! here; a server test walks every registered server function against this table. The
//! core call inside decides on the exact subject (four eyes, a model's grants).
use pedigree_core::access::Need;

/// Every server function's path with its need.
pub const NEEDS: &[(&str, Need)] = &[
    ("/_app/models/list", Need::VIEWER),
    ("/_app/models/get", Need::VIEWER),
    ("/_app/versions/get", Need::VIEWER),
    ("/_app/versions/compare", Need::VIEWER),
    ("/_app/versions/request", Need::CONTRIBUTOR),
    ("/_app/versions/alias", Need::CONTRIBUTOR),
    ("/_app/versions/stage", Need::CONTRIBUTOR),
    ("/_app/versions/rollback", Need::APPROVER),
    ("/_app/experiments/list", Need::VIEWER),
    ("/_app/experiments/runs", Need::VIEWER),
    ("/_app/runs/get", Need::VIEWER),
    ("/_app/reviews/list", Need::VIEWER),
    ("/_app/reviews/get", Need::VIEWER),
    ("/_app/reviews/approve", Need::APPROVER),
    ("/_app/reviews/reject", Need::APPROVER),
    ("/_app/reviews/comment", Need::CONTRIBUTOR),
    ("/_app/session/me", Need::Anyone),
    ("/_app/audit/list", Need::VIEWER),
    ("/_app/audit/verify", Need::VIEWER),
    ("/_app/admin/users", Need::ADMIN),
    ("/_app/admin/teams", Need::ADMIN),
    ("/_app/admin/grants", Need::ADMIN),
];

/// The need of the server function at `path`; `None` for an undeclared one.
pub fn need(path: &str) -> Option<Need> {
    NEEDS.iter().find(|(p, _)| *p == path).map(|(_, n)| *n)
}
