use super::*;

fn html(markdown: &str) -> String {
    render(markdown).into_string()
}

#[test]
fn script_is_dropped_with_its_contents() {
    assert_eq!(html("<script>alert(1)</script>hello"), "hello");
    assert_eq!(
        html("text\n\n<style>body { display: none }</style>"),
        "<p>text</p>\n"
    );
}

#[test]
fn event_handlers_are_removed_and_the_markup_kept() {
    assert_eq!(
        html("<b onclick=\"alert(1)\">bold</b>"),
        "<p><b>bold</b></p>\n"
    );
    // The relative `src` goes too: images load only from http(s) URLs.
    assert_eq!(html("<img src=x onerror=alert(1)>"), "<img>");
}

#[test]
fn script_urls_lose_their_href_whatever_their_case() {
    assert_eq!(
        html("[click](javascript:alert(1))"),
        "<p><a rel=\"noopener noreferrer\">click</a></p>\n"
    );
    assert_eq!(
        html("<a href=\"JaVaScRiPt:alert(1)\">x</a>"),
        "<p><a rel=\"noopener noreferrer\">x</a></p>\n"
    );
}

#[test]
fn data_images_become_their_alt_text() {
    assert_eq!(html("![pic](data:image/png;base64,AAAA)"), "<p>pic</p>\n");
    assert_eq!(
        html("<img src=\"data:image/svg+xml,<svg onload=alert(1)>\" alt=\"a\">"),
        "<img alt=\"a\">"
    );
}

#[test]
fn web_links_and_images_survive_and_links_open_without_an_opener() {
    assert_eq!(
        html("[site](https://example.com) [page](/models/churn) ![ok](https://example.com/a.png)"),
        "<p><a href=\"https://example.com\" rel=\"noopener noreferrer\">site</a> \
         <a href=\"/models/churn\" rel=\"noopener noreferrer\">page</a> \
         <img src=\"https://example.com/a.png\" alt=\"ok\"></p>\n"
    );
}

#[test]
fn tables_keep_their_alignment_and_nothing_else_of_a_style() {
    assert_eq!(
        html("| a | b |\n|:-|-:|\n| 1 | 2 |"),
        "<table><thead><tr><th style=\"text-align:left\">a</th>\
         <th style=\"text-align:right\">b</th></tr></thead><tbody>\n\
         <tr><td style=\"text-align:left\">1</td><td style=\"text-align:right\">2</td></tr>\n\
         </tbody></table>\n"
    );
    assert_eq!(
        html("<table><tr><td style=\"position:fixed;inset:0\">x</td></tr></table>"),
        "<table><tbody><tr><td style=\"\">x</td></tr></tbody></table>"
    );
}

#[test]
fn task_lists_are_checkboxes_the_reader_cannot_tick() {
    assert_eq!(
        html("- [ ] todo\n- [x] done"),
        "<ul>\n<li><input type=\"checkbox\" disabled=\"\">\ntodo</li>\n\
         <li><input type=\"checkbox\" checked=\"\" disabled=\"\">\ndone</li>\n</ul>\n"
    );
    assert_eq!(html("<input type=text value=x>"), "<input disabled=\"\">");
}

#[test]
fn strikethrough_renders() {
    assert_eq!(html("~~gone~~"), "<p><del>gone</del></p>\n");
}

#[test]
fn plain_text_is_escaped() {
    assert_eq!(html("a < b & c"), "<p>a &lt; b &amp; c</p>\n");
}

#[test]
fn headings_sit_below_the_page_sections() {
    assert_eq!(
        html("# Title\n## Sub\n### Three\n###### Six"),
        "<h3>Title</h3>\n<h4>Sub</h4>\n<h5>Three</h5>\n<h6>Six</h6>\n"
    );
    assert_eq!(html("<h1>raw</h1>"), "raw");
}

#[test]
fn a_long_description_is_cut_with_a_note_not_refused() {
    // Multi-byte characters straddle the cap so the cut has to find a boundary.
    let long = "é".repeat(MAX_SOURCE_BYTES);
    let out = html(&long);
    let note = "<p class=\"markdown-truncated\">Description truncated: showing the first 64 KiB of 128 KiB.</p>\n";
    assert!(out.ends_with(note), "{}", &out[out.len() - 200..]);
    let shown = out.trim_start_matches("<p>").split("</p>").next().unwrap();
    assert_eq!(shown.chars().count(), MAX_SOURCE_BYTES / 2);

    let fits = "x".repeat(MAX_SOURCE_BYTES);
    assert!(!html(&fits).contains("markdown-truncated"));
}

#[test]
fn empty_descriptions_render_empty() {
    assert!(render("").is_empty());
    assert!(render("  \n").is_empty());
    assert!(!render("x").is_empty());
}

#[test]
fn safe_html_travels_as_a_plain_string() {
    let rendered = render("**hi**");
    let json = serde_json::to_string(&rendered).unwrap();
    assert_eq!(json, "\"<p><strong>hi</strong></p>\\n\"");
    assert_eq!(serde_json::from_str::<SafeHtml>(&json).unwrap(), rendered);
}
