//! The demo registry's people and their governance history: a user for each role (a
//! contributor, two approvers, a manager who is a viewer, an admin), a team owning two
//! models, a required check, and the reviews a real team leaves behind — applied,
//! rejected, cancelled, still open (one with a failing check) — plus a rollback and a
//! protected alias. Passwords are random and shown once (`pedigree demo --json`).
use crate::access::{Principal, Role, Scope, TeamName};
use crate::error::Result;
use crate::names::{AliasName, ModelName, Stage, UserName, Version};
use crate::review::{CommentText, RequiredCheck, ReviewPolicy};
use crate::service::reviews::OpenRequest;
use crate::service::Registry;
use crate::time::ManualClock;
use crate::user::Actor;
use serde::Serialize;

const HOUR: i64 = 3_600_000;

/// A demo user, with the secrets a script needs to act as them.
#[derive(Clone, Serialize)]
pub struct DemoUser {
    pub name: String,
    pub role: Role,
    pub password: String,
    pub token: String,
}

impl std::fmt::Debug for DemoUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DemoUser({}, {})", self.name, self.role)
    }
}

/// The cast: (name, display name, role).
const CAST: [(&str, &str, Role); 5] = [
    (
        "alice",
        "Alice Martin (ML engineer, contributor)",
        Role::Contributor,
    ),
    ("bob", "Bob Okafor (approver)", Role::Approver),
    ("dana", "Dana Kim (approver)", Role::Approver),
    ("carol", "Carol Diaz (manager, viewer)", Role::Viewer),
    ("erin", "Erin Novak (admin)", Role::Admin),
];

pub fn actor(name: &str) -> Actor {
    Actor::new(UserName::parse(name).expect("demo names are valid"))
}

fn text(s: &str) -> Result<CommentText> {
    CommentText::parse(s)
}

/// Creates the cast, each with a random password and an API token.
pub async fn cast(reg: &Registry) -> Result<Vec<DemoUser>> {
    let system = Actor::system();
    let mut out = vec![];
    for (name, display, role) in CAST {
        let user = UserName::parse(name)?;
        let password = crate::service::passwords::generate();
        reg.create_user_with_password(
            &system,
            user.clone(),
            display.into(),
            role == Role::Admin,
            &password,
            false,
        )
        .await?;
        if role != Role::Admin {
            reg.grant(
                &system,
                &Principal::User(user.clone()),
                &Scope::Global,
                role,
            )
            .await?;
        }
        let token = reg.issue_token(&system, &user, "demo").await?;
        out.push(DemoUser {
            name: name.into(),
            role,
            password: password.expose().to_string(),
            token: token.secret,
        });
    }
    Ok(out)
}

/// The team `risk-ml` (alice and bob) owns two models; credit-risk asks for a check.
pub async fn team_and_policies(reg: &Registry) -> Result<()> {
    let erin = actor("erin");
    let team = TeamName::parse("risk-ml")?;
    reg.create_team(&erin, team.clone(), "Fraud and credit models".into())
        .await?;
    for u in ["alice", "bob"] {
        reg.add_team_member(&erin, &team, &UserName::parse(u)?)
            .await?;
    }
    for m in ["fraud-detector", "credit-risk"] {
        reg.set_model_owner(&erin, &ModelName::parse(m)?, Some(&team))
            .await?;
    }
    let credit = ModelName::parse("credit-risk")?;
    let policy = ReviewPolicy::default().with_checks(vec![RequiredCheck::filter(
        "auc-floor",
        "metrics.auc >= 0.99",
    )?])?;
    reg.set_review_policy(&erin, &credit, policy).await?;
    Ok(())
}

/// Alice asks for Production; an approver decides some hours later: approve (the apply
/// moves `champion`), or — when `reject` — turn it down with a reason.
pub async fn review(
    reg: &Registry,
    clock: &ManualClock,
    name: &ModelName,
    version: Version,
    approver: &str,
    reject: bool,
) -> Result<()> {
    let alice = actor("alice");
    let req = reg
        .open_transition_request(
            &alice,
            OpenRequest {
                name: name.clone(),
                version,
                to_stage: Stage::Production,
                archive_existing_versions: true,
                comment: text(&format!(
                    "Retrained {name} v{version}: validation AUC is up on the holdout. Ready for Production?"
                ))?,
            },
        )
        .await?;
    clock.advance(3 * HOUR);
    let by = actor(approver);
    if reject {
        reg.reject_transition_request(
            &by,
            req.id,
            text("Calibration drifted on the last two weeks of data; retrain with the new features first.")?,
        )
        .await?;
    } else {
        reg.comment_transition_request(
            &by,
            req.id,
            text("Compared with the current champion: better on every slice.")?,
        )
        .await?;
        clock.advance(HOUR);
        reg.approve_transition_request(&by, req.id, text("Approved.")?)
            .await?;
    }
    Ok(())
}

/// Alice asks, then withdraws the request herself.
pub async fn cancelled(
    reg: &Registry,
    clock: &ManualClock,
    name: &ModelName,
    version: Version,
) -> Result<()> {
    let alice = actor("alice");
    let req = reg
        .open_transition_request(
            &alice,
            OpenRequest {
                name: name.clone(),
                version,
                to_stage: Stage::Production,
                archive_existing_versions: true,
                comment: text("Early candidate, for a look.")?,
            },
        )
        .await?;
    clock.advance(2 * HOUR);
    reg.cancel_transition_request(&alice, req.id, text("Superseded by the next retrain.")?)
        .await?;
    Ok(())
}

/// The last weeks: a rollback, a protected alias, and requests still awaiting review.
pub async fn recent(
    reg: &Registry,
    clock: &ManualClock,
    latest: &[(ModelName, Version)],
) -> Result<()> {
    let day = 24 * HOUR;
    let fraud = ModelName::parse("fraud-detector")?;
    let holders = reg.holder_history(&fraud, None).await?;
    let mut served: Vec<Version> = holders
        .iter()
        .filter(|h| h.slot == Stage::Production.as_str())
        .map(|h| h.version)
        .collect();
    served.dedup();
    if served.len() >= 2 {
        // The newest champion regressed in production: bob rolls back to the one before.
        clock.advance(2 * day);
        reg.rollback(&actor("bob"), &fraud, served[served.len() - 2])
            .await?;
    }
    // A regional alias that only approvers move.
    clock.advance(day);
    let forecast = ModelName::parse("demand-forecast")?;
    let eu = AliasName::parse("prod-eu")?;
    reg.protect_alias(&actor("erin"), &forecast, &eu, true)
        .await?;
    let champion = reg
        .resolve_alias(&forecast, &AliasName::parse("champion")?)
        .await?;
    reg.set_alias(&actor("dana"), &forecast, eu, champion)
        .await?;
    // Awaiting review: the newest churn model, and a credit-risk model whose check fails.
    clock.advance(day);
    for (name, version) in latest {
        if ["churn-predictor", "credit-risk"].contains(&name.as_str())
            && reg.get_model_version(name, *version).await?.stage != Stage::Production
        {
            reg.open_transition_request(
                &actor("alice"),
                OpenRequest {
                    name: name.clone(),
                    version: *version,
                    to_stage: Stage::Production,
                    archive_existing_versions: true,
                    comment: text("Weekly retrain; please review.")?,
                },
            )
            .await?;
            clock.advance(HOUR);
        }
    }
    Ok(())
}
