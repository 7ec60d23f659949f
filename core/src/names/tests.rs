//! Every parsing rule of the boundary newtypes and of artifact paths, one refusal at a time:
//! these types are the only validation, so a rule without a test here is a hole.
use super::*;
use crate::artifact::ArtifactPath;

fn is_invalid<T: fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::InvalidArgument(_)))
}

// ----- ModelName --------------------------------------------------------------------

#[test]
fn model_name_accepts_an_ordinary_name() {
    let n = ModelName::parse("fraud-detector").unwrap();
    assert_eq!(n.as_str(), "fraud-detector");
    assert_eq!(n.to_string(), "fraud-detector");
    assert_eq!("fraud-detector".parse::<ModelName>().unwrap(), n);
    assert_eq!(String::from(n), "fraud-detector");
}

#[test]
fn model_name_refuses_empty_and_too_long() {
    assert!(is_invalid(ModelName::parse("")));
    assert!(is_invalid(ModelName::parse(".")));
    assert!(is_invalid(ModelName::parse("..")));
    assert!(ModelName::parse("...").is_ok());
    assert!(ModelName::parse(".hidden").is_ok());
    assert!(ModelName::parse("a".repeat(MAX_NAME_LEN)).is_ok());
    assert!(is_invalid(ModelName::parse("a".repeat(MAX_NAME_LEN + 1))));
    // Counted in characters, not bytes: 500 two-byte characters are fine.
    assert!(ModelName::parse("é".repeat(MAX_NAME_LEN)).is_ok());
}

#[test]
fn model_name_refuses_control_characters() {
    for bad in [
        "a\0b",
        "\0",
        "a\nb",
        "a\tb",
        "a\rb",
        "a\u{7f}b",
        "a\u{85}b",
        "a\u{1b}[31m",
    ] {
        assert!(is_invalid(ModelName::parse(bad)), "{bad:?}");
    }
}

#[test]
fn model_name_refuses_surrounding_whitespace() {
    for bad in [" model", "model ", " ", "\u{a0}model", "model\u{3000}"] {
        assert!(is_invalid(ModelName::parse(bad)), "{bad:?}");
    }
    assert!(ModelName::parse("my model").is_ok());
}

#[test]
fn model_name_refuses_reference_syntax() {
    for bad in ["a/b", "/a", "a@b", "a@champion", "models:a", "a:b"] {
        assert!(is_invalid(ModelName::parse(bad)), "{bad:?}");
    }
}

#[test]
fn other_names_share_the_basic_rules() {
    assert!(ExperimentName::parse("exp/with/slashes").is_ok());
    assert!(is_invalid(ExperimentName::parse("")));
    assert!(is_invalid(ExperimentName::parse("x\0")));
    assert!(is_invalid(ExperimentName::parse(
        "a".repeat(MAX_NAME_LEN + 1)
    )));
    assert!(UserName::parse("alice.smith@example-corp_1").is_ok());
    for bad in ["", "al ice", "al/ice", "ali:ce", "a".repeat(129).as_str()] {
        assert!(is_invalid(UserName::parse(bad)), "{bad:?}");
    }
}

// ----- AliasName --------------------------------------------------------------------

#[test]
fn alias_refuses_reserved_names() {
    for bad in ["latest", "LATEST", "Latest", "v3", "V12", "v0", "v0012"] {
        let err = AliasName::parse(bad).unwrap_err();
        assert_eq!(
            err,
            Error::invalid(format!(
                "'{bad}' alias name (case insensitive) is reserved."
            ))
        );
    }
}

#[test]
fn alias_refuses_invalid_characters_and_lengths() {
    for bad in [
        "",
        "a b",
        "a/b",
        "a.b",
        "a@b",
        "a:b",
        "a\0",
        "a\n",
        "champion!",
    ] {
        assert!(is_invalid(AliasName::parse(bad)), "{bad:?}");
    }
    assert!(AliasName::parse("a".repeat(255)).is_ok());
    assert!(is_invalid(AliasName::parse("a".repeat(256))));
}

#[test]
fn alias_accepts_ordinary_aliases() {
    for ok in [
        "champion",
        "v",
        "vX1",
        "v1x",
        "x12",
        "challenger_2",
        "blue-green",
        "latest2",
        "V",
    ] {
        assert_eq!(AliasName::parse(ok).unwrap().as_str(), ok);
    }
}

// ----- Key ---------------------------------------------------------------------------

#[test]
fn key_accepts_dotted_and_slashed_keys() {
    for ok in [
        "mlflow.source.git.commit",
        "loss",
        "a/b",
        "train loss",
        "a..b",
        ".hidden",
    ] {
        assert!(Key::parse(ok).is_ok(), "{ok:?}");
    }
}

#[test]
fn key_refuses_empty_too_long_and_control() {
    assert!(is_invalid(Key::parse("")));
    assert!(Key::parse("k".repeat(MAX_KEY_LEN)).is_ok());
    assert!(is_invalid(Key::parse("k".repeat(MAX_KEY_LEN + 1))));
    // The message quotes a prefix cut on a character boundary, never mid-character.
    assert!(is_invalid(Key::parse("é".repeat(MAX_KEY_LEN + 1))));
    assert!(is_invalid(Key::parse("a\0b")));
    assert!(is_invalid(Key::parse("a\nb")));
}

#[test]
fn key_refuses_path_tricks() {
    for bad in [
        "..", ".", "../x", "a/../b", "a/..", "./a", "a/./b", "/a", "/", "a//b", "a/",
    ] {
        assert!(is_invalid(Key::parse(bad)), "{bad:?}");
    }
}

// ----- Version and ExperimentId ------------------------------------------------------

#[test]
fn version_must_be_a_positive_integer() {
    for bad in ["0", "-1", "abc", "", "1.5", "99999999999999999999"] {
        assert!(is_invalid(bad.parse::<Version>()), "{bad:?}");
    }
    assert!(is_invalid(Version::new(0)));
    assert!(is_invalid(Version::new(-1)));
    let v: Version = "12".parse().unwrap();
    assert_eq!(v.get(), 12);
    assert_eq!(v.to_string(), "12");
    assert_eq!(Version::new(12).unwrap(), v);
    assert!(Version::new(3).unwrap() < v);
}

#[test]
fn experiment_id_is_a_non_negative_integer() {
    assert_eq!(ExperimentId::DEFAULT.get(), 0);
    assert_eq!("0".parse::<ExperimentId>().unwrap(), ExperimentId::DEFAULT);
    let id: ExperimentId = "42".parse().unwrap();
    assert_eq!(id.get(), 42);
    assert_eq!(id.to_string(), "42");
    for bad in ["-1", "abc", "", "1e3", " 1"] {
        assert!(is_invalid(bad.parse::<ExperimentId>()), "{bad:?}");
    }
    assert!(is_invalid(ExperimentId::new(-5)));
}

// ----- RunId, LoggedModelId ------------------------------------------------------------

const HEX32: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn run_id_is_32_lowercase_hex() {
    assert_eq!(RunId::parse(HEX32).unwrap().as_str(), HEX32);
    for bad in [
        "",
        &HEX32[..31],
        &format!("{HEX32}0"),
        &HEX32.to_uppercase(),
        "0123456789abcdef0123456789abcdeg",
        "01234567-89ab-cdef-0123-456789abcdef",
        "../../../../../../../../etc/pass",
    ] {
        assert!(is_invalid(RunId::parse(bad)), "{bad:?}");
    }
}

#[test]
fn logged_model_id_is_m_dash_32_hex() {
    let ok = format!("m-{HEX32}");
    assert_eq!(LoggedModelId::parse(ok.as_str()).unwrap().as_str(), ok);
    for bad in [
        HEX32.to_string(),
        format!("M-{HEX32}"),
        format!("m-{}", &HEX32[..31]),
        format!("m-{}", HEX32.to_uppercase()),
        "m-".into(),
    ] {
        assert!(is_invalid(LoggedModelId::parse(bad.as_str())), "{bad:?}");
    }
}

// ----- Sha256 ------------------------------------------------------------------------

const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[test]
fn sha256_round_trips_hex() {
    let d: Sha256 = EMPTY_SHA.parse().unwrap();
    assert_eq!(d.0[0], 0xe3);
    assert_eq!(d.0[31], 0x55);
    assert_eq!(d.to_hex(), EMPTY_SHA);
    assert_eq!(d.to_string(), EMPTY_SHA);
    assert_eq!(format!("{d:?}"), format!("sha256:{EMPTY_SHA}"));
    assert_eq!(format!("sha256:{EMPTY_SHA}").parse::<Sha256>().unwrap(), d);
    assert_eq!(Sha256([0xab; 32]).to_hex(), "ab".repeat(32));
}

#[test]
fn sha256_refuses_bad_length_case_and_characters() {
    for bad in [
        String::new(),
        EMPTY_SHA[..63].to_string(),
        format!("{EMPTY_SHA}0"),
        EMPTY_SHA.to_uppercase(),
        format!("sha512:{EMPTY_SHA}"),
        format!("SHA256:{EMPTY_SHA}"),
        format!("sha256:sha256:{EMPTY_SHA}"),
        "g".repeat(64),
        " ".repeat(64),
    ] {
        assert!(is_invalid(bad.parse::<Sha256>()), "{bad:?}");
    }
}

// ----- Stage -------------------------------------------------------------------------

#[test]
fn stage_parses_case_insensitively() {
    for (s, want) in [
        ("None", Stage::None),
        ("none", Stage::None),
        ("staging", Stage::Staging),
        ("STAGING", Stage::Staging),
        ("Production", Stage::Production),
        ("pRoDuCtIoN", Stage::Production),
        ("archived", Stage::Archived),
    ] {
        assert_eq!(s.parse::<Stage>().unwrap(), want, "{s}");
    }
    for st in Stage::ALL {
        assert_eq!(st.to_string().parse::<Stage>().unwrap(), st);
    }
    assert_eq!(Stage::default(), Stage::None);
}

#[test]
fn stage_error_is_mlflows_message() {
    let err = "Bogus".parse::<Stage>().unwrap_err();
    assert_eq!(
        err,
        Error::InvalidArgument(
            "Invalid Model Version stage: Bogus. Value must be one of None, Staging, Production, Archived.".into()
        )
    );
    assert!(is_invalid("".parse::<Stage>()));
    assert!(is_invalid("Prod".parse::<Stage>()));
    // Exact apart from case: MLflow answers 400 for surrounding whitespace.
    assert!(is_invalid("production ".parse::<Stage>()));
    assert!(is_invalid(" Staging".parse::<Stage>()));
}

// ----- Tag and param values ----------------------------------------------------------

#[test]
fn tag_value_limits() {
    assert!(Tag::parse("k", "").is_ok());
    assert!(Tag::parse("k", "multi\nline\tvalue").is_ok());
    assert!(Tag::parse("k", "v".repeat(MAX_TAG_VALUE_LEN)).is_ok());
    assert!(is_invalid(Tag::parse(
        "k",
        "v".repeat(MAX_TAG_VALUE_LEN + 1)
    )));
    assert!(is_invalid(Tag::parse("k", "a\0b")));
    assert!(is_invalid(Tag::parse("", "v")));
    assert!(is_invalid(Tag::parse("../k", "v")));
    let t = Tag::parse("mlflow.user", "alice").unwrap();
    assert_eq!((t.key.as_str(), t.value.as_str()), ("mlflow.user", "alice"));
}

#[test]
fn param_value_limits() {
    assert!(Tag::param("lr", "0.01").is_ok());
    assert!(Tag::param("k", "v".repeat(MAX_PARAM_VALUE_LEN)).is_ok());
    assert!(is_invalid(Tag::param(
        "k",
        "v".repeat(MAX_PARAM_VALUE_LEN + 1)
    )));
    // A value a tag may hold is still too long for a param.
    assert!(Tag::parse("k", "v".repeat(MAX_PARAM_VALUE_LEN + 1)).is_ok());
    assert!(is_invalid(Tag::param("k", "\0")));
    assert!(is_invalid(Tag::param("a//b", "v")));
}

// ----- serde: deserializing is parsing ------------------------------------------------

#[cfg(feature = "server")]
mod serde_round_trips {
    use super::*;
    use serde::de::DeserializeOwned;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(v: &T) -> String {
        let json = serde_json::to_string(v).unwrap();
        assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), v, "{json}");
        json
    }

    fn refused<T: DeserializeOwned + fmt::Debug>(json: &str) {
        assert!(
            serde_json::from_str::<T>(json).is_err(),
            "{json} was accepted as {}",
            std::any::type_name::<T>()
        );
    }

    #[test]
    fn valid_values_round_trip() {
        assert_eq!(
            round_trip(&ModelName::parse("fraud-detector").unwrap()),
            "\"fraud-detector\""
        );
        assert_eq!(
            round_trip(&AliasName::parse("champion").unwrap()),
            "\"champion\""
        );
        assert_eq!(
            round_trip(&Key::parse("mlflow.runName").unwrap()),
            "\"mlflow.runName\""
        );
        assert_eq!(round_trip(&Version::new(3).unwrap()), "3");
        assert_eq!(round_trip(&ExperimentId::DEFAULT), "0");
        assert_eq!(
            round_trip(&RunId::parse(HEX32).unwrap()),
            format!("\"{HEX32}\"")
        );
        assert_eq!(
            round_trip(&EMPTY_SHA.parse::<Sha256>().unwrap()),
            format!("\"{EMPTY_SHA}\"")
        );
        assert_eq!(round_trip(&Stage::Production), "\"Production\"");
        assert_eq!(
            round_trip(&ArtifactPath::parse("model/MLmodel").unwrap()),
            "\"model/MLmodel\""
        );
        round_trip(&Tag::parse("k", "v").unwrap());
        round_trip(&LoggedModelId::parse(format!("m-{HEX32}")).unwrap());
        round_trip(&UserName::parse("alice").unwrap());
        round_trip(&ExperimentName::parse("Default").unwrap());
    }

    #[test]
    fn invalid_values_are_refused() {
        refused::<ModelName>("\"a/b\"");
        refused::<ModelName>("\"\"");
        refused::<ModelName>("\"a\\u0000b\"");
        refused::<ModelName>("\" padded \"");
        refused::<AliasName>("\"latest\"");
        refused::<AliasName>("\"V12\"");
        refused::<Key>("\"../etc\"");
        refused::<Version>("0");
        refused::<Version>("-1");
        refused::<Version>("\"abc\"");
        refused::<ExperimentId>("-1");
        refused::<RunId>("\"ABCDEF\"");
        refused::<LoggedModelId>(&format!("\"{HEX32}\""));
        refused::<Sha256>("\"abc\"");
        refused::<Sha256>(&format!("\"{}\"", EMPTY_SHA.to_uppercase()));
        refused::<Stage>("\"Bogus\"");
        refused::<ArtifactPath>("\"../x\"");
        refused::<ArtifactPath>("\"/etc/passwd\"");
        refused::<Tag>("{\"key\":\"k\",\"value\":\"a\\u0000b\"}");
        refused::<Tag>(&format!(
            "{{\"key\":\"k\",\"value\":\"{}\"}}",
            "v".repeat(MAX_TAG_VALUE_LEN + 1)
        ));
        refused::<Tag>("{\"key\":\"/k\",\"value\":\"v\"}");
    }
}

// ----- ArtifactPath ------------------------------------------------------------------

#[test]
fn artifact_path_accepts_normal_relative_paths() {
    for ok in [
        "model/MLmodel",
        "MLmodel",
        "model/data/model.pkl",
        "a b/c",
        "a%20b",
        "ab:c/d",
        "a;b",
        "..a/b..",
        ".env",
    ] {
        assert_eq!(ArtifactPath::parse(ok).unwrap().as_str(), ok);
    }
    let p = ArtifactPath::parse("model/data/model.pkl").unwrap();
    assert_eq!(
        p.segments().collect::<Vec<_>>(),
        ["model", "data", "model.pkl"]
    );
    assert_eq!(p.to_string(), "model/data/model.pkl");
}

#[test]
fn artifact_path_refuses_traversal_and_absolute_paths() {
    for bad in [
        "../x",
        "..",
        ".",
        "a/../b",
        "a/..",
        "./a",
        "a/./b",
        "a/.",
        "/etc/passwd",
        "/",
        "C:/x",
        "c:\\x",
        "C:",
        "a//b",
        "a/",
        "//server/share",
    ] {
        assert!(is_invalid(ArtifactPath::parse(bad)), "{bad:?}");
    }
}

#[test]
fn artifact_path_refuses_separator_and_url_tricks() {
    for bad in [
        "a\\b", "..\\x", "x?y", "x#y", "a;/b", "a\0b", "a\nb", "a\u{1b}b", "",
    ] {
        assert!(is_invalid(ArtifactPath::parse(bad)), "{bad:?}");
    }
}

#[test]
fn artifact_path_refuses_a_second_encoding_layer() {
    for bad in [
        "%2e%2e/x",
        "%2E%2E/x",
        "a%2fb",
        "a%2Fb",
        "a%5cb",
        "%252e%252e/x",
        "..%2f..%2fetc",
    ] {
        assert!(is_invalid(ArtifactPath::parse(bad)), "{bad:?}");
    }
}

#[test]
fn artifact_path_is_bounded() {
    let long = "a/".repeat(crate::artifact::MAX_ARTIFACT_PATH_LEN / 2) + "b";
    assert!(is_invalid(ArtifactPath::parse(&long)));
    let max = "a".repeat(crate::artifact::MAX_ARTIFACT_PATH_LEN);
    assert!(ArtifactPath::parse(&max).is_ok());
}

#[test]
fn artifact_path_within_is_segment_aware() {
    let p = |s: &str| ArtifactPath::parse(s).unwrap();
    assert!(p("model/a").is_within(&p("model")));
    assert!(p("model/a/b").is_within(&p("model")));
    assert!(p("model").is_within(&p("model")));
    assert!(!p("modelx").is_within(&p("model")));
    assert!(!p("modelx/a").is_within(&p("model")));
    assert!(!p("model").is_within(&p("model/a")));
    assert!(!p("other/model/a").is_within(&p("model")));
    assert_eq!(p("model").join(&p("data/x")), p("model/data/x"));
}
