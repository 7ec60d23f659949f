//! The admin page's three tables. A user's role here is their registry-wide grant (or
//! admin, for an administrator account); per-model grants and team membership add to it
//! on the models they cover, and are listed under grants and teams.
use crate::components::{format_time, DataTable, DASH};
use leptos::prelude::*;
use pedigree_core::access::{Grant, Principal, Scope, Team};
use pedigree_core::user::Account;

/// The registry-wide role `account` holds, as the table says it.
fn global_role(account: &Account, grants: &[Grant]) -> String {
    if account.user.is_admin {
        return "admin".into();
    }
    grants
        .iter()
        .find(|g| {
            g.scope == Scope::Global && g.principal == Principal::User(account.user.name.clone())
        })
        .map_or_else(|| DASH.to_string(), |g| g.role.as_str().to_string())
}

#[component]
pub fn Users(accounts: Vec<Account>, grants: Vec<Grant>) -> impl IntoView {
    const COLUMNS: &[&str] = &["User", "Name", "Registry-wide role", "Password", "Created"];
    view! {
        <DataTable testid="admin-users" columns=COLUMNS>
            {accounts.into_iter().map(|a| {
                let role = global_role(&a, &grants);
                let password = match (a.has_password, a.must_change_password) {
                    (false, _) => "none (tokens only)",
                    (true, true) => "must be changed",
                    (true, false) => "set",
                };
                view! {
                    <tr data-testid="admin-user">
                        <td data-testid="admin-user-name">{a.user.name.to_string()}</td>
                        <td>{a.user.display_name.clone()}</td>
                        <td data-testid="admin-user-role">{role}</td>
                        <td class="small">{password}</td>
                        <td class="small">{format_time(a.user.created_at)}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

#[component]
pub fn Grants(grants: Vec<Grant>) -> impl IntoView {
    const COLUMNS: &[&str] = &["Who", "Role", "Over", "Granted by", "When"];
    if grants.is_empty() {
        return view! { <p class="muted">"No grants: everyone acts in the base role."</p> }
            .into_any();
    }
    view! {
        <DataTable testid="admin-grants" columns=COLUMNS>
            {grants.into_iter().map(|g| view! {
                <tr data-testid="admin-grant">
                    <td>{g.principal.to_string()}</td>
                    <td>{g.role.as_str()}</td>
                    <td>{g.scope.to_string()}</td>
                    <td>{g.granted_by.clone()}</td>
                    <td class="small">{format_time(g.granted_at)}</td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

#[component]
pub fn Teams(teams: Vec<Team>) -> impl IntoView {
    const COLUMNS: &[&str] = &["Team", "Description", "Members"];
    if teams.is_empty() {
        return view! { <p class="muted">"No teams yet."</p> }.into_any();
    }
    view! {
        <DataTable testid="admin-teams" columns=COLUMNS>
            {teams.into_iter().map(|t| {
                let members = t.members.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                view! {
                    <tr data-testid="admin-team">
                        <td>{t.name.to_string()}</td>
                        <td>{t.description.clone()}</td>
                        <td class="small">{members}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}
