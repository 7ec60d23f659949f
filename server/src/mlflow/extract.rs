//! Request extractors that fail in MLflow's shape: a JSON body (read on DELETE too, as MLflow
//! clients send one), and query strings with repeated keys (`order_by=a&order_by=b`).
//! Malformed input is a 400 INVALID_PARAMETER_VALUE, never a 5xx.
use super::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body. An empty body reads as `{}` so missing-field errors name the field.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                ApiError::invalid(format!(
                    "Could not read the request body: {}",
                    e.body_text()
                ))
            })?;
        let text: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            b"{}"
        } else {
            &bytes
        };
        // Straight from the bytes into `T`: no intermediate `Value` tree (a 1,000-point
        // log-batch would allocate ~5,000 nodes). Only a failing body is parsed again, as a
        // `Value`, to name the field and value in MLflow's words.
        let mut de = serde_json::Deserializer::from_slice(text);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(v) => {
                de.end().map_err(|e| {
                    ApiError::invalid(format!("Invalid JSON in the request body: {e}"))
                })?;
                Ok(Body(v))
            }
            Err(e) => {
                let value: serde_json::Value = serde_json::from_slice(text).map_err(|e| {
                    ApiError::invalid(format!("Invalid JSON in the request body: {e}"))
                })?;
                Err(wrong_type(&value, e))
            }
        }
    }
}

/// A field whose value does not fit (a wrong JSON type, a non-numeric int64), in MLflow's
/// words (`Invalid value 123 for parameter 'name' supplied`); any other shape error names
/// where it is.
fn wrong_type(
    body: &serde_json::Value,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> ApiError {
    use serde_path_to_error::Segment;
    let mut at = Some(body);
    let mut field = None;
    for seg in e.path().iter() {
        at = match seg {
            Segment::Map { key } => {
                field = Some(key.clone());
                at.and_then(|v| v.get(key))
            }
            Segment::Seq { index } => at.and_then(|v| v.get(*index)),
            _ => None,
        };
    }
    match (field, at) {
        (Some(field), Some(v)) => ApiError::invalid(format!(
            "Invalid value {v} for parameter '{field}' supplied. Hint: Value was of type '{}'. See the API docs for more information about request parameters.",
            json_type(v)
        )),
        _ => ApiError::invalid(format!(
            "Invalid request body at '{}': {}",
            e.path(),
            e.inner()
        )),
    }
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(n) if n.is_f64() => "float",
        serde_json::Value::Number(_) => "int",
        serde_json::Value::String(_) => "str",
        serde_json::Value::Array(_) => "list",
        serde_json::Value::Object(_) => "dict",
    }
}

/// Query parameters as an ordered multimap.
#[derive(Debug, Default)]
pub struct QueryMap(pub Vec<(String, String)>);

impl QueryMap {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key).ok_or_else(|| {
            ApiError::invalid(format!("Missing value for required parameter '{key}'."))
        })
    }
    /// An optional integer parameter.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::invalid(format!(
                        "Invalid value '{v}' for parameter '{key}': expected an integer"
                    ))
                })
            })
            .transpose()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryMap(
            form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
        ))
    }
}

/// Field helpers for bodies: MLflow sends int64 as numbers or strings, and versions as strings.
pub mod de {
    use serde::{Deserialize, Deserializer};

    /// A JSON number or string, told apart by what the parser meets (not serde's
    /// `untagged`, which buffers each value and builds an error for every variant it
    /// rejects: half the cost of reading a metric point).
    enum NumOrStr {
        I(i64),
        F(f64),
        S(String),
    }

    impl<'de> Deserialize<'de> for NumOrStr {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = NumOrStr;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a number or a string")
                }
                fn visit_i64<E>(self, v: i64) -> Result<NumOrStr, E> {
                    Ok(NumOrStr::I(v))
                }
                fn visit_u64<E>(self, v: u64) -> Result<NumOrStr, E> {
                    Ok(i64::try_from(v).map_or(NumOrStr::F(v as f64), NumOrStr::I))
                }
                fn visit_f64<E>(self, v: f64) -> Result<NumOrStr, E> {
                    Ok(NumOrStr::F(v))
                }
                fn visit_str<E>(self, v: &str) -> Result<NumOrStr, E> {
                    Ok(NumOrStr::S(v.to_string()))
                }
                fn visit_string<E>(self, v: String) -> Result<NumOrStr, E> {
                    Ok(NumOrStr::S(v))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// An optional int64 sent as a number or a decimal string.
    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<NumOrStr>::deserialize(d)? {
            None => Ok(None),
            Some(NumOrStr::I(v)) => Ok(Some(v)),
            Some(NumOrStr::F(f)) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(Some(f as i64)),
            Some(NumOrStr::F(f)) => Err(serde::de::Error::custom(format!(
                "expected an integer, got {f}"
            ))),
            Some(NumOrStr::S(s)) => {
                s.trim().parse().map(Some).map_err(|_| {
                    serde::de::Error::custom(format!("expected an integer, got '{s}'"))
                })
            }
        }
    }

    /// A double as protobuf JSON sends it: a number, or "NaN"/"Infinity"/"-Infinity".
    pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        match Option::<NumOrStr>::deserialize(d)? {
            None => Ok(None),
            Some(NumOrStr::I(v)) => Ok(Some(v as f64)),
            Some(NumOrStr::F(f)) => Ok(Some(f)),
            Some(NumOrStr::S(s)) => match s.as_str() {
                "NaN" => Ok(Some(f64::NAN)),
                "Infinity" => Ok(Some(f64::INFINITY)),
                "-Infinity" => Ok(Some(f64::NEG_INFINITY)),
                other => other.parse().map(Some).map_err(|_| {
                    serde::de::Error::custom(format!("expected a number, got '{other}'"))
                }),
            },
        }
    }

    /// A string that may arrive as a number (versions, ids).
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Option::<NumOrStr>::deserialize(d)? {
            None => Ok(None),
            Some(NumOrStr::I(v)) => Ok(Some(v.to_string())),
            Some(NumOrStr::F(f)) => Ok(Some(f.to_string())),
            Some(NumOrStr::S(s)) => Ok(Some(s)),
        }
    }
}

/// A required field, with MLflow's message when it is missing.
pub fn required<T>(v: Option<T>, name: &str) -> Result<T, ApiError> {
    v.ok_or_else(|| ApiError::invalid(format!("Missing value for required parameter '{name}'. See the API docs for more information about request parameters.")))
}
