//! The demo registry reads like a real team's, on both databases: a user for each role
//! whose token authenticates, a team owning models, reviews in every final state and some
//! still open (one failing its check), a rollback and a protected alias, all dated across
//! the last 90 days, and an audit chain that verifies.
use crate::common::{registries, trail};
use pedigree_core::access::{BaseRoles, Role};
use pedigree_core::audit::{Action, AuditFilter, VerifyOutcome};
use pedigree_core::review::RequestStatus;
use pedigree_core::time::now_millis;
use pedigree_core::user::Actor;
use pedigree_core::{AliasName, ModelName};

#[tokio::test]
async fn the_demo_has_people_reviews_and_ninety_days_of_history() {
    for t in registries().await {
        // As `scripts/run-demo.sh` serves it: signed-in users without grants only read, so
        // each demo user's grant is their role.
        let settings = pedigree_core::service::Settings {
            base_roles: BaseRoles::new(Some(Role::Viewer), Some(Role::Contributor)).unwrap(),
            review_gate: true,
            ..t.reg.settings()
        };
        let reg = &t.reg.clone().with_settings(settings);
        let demo = pedigree_core::demo::load(reg).await.unwrap();
        assert_eq!(demo.versions, 46);
        let roles: Vec<(String, Role)> = demo
            .users
            .iter()
            .map(|u| (u.name.clone(), u.role))
            .collect();
        for role in [Role::Contributor, Role::Approver, Role::Viewer, Role::Admin] {
            assert!(roles.iter().any(|(_, r)| *r == role), "{roles:?}");
        }
        for u in &demo.users {
            let actor = reg.authenticate_token(&u.token).await.unwrap();
            assert_eq!(actor.name(), u.name);
            assert_eq!(
                reg.role_of(&actor, None).await.unwrap(),
                Some(u.role),
                "{}",
                u.name
            );
            assert!(u.password.len() >= 12);
        }
        let all = reg
            .list_transition_requests(None, None, None)
            .await
            .unwrap();
        let count = |s: RequestStatus| all.iter().filter(|r| r.status == s).count();
        assert!(
            count(RequestStatus::Applied) >= 10,
            "{}",
            count(RequestStatus::Applied)
        );
        for s in [
            RequestStatus::Rejected,
            RequestStatus::Cancelled,
            RequestStatus::Open,
        ] {
            assert!(count(s) >= 1, "{s}: {all:?}");
        }
        let open: Vec<_> = all
            .iter()
            .filter(|r| r.status == RequestStatus::Open)
            .collect();
        assert!(
            open.iter().any(|r| r.checks.iter().any(|c| !c.passed)),
            "an open request fails its check: {open:?}"
        );
        assert!(
            all.iter().any(|r| r.comments.len() >= 2),
            "threads have comments"
        );
        // Ownership, rollback and a protected alias.
        let fraud = ModelName::parse("fraud-detector").unwrap();
        assert_eq!(
            reg.model_owner(&fraud).await.unwrap().unwrap().as_str(),
            "risk-ml"
        );
        let forecast = ModelName::parse("demand-forecast").unwrap();
        assert!(reg
            .protected_aliases(&forecast)
            .await
            .unwrap()
            .contains(&AliasName::parse("prod-eu").unwrap()));
        let events = trail(reg, AuditFilter::default(), 1000).await;
        assert!(events
            .iter()
            .any(|e| matches!(e.action(), Ok(Action::ModelVersionRollback))));
        // Dated across the last 90 days, in chain order.
        let first = trail(
            reg,
            AuditFilter {
                actions: vec![Action::RunCreate],
                ..Default::default()
            },
            1000,
        )
        .await;
        let oldest = first.iter().map(|e| e.at).min().unwrap();
        let day = 86_400_000;
        assert!(
            now_millis() - oldest > 80 * day,
            "the history starts ~90 days ago"
        );
        assert!(
            events.windows(2).all(|w| w[0].at >= w[1].at),
            "time only moves forward"
        );
        assert!(matches!(
            reg.verify_audit(&Actor::system()).await.unwrap(),
            VerifyOutcome::Ok { .. }
        ));
    }
}
