//! Descriptions written by users in markdown, and the HTML the dashboard may show for them.
//!
//! [`SafeHtml`] is plain data so pages (server-rendered and hydrated alike) can carry it;
//! only [`render`], behind the `server` feature, makes one, so the markdown parser and the
//! sanitizer never reach the browser bundle.
//!
//! What a rendered description may contain, and why:
//! - GFM tables, strikethrough and task lists; raw HTML only through an allow-list of
//!   harmless tags and attributes, with `<script>`/`<style>` dropped together with their
//!   contents and every event handler attribute removed.
//! - Links to http(s), mailto or relative URLs, each with `rel="noopener noreferrer"`;
//!   `javascript:`, `data:` and any other scheme lose their `href`.
//! - Images only from an absolute http(s) URL. A markdown image pointing anywhere else is
//!   shown as its alt text; a raw `<img>` pointing anywhere else loses its `src`. A
//!   `data:` image could carry anything and a relative one would make the reader's browser
//!   request a registry URL of the author's choosing, so neither is worth allowing.
//! - Headings two levels down (`#` becomes `<h3>`, `####` and below `<h6>`): a description's
//!   `# Title` sits under the page's own `<h1>` and `<h2>` sections instead of competing
//!   with them. Raw `<h1>`/`<h2>` tags are not allowed at all.
//! - At most [`MAX_SOURCE_BYTES`] of markdown: a longer description is rendered up to that
//!   point and ends with a note saying so, rather than being refused (it was accepted when
//!   it was written; the page still has to show something).
use serde::{Deserialize, Serialize};

#[cfg(feature = "server")]
mod render;
#[cfg(all(test, feature = "server"))]
mod tests;

#[cfg(feature = "server")]
pub use render::render;

/// How much markdown is rendered; the rest of a longer description is left out.
pub const MAX_SOURCE_BYTES: usize = 64 * 1024;

/// HTML that went through [`render`]'s allow-list, fit to be set as an element's inner HTML.
///
/// There is no public constructor from a string: outside deserialisation (a page receiving
/// what the server rendered), the only way to get one is to render markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SafeHtml(String);

impl SafeHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether there is nothing to show (an empty or whitespace-only description).
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    pub fn into_string(self) -> String {
        self.0
    }
}
