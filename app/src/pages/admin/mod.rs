//! The administrator's read-only view of who may do what: the accounts with their
//! registry-wide roles, the teams and their members, and every grant.
mod tables;

use crate::api::admin::{list_grants, list_teams, list_users};
use crate::components::Loaded;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Admin() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    let grants = Resource::new(|| (), |_| list_grants());
    let teams = Resource::new(|| (), |_| list_teams());
    view! {
        <Title text="Admin · Pedigree"/>
        <h1>"Admin"</h1>
        <p class="muted">"Read only: change users, teams and grants with the pedigree CLI or the API."</p>
        <h2>"Users"</h2>
        <Loaded resource=grants loading="Loading grants…" let:grants>
            {
                let for_users = grants.clone();
                view! {
                    <Loaded resource=users loading="Loading users…" let:accounts>
                        <tables::Users accounts grants=for_users.clone()/>
                    </Loaded>
                    <h2>"Grants"</h2>
                    <tables::Grants grants/>
                }
            }
        </Loaded>
        <h2>"Teams"</h2>
        <Loaded resource=teams loading="Loading teams…" let:teams>
            <tables::Teams teams/>
        </Loaded>
    }
}
