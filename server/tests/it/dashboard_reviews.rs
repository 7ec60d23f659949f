//! The dashboard's sign-in and review pages as a browser without JavaScript meets them,
//! against the real server on port 0: the sign-in form sets the session cookie and
//! redirects (wrong credentials come back saying so, a must-change password goes to the
//! change-password form, a cross-site post is refused), the top bar names the user, their
//! role and what awaits them, and the queue and request pages render on the server with
//! what each role may do: the approver sees Approve and Reject, the requester and the
//! registrant the sentence saying why they may not, anonymous the way to sign in. An
//! approval through the page's form applies the transition and moves `champion`.
mod support;

use crate::common::spawn;
use pedigree_core::access::Role;
use pedigree_core::{ModelName, Stage, Version};
use support::*;

#[tokio::test]
async fn the_sign_in_form_sets_the_cookie_or_says_why_not() {
    let s = spawn().await;
    user(&s, "ann", None, false).await;
    user(&s, "newbie", None, true).await;

    let (status, html) = page(&s, "/sign-in", None).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"action="/sign-in""#), "{html}");
    assert!(html.contains(r#"<label for="sign-in-name""#), "{html}");

    let ok = post_form(
        &s,
        "/sign-in",
        None,
        &[
            ("name", "ann"),
            ("password", PASSWORD),
            ("next", "/reviews?tab=mine"),
        ],
    )
    .await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location, "/reviews?tab=mine");
    let c = ok.cookie.expect("a session cookie");
    assert_eq!(c.name(), COOKIE);
    assert_eq!(c.http_only(), Some(true));
    assert_eq!(c.secure(), Some(true));
    assert_eq!(c.path(), Some("/"));
    let (_, html) = page(&s, "/", Some(c.value())).await;
    assert!(
        text(&html, "session-user").as_deref() == Some("ann"),
        "{html}"
    );
    assert!(
        text(&html, "session-role").as_deref() == Some("contributor"),
        "{html}"
    );
    assert!(html.contains(r#"action="/sign-out""#), "{html}");

    // Another site's `next` is not followed.
    let away = post_form(
        &s,
        "/sign-in",
        None,
        &[
            ("name", "ann"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!((away.status, away.location.as_str()), (303, "/"));

    let wrong = post_form(
        &s,
        "/sign-in",
        None,
        &[("name", "ann"), ("password", "nope nope nope")],
    )
    .await;
    assert_eq!(wrong.status, 303);
    assert_eq!(wrong.location, "/sign-in?error=invalid");
    assert!(wrong.cookie.is_none());
    let (_, html) = page(&s, &wrong.location, None).await;
    assert!(html.contains("Invalid credentials"), "{html}");

    // A cross-site page cannot sign anyone in (or out).
    let r = browser()
        .post(s.url("/sign-in"))
        .header("origin", "https://evil.example")
        .form(&[("name", "ann"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // A must-change password goes to the change-password form, which needs the two new
    // ones to agree, and then lets the user in.
    let first = post_form(
        &s,
        "/sign-in",
        None,
        &[("name", "newbie"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(
        (first.status, first.location.as_str()),
        (303, "/account/password")
    );
    let session = first.cookie.unwrap().value().to_string();
    let (status, html) = page(&s, "/account/password", Some(&session)).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<label for="password-new""#), "{html}");
    let (_, html) = page(&s, "/", Some(&session)).await;
    assert!(
        text(&html, "session-user").as_deref() == Some("anonymous"),
        "{html}"
    );
    let new = "another sturdy passphrase";
    let differ = [
        ("current", PASSWORD),
        ("new", new),
        ("confirm", "something else entirely"),
    ];
    let p = post_form(&s, "/account/password", Some(&session), &differ).await;
    assert_eq!(p.location, "/account/password?error=mismatch");
    let (_, html) = page(&s, &p.location, Some(&session)).await;
    assert!(html.contains("The two new passwords differ."), "{html}");
    let good = [("current", PASSWORD), ("new", new), ("confirm", new)];
    let p = post_form(&s, "/account/password", Some(&session), &good).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/"));
    let (_, html) = page(&s, "/", Some(&session)).await;
    assert!(
        text(&html, "session-user").as_deref() == Some("newbie"),
        "{html}"
    );

    // Signing out ends the session and clears the cookie.
    let out = post_form(&s, "/sign-out", Some(&session), &[]).await;
    assert_eq!((out.status, out.location.as_str()), (303, "/"));
    assert_eq!(out.cookie.unwrap().value(), "");
    let (_, html) = page(&s, "/", Some(&session)).await;
    assert!(
        text(&html, "session-user").as_deref() == Some("anonymous"),
        "{html}"
    );
}

#[tokio::test]
async fn review_pages_show_each_role_what_it_may_do() {
    let s = spawn().await;
    user(&s, "ann", None, false).await;
    user(&s, "rita", None, false).await;
    user(&s, "bob", Some(Role::Approver), false).await;
    let id = seeded_request(&s).await;
    let request = format!("/reviews/{id}");
    let (ann, rita, bob) = (
        signed_in(&s, "ann").await,
        signed_in(&s, "rita").await,
        signed_in(&s, "bob").await,
    );

    // The approver: the request awaits them, in the queue and in the top bar.
    let (status, html) = page(&s, "/reviews", Some(&bob)).await;
    assert_eq!(status, 200);
    assert!(
        text(&html, "session-role").as_deref() == Some("approver"),
        "{html}"
    );
    assert!(html.contains(r#"data-testid="awaiting-count""#), "{html}");
    assert!(html.contains(&format!(r#"href="{request}""#)), "{html}");
    assert!(
        text(&html, "review-approvals").as_deref() == Some("0 / 1"),
        "{html}"
    );
    let (status, html) = page(&s, &request, Some(&bob)).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-testid="approve""#), "{html}");
    assert!(html.contains(r#"data-testid="reject""#), "{html}");
    assert!(html.contains("Current Production: v1"), "{html}");
    assert!(html.contains(r#"data-testid="review-digest""#), "{html}");
    assert!(html.contains("0 of 1 needed"), "{html}");
    assert!(html.contains("Better AUC on the new data"), "{html}");
    // learning_rate differs, max_depth does not; auc rose by 0.06.
    assert_eq!(html.matches(r#"data-differs="true""#).count(), 1, "{html}");
    assert_eq!(html.matches(r#"data-differs="false""#).count(), 1, "{html}");
    assert!(html.contains("+0.06"), "{html}");

    // The requester and the registrant are told why they cannot decide.
    let (_, html) = page(&s, &request, Some(&ann)).await;
    assert!(!html.contains(r#"data-testid="approve""#), "{html}");
    assert!(
        html.contains("You requested this transition; a second person must approve it."),
        "{html}"
    );
    let (_, html) = page(&s, "/reviews?tab=mine", Some(&ann)).await;
    assert!(html.contains(&format!(r#"href="{request}""#)), "{html}");
    let (_, html) = page(&s, "/reviews", Some(&ann)).await;
    assert!(html.contains("Nothing awaits your review."), "{html}");
    let (_, html) = page(&s, &request, Some(&rita)).await;
    assert!(!html.contains(r#"data-testid="approve""#), "{html}");
    assert!(html.contains("You registered this version"), "{html}");

    // Anonymous readers see the request and the way to sign in.
    let (status, html) = page(&s, &request, None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Sign in to approve or reject this request."),
        "{html}"
    );
    let (_, html) = page(&s, "/reviews?tab=all", None).await;
    assert!(html.contains(&format!(r#"href="{request}""#)), "{html}");
    assert_eq!(page(&s, "/reviews/999", None).await.0, 404);

    // The page's Approve form, posted without JavaScript, comes back to the page applied.
    let r = browser()
        .post(s.url("/_app/reviews/approve"))
        .header("origin", &s.base)
        .header("accept", "text/html")
        .header("referer", s.url(&request))
        .header("cookie", format!("{COOKIE}={bob}"))
        .form(&[("id", id.to_string().as_str()), ("comment", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&s.url(&request)), "{back}");
    let (_, html) = page(&s, &request, Some(&bob)).await;
    assert!(html.contains(r#"data-testid="review-applied""#), "{html}");
    assert!(html.contains("Applied: v2 is now in Production."), "{html}");
    assert!(!html.contains(r#"data-testid="approve""#), "{html}");
    let (_, html) = page(&s, "/reviews", Some(&bob)).await;
    assert!(!html.contains(r#"data-testid="awaiting-count""#), "{html}");
    let v2 = s
        .registry
        .get_model_version(&ModelName::parse("m").unwrap(), Version::new(2).unwrap())
        .await
        .unwrap();
    assert_eq!(v2.stage, Stage::Production);
    let (_, html) = page(&s, "/models/m", None).await;
    let row = |v: u32| {
        let start = html.find(&format!(r#"data-version="{v}""#)).unwrap();
        let end = start + html[start..].find("</tr>").unwrap();
        html[start..end].to_string()
    };
    assert!(row(2).contains(">Production<"), "{html}");
    assert!(row(2).contains("@champion"), "{html}");
    assert!(!row(1).contains("@champion"), "{html}");
    assert!(row(1).contains(">Archived<"), "{html}");
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_the_thread_shows_every_comment() {
    let s = spawn().await;
    user(&s, "ann", None, false).await;
    user(&s, "rita", None, false).await;
    user(&s, "bob", Some(Role::Approver), false).await;
    let id = seeded_request(&s).await.to_string();
    let request = format!("/reviews/{id}");
    let (ann, bob) = (signed_in(&s, "ann").await, signed_in(&s, "bob").await);

    let (_, html) = page(&s, &request, Some(&ann)).await;
    assert!(html.contains(r#"data-testid="comment-form""#), "{html}");
    let (_, html) = page(&s, &request, None).await;
    assert!(!html.contains(r#"data-testid="comment-form""#), "{html}");

    let said = "The holdout set is the new quarter";
    assert_eq!(
        action(&s, "comment", &ann, &[("id", &id), ("body", said)]).await,
        200
    );
    // Four eyes hold on the page's actions too.
    assert_ne!(
        action(&s, "approve", &ann, &[("id", &id), ("comment", "")]).await,
        200
    );
    assert_ne!(
        action(&s, "reject", &bob, &[("id", &id), ("reason", " ")]).await,
        200
    );
    let why = "Accuracy fell on the fraud slice";
    assert_eq!(
        action(&s, "reject", &bob, &[("id", &id), ("reason", why)]).await,
        200
    );

    let (_, html) = page(&s, &request, Some(&bob)).await;
    assert!(html.contains(r#"data-testid="review-rejected""#), "{html}");
    assert!(html.contains(why), "{html}");
    assert!(html.contains(said), "{html}");
    assert!(
        html.contains("This request is rejected; only an open request can be decided."),
        "{html}"
    );
    assert!(!html.contains(r#"data-testid="approve""#), "{html}");
    let (_, html) = page(&s, "/reviews?tab=all", Some(&bob)).await;
    assert!(html.contains(">rejected<"), "{html}");
    let (_, html) = page(&s, "/reviews", Some(&bob)).await;
    assert!(html.contains("Nothing awaits your review."), "{html}");
}
