//! The dashboard's one table pattern: a header row of column names and a body of rows.
use leptos::prelude::*;

/// A `table.grid` with the given column headers; `children` are its `<tr>` rows.
///
/// The `<tbody>` is always written: without it the browser's parser inserts one, the DOM
/// no longer matches the server's HTML and hydration panics.
#[component]
pub fn DataTable(
    /// The `data-testid` of the table, how tests find it.
    testid: &'static str,
    /// The column headers, in order.
    columns: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    view! {
        <table class="grid" data-testid=testid>
            <thead>
                <tr>{columns.iter().map(|c| view! { <th>{*c}</th> }).collect_view()}</tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}
