use super::*;
use crate::names::Version;

fn m() -> Subject {
    Subject::ModelVersion(ModelName::parse("fraud").unwrap(), Version::new(1).unwrap())
}

#[test]
fn roles_order_and_read_back() {
    assert!(Role::Viewer < Role::Contributor && Role::Approver < Role::Admin);
    for r in Role::ALL {
        assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
    }
    assert_eq!(Role::parse_base("NONE").unwrap(), None);
    assert_eq!(Role::parse_base("Approver").unwrap(), Some(Role::Approver));
    assert!("owner".parse::<Role>().is_err());
    assert!(BaseRoles::new(None, Some(Role::Approver)).is_err());
}

#[test]
fn the_highest_source_wins_and_an_owned_model_ignores_the_base_role() {
    let base = BaseRoles::default();
    let plain = Standing::default();
    assert_eq!(plain.role(&base), Some(Role::Contributor));
    let granted = Standing {
        on_model: Some(Role::Approver),
        ..Standing::default()
    };
    assert_eq!(granted.role(&base), Some(Role::Approver));
    let owned = Standing {
        model_owned: true,
        ..Standing::default()
    };
    assert_eq!(owned.role(&base), None, "another team's model");
    let member = Standing {
        owner_member: true,
        ..owned.clone()
    };
    assert_eq!(member.role(&base), Some(Role::Contributor));
    let viewer_everywhere = Standing {
        global: Some(Role::Viewer),
        ..owned
    };
    assert_eq!(viewer_everywhere.role(&base), Some(Role::Viewer));
    let admin = Standing {
        admin: true,
        ..Standing::default()
    };
    assert_eq!(
        admin.role(&BaseRoles::new(None, None).unwrap()),
        Some(Role::Admin)
    );
}

#[test]
fn anonymous_requests_never_approve_and_refusals_say_who_may() {
    let base = BaseRoles::default();
    let anon = Standing {
        anonymous: true,
        ..Standing::default()
    };
    assert!(anon
        .decide(
            &base,
            "anonymous",
            Role::Contributor,
            Action::ModelVersionCreate,
            &m()
        )
        .is_ok());
    let refused = anon
        .decide(
            &base,
            "anonymous",
            Role::Approver,
            Action::ReviewApprove,
            &m(),
        )
        .unwrap_err();
    assert!(refused.to_string().contains("anonymous"), "{refused}");
    let viewer = Standing {
        global: Some(Role::Viewer),
        ..Standing::default()
    };
    let strict = BaseRoles::new(None, None).unwrap();
    let refused = viewer
        .decide(
            &strict,
            "vera",
            Role::Contributor,
            Action::ModelVersionCreate,
            &m(),
        )
        .unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("vera has the viewer role on registered model 'fraud'")
            && text.contains("needs contributor"),
        "{text}"
    );
}

#[test]
fn tokens_for_oneself_need_no_more_than_viewer() {
    let alice = Subject::User(UserName::parse("alice").unwrap());
    assert_eq!(
        required(Action::TokenIssue, &alice, "alice"),
        Some(Role::Viewer)
    );
    assert_eq!(
        required(Action::TokenIssue, &alice, "bob"),
        Some(Role::Admin)
    );
    assert_eq!(
        required(Action::ReviewApply, &m(), "x"),
        Some(Role::Approver)
    );
    assert_eq!(required(Action::GrantSet, &alice, "x"), Some(Role::Admin));
    assert_eq!(required(Action::UserChangePassword, &alice, "alice"), None);
    assert_eq!(
        required(Action::UserChangePassword, &alice, "bob"),
        Some(Role::Admin)
    );
    assert_eq!(required(Action::SessionSignIn, &alice, "alice"), None);
}
