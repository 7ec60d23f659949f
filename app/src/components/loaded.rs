//! The scaffold every data page repeats: wait for a resource, then show it, or show its
//! error and, on the server, answer with the matching HTTP status.
use crate::error::UiError;
use leptos::prelude::*;
use std::sync::Arc;

/// Shows `children(value)` once `resource` has loaded, a muted `loading` line until then,
/// and an [`ErrorBox`] if it failed. During server rendering a failure also sets the
/// response status ([`UiError::status`]): the route must then be `SsrMode::Async`, so the
/// status is set before the head is sent.
///
/// ```text
/// <Loaded resource=page loading="Loading model…" let:page>
///     <ModelView page/>
/// </Loaded>
/// ```
#[component]
pub fn Loaded<T, F, V>(
    resource: Resource<Result<T, UiError>>,
    /// What the page says while it waits, e.g. "Loading model…".
    loading: &'static str,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let children = Arc::new(children);
    view! {
        <Suspense fallback=move || view! { <p class="muted">{loading}</p> }>
            {move || {
                let children = Arc::clone(&children);
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => children(value).into_any(),
                        Err(e) => {
                            set_status(e.status());
                            view! { <ErrorBox error=e/> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// An error, said plainly.
#[component]
pub fn ErrorBox(error: UiError) -> impl IntoView {
    let title = if error.is_not_found() {
        "Not found"
    } else {
        "Error"
    };
    view! {
        <div class="error" data-testid="error" role="alert">
            <strong>{title}</strong>
            <p>{error.to_string()}</p>
        </div>
    }
}

/// Sets the HTTP status of the page being rendered on the server; does nothing in the
/// browser, where the response has long been received.
pub fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(resp), Ok(code)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        resp.set_status(code);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}
