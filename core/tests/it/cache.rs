//! The read cache: a read after a write sees the write, whatever was cached before it; only
//! one process may cache a SQLite database; PostgreSQL never caches.
use crate::common::{a_model, a_run, a_version, alice, metric, registries};
use pedigree_core::names::*;
use pedigree_core::service::Registry;
use pedigree_core::store::Backend;
use pedigree_core::Error;

fn tag(k: &str, v: &str) -> Tag {
    Tag {
        key: Key::parse(k).unwrap(),
        value: v.into(),
    }
}

#[tokio::test]
async fn every_cached_read_sees_the_write_that_follows_it() {
    for t in registries().await {
        let reg = t.reg.clone().with_read_cache(&t.url).unwrap();
        assert_eq!(reg.read_cache_enabled(), t.backend == Backend::Sqlite);
        let name = ModelName::parse("cached").unwrap();
        let run = a_run(&reg).await;
        a_model(&reg, &name).await;
        for _ in 0..2 {
            a_version(&reg, &name, &run).await;
        }
        let (v1, v2) = (Version::new(1).unwrap(), Version::new(2).unwrap());
        let champion = AliasName::parse("champion").unwrap();
        let loss = Key::parse("loss").unwrap();
        reg.set_alias(&alice(), &name, champion.clone(), v1)
            .await
            .unwrap();
        reg.log_batch(&alice(), &run, &[metric("loss", 0.5, 0)], &[], &[])
            .await
            .unwrap();

        // Read everything twice, so the second answers come from memory where it caches.
        for _ in 0..2 {
            assert!(reg
                .get_registered_model(&name)
                .await
                .unwrap()
                .tags
                .is_empty());
            assert_eq!(reg.resolve_alias(&name, &champion).await.unwrap(), v1);
            assert_eq!(
                reg.get_model_version(&name, v2).await.unwrap().description,
                ""
            );
            assert_eq!(
                reg.model_versions_page(&name, false, 0, 10)
                    .await
                    .unwrap()
                    .0
                    .len(),
                2
            );
            assert_eq!(reg.get_run(&run).await.unwrap().metrics[0].value, 0.5);
            assert_eq!(reg.metric_history(&run, &loss).await.unwrap().len(), 1);
        }

        reg.set_registered_model_tag(&alice(), &name, tag("team", "fraud"))
            .await
            .unwrap();
        let m = reg.get_registered_model(&name).await.unwrap();
        assert_eq!(m.tags.len(), 1, "{:?}", t.backend);

        reg.set_alias(&alice(), &name, champion.clone(), v2)
            .await
            .unwrap();
        assert_eq!(reg.resolve_alias(&name, &champion).await.unwrap(), v2);

        reg.update_model_version(&alice(), &name, v2, "better".into())
            .await
            .unwrap();
        assert_eq!(
            reg.get_model_version(&name, v2).await.unwrap().description,
            "better"
        );

        reg.delete_model_version(&alice(), &name, v1).await.unwrap();
        let (page, more) = reg.model_versions_page(&name, false, 0, 10).await.unwrap();
        assert_eq!((page.len(), more), (1, false));

        reg.log_batch(&alice(), &run, &[metric("loss", 0.25, 1)], &[], &[])
            .await
            .unwrap();
        assert_eq!(reg.get_run(&run).await.unwrap().metrics[0].value, 0.25);
        assert_eq!(reg.metric_history(&run, &loss).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn a_second_server_on_the_same_sqlite_file_is_refused_until_the_first_is_gone() {
    let t = registries().await.remove(0);
    let first = t.reg.clone().with_read_cache(&t.url).unwrap();
    let second = Registry::open(&t.url, t.dir.path()).await.unwrap();
    match second.clone().with_read_cache(&t.url) {
        Err(Error::FailedPrecondition(msg)) => {
            assert!(msg.contains("another Pedigree server"), "{msg}");
            assert!(msg.contains("pedigree.db.lock"), "{msg}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    drop(first);
    assert!(second.with_read_cache(&t.url).unwrap().read_cache_enabled());
}
