//! The dashboard's read-only admin page against the real server on port 0: a viewer is
//! refused the page and its server functions before anything is read, and an administrator
//! sees every user with their registry-wide role, the teams and the grants.
use crate::common::{servers, user_token, Server};
use pedigree_core::access::{Role, TeamName};
use pedigree_core::user::Actor;
use pedigree_core::UserName;

async fn get(s: &Server, path: &str, token: &str) -> (u16, String) {
    let r = s
        .client
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_viewer_is_refused_the_admin_page_and_an_admin_sees_users_teams_and_grants() {
    for s in servers().await {
        admin_page(&s).await;
    }
}

async fn admin_page(s: &Server) {
    let vic = user_token(s, "vic", Some(Role::Viewer)).await;
    let ada = user_token(s, "ada", Some(Role::Admin)).await;
    let team = TeamName::parse("risk-ml").unwrap();
    s.registry
        .create_team(&Actor::system(), team.clone(), "Credit and fraud".into())
        .await
        .unwrap();
    s.registry
        .add_team_member(&Actor::system(), &team, &UserName::parse("vic").unwrap())
        .await
        .unwrap();

    let (status, html) = get(s, "/admin", &vic).await;
    assert_eq!(status, 403, "{html}");
    assert!(!html.contains("admin-users"), "{html}");
    let r = s
        .client
        .post(s.url("/_app/admin/users"))
        .bearer_auth(&vic)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    let (status, html) = get(s, "/admin", &ada).await;
    assert_eq!(status, 200, "{html}");
    let row = |name: &str| {
        let at = html
            .find(&format!(r#"data-testid="admin-user-name">{name}<"#))
            .unwrap_or_else(|| panic!("{name} listed: {html}"));
        let rest = &html[at..];
        rest.split_once(r#"data-testid="admin-user-role">"#)
            .and_then(|(_, r)| r.split_once('<'))
            .map(|(role, _)| role.to_string())
            .unwrap()
    };
    assert_eq!(row("vic"), "viewer");
    assert_eq!(row("ada"), "admin");
    assert!(html.contains("risk-ml"), "{html}");
    assert!(html.contains(r#"data-testid="admin-grants""#), "{html}");
    assert!(
        html.contains(r#"data-testid="nav-admin""#),
        "the admin is shown the way: {html}"
    );
    let (_, html) = get(s, "/audit", &vic).await;
    assert!(!html.contains(r#"data-testid="nav-admin""#), "{html}");
}
