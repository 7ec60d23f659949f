//! The domain's newtypes as sqlx values: bound and decoded directly, so store functions
//! take `&ModelName` rather than a `String` copy, and a stored value that no longer parses
//! is a decode error (an internal error) rather than a silently wrong domain value.
use crate::artifact::ArtifactPath;
use crate::names::{
    AliasName, ExperimentId, ExperimentName, Key, LoggedModelId, ModelName, RunId, Stage, UserName,
    Version,
};
use crate::review::{CommentText, RequestId, RequestStatus};
use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

macro_rules! text_value {
    ($($t:ty => $parse:expr),* $(,)?) => {$(
        impl Type<Any> for $t {
            fn type_info() -> AnyTypeInfo {
                <str as Type<Any>>::type_info()
            }
        }
        impl<'q> Encode<'q, Any> for $t {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                <String as Encode<'q, Any>>::encode(self.as_str().to_string(), buf)
            }
        }
        impl<'r> Decode<'r, Any> for $t {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                let s = <&str as Decode<'r, Any>>::decode(value)?;
                Ok($parse(s)?)
            }
        }
    )*};
}

text_value! {
    ModelName => ModelName::parse,
    ExperimentName => ExperimentName::parse,
    UserName => UserName::parse,
    AliasName => AliasName::parse,
    Key => Key::parse,
    RunId => RunId::parse,
    LoggedModelId => LoggedModelId::parse,
    ArtifactPath => ArtifactPath::parse,
    Stage => str::parse::<Stage>,
    RequestStatus => str::parse::<RequestStatus>,
    CommentText => CommentText::parse,
}

macro_rules! int_value {
    ($($t:ty => $new:expr),* $(,)?) => {$(
        impl Type<Any> for $t {
            fn type_info() -> AnyTypeInfo {
                <i64 as Type<Any>>::type_info()
            }
        }
        impl<'q> Encode<'q, Any> for $t {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                <i64 as Encode<'q, Any>>::encode(self.get(), buf)
            }
        }
        impl<'r> Decode<'r, Any> for $t {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                let n = <i64 as Decode<'r, Any>>::decode(value)?;
                Ok($new(n)?)
            }
        }
    )*};
}

int_value! {
    Version => Version::new,
    ExperimentId => ExperimentId::new,
    RequestId => RequestId::new,
}

/// A boolean column read through `Any`: PostgreSQL hands back a BOOLEAN, SQLite an
/// INTEGER (0/1). Use it in `FromRow` structs for boolean columns; bind plain `bool`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <bool as Type<Any>>::compatible(ty) || <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        match <bool as Decode<'r, Any>>::decode(value.clone()) {
            Ok(b) => Ok(Flag(b)),
            Err(_) => Ok(Flag(<i64 as Decode<'r, Any>>::decode(value)? != 0)),
        }
    }
}
