//! Holder history, protected aliases, demotion and rollback, on both databases: an applied
//! review records its stage and alias tenures under its request; the production alias is
//! protected (contributors refused, approvers allowed) and others may be protected too; a
//! demotion clears it; a rollback puts a former Production holder back in one call; what
//! served at an instant is one query, and every alias's tenures are contiguous.
use crate::governance::{denied, request, stage, text, v, world};
use pedigree_core::holders::{HoldKind, Holding, HowMoved};
use pedigree_core::names::*;
use pedigree_core::Error;

fn of<'a>(h: &'a [Holding], kind: HoldKind, slot: &str) -> Vec<&'a Holding> {
    h.iter()
        .filter(|x| x.kind == kind && x.slot == slot)
        .collect()
}

#[tokio::test]
async fn reviews_demotions_and_rollbacks_leave_a_contiguous_holder_history() {
    for t in crate::common::registries().await {
        let w = world(&t.reg).await;
        let (reg, f) = (&w.reg, &w.fraud);
        let champion = AliasName::parse("champion").unwrap();
        // v1 through review: its tenures name the request.
        let r1 = reg
            .open_transition_request(&w.carl, request(f, v(1)))
            .await
            .unwrap();
        reg.approve_transition_request(&w.ada, r1.id, text(""))
            .await
            .unwrap();
        let h = reg.holder_history(f, None).await.unwrap();
        let prod = of(&h, HoldKind::Stage, "Production");
        assert_eq!(prod.len(), 1, "{h:?}");
        assert_eq!((prod[0].version, prod[0].how), (v(1), HowMoved::Review));
        assert_eq!(prod[0].request_id, Some(r1.id.get()));
        assert_eq!(prod[0].moved_by, "ada");
        let alias = of(&h, HoldKind::Alias, "champion");
        assert_eq!((alias[0].version, alias[0].to), (v(1), None));

        // The production alias is protected: a contributor may not move or delete it.
        let m = denied(reg.set_alias(&w.carl, f, champion.clone(), v(2)).await);
        assert!(
            m.contains("protected") && m.contains("carl has the contributor role"),
            "{m}"
        );
        denied(reg.delete_alias(&w.carl, f, &champion).await);
        // An unprotected alias moves freely; once an admin protects it, it does not.
        let eu = AliasName::parse("prod-eu").unwrap();
        reg.set_alias(&w.carl, f, eu.clone(), v(2)).await.unwrap();
        denied(reg.protect_alias(&w.carl, f, &eu, true).await);
        let now = reg.protect_alias(&w.root, f, &eu, true).await.unwrap();
        assert_eq!(now, [champion.clone(), eu.clone()]);
        denied(reg.set_alias(&w.carl, f, eu.clone(), v(1)).await);
        reg.set_alias(&w.ada, f, eu.clone(), v(1)).await.unwrap();

        // v2 through review: v1 archived, champion moves.
        let r2 = reg
            .open_transition_request(&w.carl, request(f, v(2)))
            .await
            .unwrap();
        reg.approve_transition_request(&w.bea, r2.id, text(""))
            .await
            .unwrap();
        assert_eq!(stage(reg, f, v(1)).await, Stage::Archived);
        assert_eq!(reg.resolve_alias(f, &champion).await.unwrap(), v(2));
        let h = reg.holder_history(f, None).await.unwrap();
        let prod = of(&h, HoldKind::Stage, "Production");
        let (p1, p2) = (prod[0], prod[1]);
        assert_eq!(p1.to, Some(p2.from), "v1's tenure ends as v2's begins");
        assert_eq!(p1.ended_by.as_deref(), Some("bea"));
        // What served at an instant: one query.
        let then = reg.holder_history(f, Some(p1.from)).await.unwrap();
        assert!(
            then.iter()
                .any(|x| x.slot == "Production" && x.version == v(1)),
            "{then:?}"
        );
        let later = reg.holder_history(f, Some(p2.from)).await.unwrap();
        let serving: Vec<Version> = later
            .iter()
            .filter(|x| x.slot == "champion")
            .map(|x| x.version)
            .collect();
        assert_eq!(serving, [v(2)]);
        assert!(!later
            .iter()
            .any(|x| x.slot == "Production" && x.version == v(1)));

        // Rollback: approvers only, to a former Production holder, in one call.
        denied(reg.rollback(&w.carl, f, v(1)).await);
        let back = reg.rollback(&w.bea, f, v(1)).await.unwrap();
        assert_eq!(back.version.stage, Stage::Production);
        assert_eq!(back.archived, [v(2)]);
        assert_eq!(reg.resolve_alias(f, &champion).await.unwrap(), v(1));
        let h = reg.holder_history(f, None).await.unwrap();
        let last = *of(&h, HoldKind::Stage, "Production").last().unwrap();
        assert_eq!((last.version, last.how), (v(1), HowMoved::Rollback));
        assert!(matches!(
            reg.rollback(&w.bea, f, v(1)).await,
            Err(Error::FailedPrecondition(_))
        ));

        // Demotion: a contributor may not; an approver's clears the production alias.
        denied(
            reg.transition_stage(&w.carl, f, v(1), Stage::Archived, false)
                .await,
        );
        reg.transition_stage(&w.bea, f, v(1), Stage::Archived, false)
            .await
            .unwrap();
        assert!(
            reg.resolve_alias(f, &champion).await.is_err(),
            "champion cleared"
        );
        let h = reg.holder_history(f, None).await.unwrap();
        let champ = of(&h, HoldKind::Alias, "champion");
        assert!(champ.iter().all(|x| x.to.is_some()), "{champ:?}");
        assert_eq!(champ.last().unwrap().ended_by.as_deref(), Some("bea"));
        // A version that never held Production cannot be rolled back to.
        let r3 = reg
            .open_transition_request(&w.carl, request(f, v(2)))
            .await
            .unwrap();
        reg.cancel_transition_request(&w.carl, r3.id, text(""))
            .await
            .unwrap();
        // Every alias's tenures are contiguous or separated by a deletion, never overlapping.
        for slot in ["champion", "prod-eu"] {
            for pair in of(&h, HoldKind::Alias, slot).windows(2) {
                let end = pair[0].to.expect("an earlier tenure ended");
                assert!(end <= pair[1].from, "{slot}: {pair:?}");
            }
        }
    }
}
