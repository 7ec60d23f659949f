use super::*;

#[test]
fn later_layers_win_and_defaults_fill_the_rest() {
    let file: Layer = toml::from_str("[server]\nport = 4000\nhost = \"0.0.0.0\"\n").unwrap();
    let env = Layer::from_env(|k| (k == "PEDIGREE_PORT").then(|| "5000".to_string())).unwrap();
    let flags = Layer::default().data_dir("/tmp/x");
    let c = Layer::default()
        .merge(file)
        .merge(env)
        .merge(flags)
        .resolve()
        .unwrap();
    assert_eq!(c.server.port, 5000);
    assert_eq!(c.server.host.to_string(), "0.0.0.0");
    assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
    assert!(c.database_url.expose().contains("/tmp/x/pedigree.db"));
    assert!(!c.auth.require_auth);
    assert!(c.registry.single_production_default);
    assert!(!c.registry.allow_external_promotion);
    let env =
        Layer::from_env(|k| (k == "PEDIGREE_ALLOW_EXTERNAL_PROMOTION").then(|| "true".to_string()))
            .unwrap();
    assert!(env.resolve().unwrap().registry.allow_external_promotion);
}

#[test]
fn external_artifact_roots_come_from_every_layer_and_bad_ones_are_refused() {
    assert!(Layer::default()
        .resolve()
        .unwrap()
        .registry
        .external_artifact_roots
        .is_empty());
    let env = Layer::from_env(|k| {
        (k == "PEDIGREE_EXTERNAL_ARTIFACT_ROOTS").then(|| "s3://a, gs://b/p".to_string())
    })
    .unwrap();
    let roots = env.resolve().unwrap().registry.external_artifact_roots;
    let roots: Vec<&str> = roots.roots().iter().map(|r| r.as_str()).collect();
    assert_eq!(roots, ["s3://a", "gs://b/p"]);
    let file: Layer = toml::from_str("[registry]\nexternal_artifact_roots = [\"*\"]\n").unwrap();
    assert_eq!(
        file.resolve()
            .unwrap()
            .registry
            .external_artifact_roots
            .roots()[0]
            .as_str(),
        "*"
    );
    for bad in ["/srv/mlruns", "file:///", "s3://b/x?q=1"] {
        let file: Layer = toml::from_str(&format!(
            "[registry]\nexternal_artifact_roots = [\"{bad}\"]\n"
        ))
        .unwrap();
        let err = file.resolve().unwrap_err();
        assert!(err.starts_with("external_artifact_roots"), "{bad}: {err}");
    }
}

#[test]
fn every_section_of_the_file_is_read() {
    let layer: Layer = toml::from_str(
        "data_dir = \"/d\"\n[server]\nmax_body_bytes = 10\n[database]\nurl = \"postgres://u:p@h/db\"\n\
         [auth]\nrequire_auth = true\n[registry]\nsingle_production = false\nallow_unowned_artifacts = true\n\
         allow_external_promotion = true\n",
    )
    .unwrap();
    let c = layer.resolve().unwrap();
    assert!(c.registry.allow_external_promotion);
    assert_eq!(c.server.max_body_bytes, 10);
    assert_eq!(c.database_url.expose(), "postgres://u:p@h/db");
    assert!(c.auth.require_auth);
    assert!(!c.registry.single_production_default);
    assert!(c.registry.allow_unowned_artifacts);
}

#[test]
fn bad_env_values_are_refused_with_their_name() {
    let err = Layer::from_env(|k| (k == "PEDIGREE_PORT").then(|| "http".to_string())).unwrap_err();
    assert!(err.contains("PEDIGREE_PORT"), "{err}");
    let err = Layer::from_env(|k| (k == "PEDIGREE_DATABASE_URL").then(|| "mysql://x".into()))
        .unwrap_err();
    assert!(err.contains("PEDIGREE_DATABASE_URL"), "{err}");
}

#[test]
fn unknown_file_keys_are_refused_in_every_section() {
    assert!(toml::from_str::<Layer>("prot = 1").is_err());
    assert!(toml::from_str::<Layer>("[server]\nprot = 1").is_err());
    assert!(toml::from_str::<Layer>("[database]\nuri = \"x\"").is_err());
    assert!(toml::from_str::<Layer>("[database]\nurl = \"mysql://x\"").is_err());
}

#[test]
fn the_database_password_is_redacted_in_every_layer_and_the_config() {
    let from_env = Layer::from_env(|k| {
        (k == "PEDIGREE_DATABASE_URL").then(|| "postgres://u:hunter2@h/db".to_string())
    })
    .unwrap();
    let from_file: Layer =
        toml::from_str("[database]\nurl = \"postgres://u:hunter2@h/db\"").unwrap();
    let from_flags = Layer::default()
        .database_url("postgres://u:hunter2@h/db")
        .unwrap();
    for layer in [from_env, from_file, from_flags] {
        assert!(!format!("{layer:?}").contains("hunter2"), "{layer:?}");
        let c = layer.resolve().unwrap();
        assert!(!format!("{c:?}").contains("hunter2"), "{c:?}");
        assert_eq!(c.database_url.expose(), "postgres://u:hunter2@h/db");
    }
}
