//! Markdown to [`SafeHtml`]: pulldown-cmark renders, a fixed ammonia allow-list sanitises.
//!
//! The markdown is rewritten at the event level first (headings demoted, images from
//! elsewhere than http(s) turned into their alt text) and the sanitiser then judges the
//! resulting HTML as a whole, raw HTML blocks included, so nothing the parser passes through
//! verbatim escapes the allow-list.
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{html, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{SafeHtml, MAX_SOURCE_BYTES};

/// Renders a user's markdown description to HTML that cannot run script or style the page.
pub fn render(markdown: &str) -> SafeHtml {
    let source = truncate(markdown, MAX_SOURCE_BYTES);
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let events = rewrite(Parser::new_ext(source, options));
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    let mut out = SANITIZER.clean(&unsafe_html).to_string();
    if source.len() < markdown.len() {
        // Our own text, added after sanitising: only numbers vary in it.
        out.push_str(&format!(
            "<p class=\"markdown-truncated\">Description truncated: showing the first {} KiB of {} KiB.</p>\n",
            MAX_SOURCE_BYTES / 1024,
            markdown.len().div_ceil(1024)
        ));
    }
    SafeHtml(out)
}

/// The longest prefix of at most `max` bytes that ends on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn is_web_url(url: &str) -> bool {
    let url = url.trim_start();
    ["http://", "https://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    })
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Demotes headings and unwraps images whose source is not an http(s) URL.
fn rewrite<'e>(events: impl Iterator<Item = Event<'e>>) -> impl Iterator<Item = Event<'e>> {
    // One entry per open image: whether its start tag was dropped (so its end must be too).
    let mut images: Vec<bool> = Vec::new();
    events.filter_map(move |event| match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demote(level)))),
        Event::Start(Tag::Image { ref dest_url, .. }) => {
            let keep = is_web_url(dest_url);
            images.push(!keep);
            keep.then_some(event)
        }
        Event::End(TagEnd::Image) => match images.pop() {
            Some(true) => None,
            _ => Some(event),
        },
        other => Some(other),
    })
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "details",
        "dl",
        "dt",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "input",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
    .into();
    let tag_attributes: HashMap<&str, HashSet<&str>> = [
        ("a", ["href", "title"].into()),
        ("img", ["src", "alt", "title", "width", "height"].into()),
        ("ol", ["start"].into()),
        // Column alignment of GFM tables (the only style property kept, below).
        ("th", ["style"].into()),
        ("td", ["style"].into()),
    ]
    .into();
    // Task list boxes: a checkbox, ticked or not, and never one the reader can change.
    let input_values: HashMap<&str, HashSet<&str>> =
        [("type", ["checkbox"].into()), ("checked", [""].into())].into();
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .tag_attributes(tag_attributes)
        .tag_attribute_values([("input", input_values)].into())
        .set_tag_attribute_value("input", "disabled", "")
        .filter_style_properties(["text-align"].into())
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .clean_content_tags(["script", "style"].into())
        .strip_comments(true)
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src") if !is_web_url(value) => None,
            _ => Some(Cow::Borrowed(value)),
        });
    builder
});
