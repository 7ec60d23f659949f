//! The filter form: actor, model, one action out of every action the log records, and a
//! window of days. A plain GET form posting to the page itself, so the filters are the
//! address and need no JavaScript.
use crate::routes::{self, AuditLinkQuery};
use leptos::prelude::*;
use pedigree_core::audit::Action;

#[component]
pub fn FilterForm(q: AuditLinkQuery) -> impl IntoView {
    let options = Action::ALL
        .iter()
        .map(|a| {
            let selected = q.action == a.as_str();
            view! { <option value=a.as_str() selected=selected>{a.as_str()}</option> }
        })
        .collect_view();
    let clear = q
        .is_filtered()
        .then(|| view! { <a href=routes::audit() data-testid="audit-clear">"Clear"</a> });
    view! {
        <form method="get" action=routes::audit() class="filters" data-testid="audit-filters">
            <label>
                "Actor"
                <input type="text" name="actor" value=q.actor.clone() placeholder="user name"/>
            </label>
            <label>
                "Model"
                <input type="text" name="model" value=q.model.clone() placeholder="model name"/>
            </label>
            <label>
                "Action"
                <select name="action">
                    <option value="" selected=q.action.is_empty()>"any action"</option>
                    {options}
                </select>
            </label>
            <label>
                "From (UTC)"
                <input type="date" name="from" value=q.from.clone()/>
            </label>
            <label>
                "Before (UTC)"
                <input type="date" name="to" value=q.to.clone()/>
            </label>
            <button type="submit">"Filter"</button>
            {clear}
        </form>
    }
}
