//! The frame around every page: the top bar (brand, navigation with the number of reviews
//! waiting for the viewer and, for administrators, the admin page; who is signed in and
//! their role, sign in or out) and the `<main>` the routes render into.
use crate::api::session::who_am_i;
use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use pedigree_core::access::Role;
use pedigree_core::review_view::Identity;

/// Bumped by a page after it changed something the top bar shows (a decided request), so
/// the bar reads the viewer's identity again.
#[derive(Clone, Copy)]
pub struct Refresh(pub RwSignal<u32>);

/// The top bar and `<main>`, with the page in it.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    // Flips to true only in the browser, once hydration has run: tests and people can tell
    // a live page from a static one.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let refresh = RwSignal::new(0u32);
    provide_context(Refresh(refresh));
    crate::live::provide_live();
    // Someone else deciding or opening a request changes what awaits the viewer.
    let reviews = crate::live::live_bumps(|c| c.topic == pedigree_core::live::Topic::Reviews);
    let location = use_location();
    // Read again on every navigation: signing in or deciding a request changes it.
    let me = Resource::new(
        move || (location.pathname.get(), refresh.get(), reviews.get()),
        |_| who_am_i(),
    );
    view! {
        <header class="topbar">
            <A href=routes::home() attr:class="brand">"Pedigree"</A>
            <nav aria-label="Main">
                <A href=routes::models()>"Models"</A>
                <A href=routes::experiments()>"Experiments"</A>
                <A href=routes::reviews()>
                    "Reviews"
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            me.await.ok().filter(|i| i.awaiting > 0).map(|i| {
                                let label = format!("{} awaiting you", i.awaiting);
                                view! {
                                    " "
                                    <span class="count" data-testid="awaiting-count" title=label.clone() aria-label=label>
                                        {i.awaiting}
                                    </span>
                                }
                            })
                        })}
                    </Transition>
                </A>
                <A href=routes::audit()>"Audit"</A>
                // Only administrators may open it, so only they are shown the way there.
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.ok().filter(|i| i.role == Some(Role::Admin)).map(|_| view! {
                            <A href=routes::admin() attr:data-testid="nav-admin">"Admin"</A>
                        })
                    })}
                </Transition>
            </nav>
            <Transition fallback=|| view! { <div class="session" data-testid="session"></div> }>
                {move || Suspend::new(async move {
                    let identity = me.await.ok();
                    view! { <UserSlot identity/> }
                })}
            </Transition>
        </header>
        <main data-hydrated=move || hydrated.get().to_string()>{children()}</main>
    }
}

/// Who is signed in and their registry-wide role, with the sign-out button; or
/// `anonymous` and the sign-in link. Sign-out is a plain form post, so it works before
/// (and without) hydration.
#[component]
fn UserSlot(identity: Option<Identity>) -> impl IntoView {
    let (user, role) = match identity {
        Some(Identity {
            user: Some(user),
            role,
            ..
        }) => (user, role),
        _ => {
            return view! {
                <div class="session" data-testid="session">
                    <span data-testid="session-user">"anonymous"</span>
                    " "
                    <A href=routes::sign_in() attr:data-testid="sign-in-link">"Sign in"</A>
                </div>
            }
            .into_any()
        }
    };
    let role = role.map_or("no role", |r| r.as_str());
    view! {
        <div class="session" data-testid="session">
            <span data-testid="session-user">{user}</span>
            " "
            <span class="badge role" data-testid="session-role">{role}</span>
            <form method="post" action=routes::SIGN_OUT class="inline">
                <button type="submit" data-testid="sign-out">"Sign out"</button>
            </form>
        </div>
    }
    .into_any()
}
