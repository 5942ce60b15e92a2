//! The job summary (`GITHUB_STEP_SUMMARY`): a buffer built like `@actions/core`'s `summary`
//! (the same HTML, byte for byte) and written to the file the runner names.
//!
//! As in core, element *content* is inserted as is — it may be HTML or Markdown on purpose
//! (details hold tables, cells hold links). Text that comes from users must go through
//! [`html_escape`] first. Attribute values (`href`, `cite`, `lang`, `src`, `alt`) are always
//! escaped, where core pastes them raw: a `"` in a URL must not end the attribute.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use super::command::EOL;
use super::env::Env;
use super::error::{Result, ToolkitError};

/// The variable that names the step's summary file.
pub const SUMMARY_ENV_VAR: &str = "GITHUB_STEP_SUMMARY";

/// Escapes text for HTML content: `&`, `<`, `>`, `"`, `'`.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `markdown` as a block of its own after the text `preceding`: separated from it by a blank
/// line (an HTML block such as a `<table>` would otherwise swallow the Markdown that follows
/// it) and ended by an end of line.
pub fn markdown_block(preceding: &str, markdown: &str) -> String {
    let mut block = String::new();
    if !preceding.is_empty() && !preceding.ends_with(&format!("{EOL}{EOL}")) {
        if !preceding.ends_with('\n') {
            block.push_str(EOL);
        }
        block.push_str(EOL);
    }
    block.push_str(markdown);
    if !markdown.is_empty() && !markdown.ends_with('\n') {
        block.push_str(EOL);
    }
    block
}

/// One table cell (`SummaryTableCell`); a plain string cell is [`TableCell::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCell {
    /// The cell's content (HTML or Markdown, inserted as is).
    pub data: String,
    /// Rendered as `<th>` instead of `<td>`.
    pub header: bool,
    /// How many columns the cell spans.
    pub colspan: Option<u32>,
    /// How many rows the cell spans.
    pub rowspan: Option<u32>,
}

impl TableCell {
    /// A data cell (`<td>`).
    pub fn new(data: impl Into<String>) -> Self {
        Self {
            data: data.into(),
            header: false,
            colspan: None,
            rowspan: None,
        }
    }

    /// A header cell (`<th>`).
    pub fn header(data: impl Into<String>) -> Self {
        Self {
            header: true,
            ..Self::new(data)
        }
    }

    /// This cell spanning `n` columns.
    pub fn colspan(self, n: u32) -> Self {
        Self {
            colspan: Some(n),
            ..self
        }
    }

    /// This cell spanning `n` rows.
    pub fn rowspan(self, n: u32) -> Self {
        Self {
            rowspan: Some(n),
            ..self
        }
    }
}

impl From<&str> for TableCell {
    fn from(data: &str) -> Self {
        Self::new(data)
    }
}

impl From<String> for TableCell {
    fn from(data: String) -> Self {
        Self::new(data)
    }
}

/// Optional size of an image (`SummaryImageOptions`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImageOptions {
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
}

/// A job summary being built; nothing reaches the file until [`Summary::write`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    buffer: String,
}

/// `<tag attrs>content</tag>`, or only `<tag attrs>` when the content is empty (core's `wrap`).
fn wrap(tag: &str, content: &str, attrs: &[(&str, String)]) -> String {
    let attrs: String = attrs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!(" {key}=\"{}\"", html_escape(value)))
        .collect();
    if content.is_empty() {
        format!("<{tag}{attrs}>")
    } else {
        format!("<{tag}{attrs}>{content}</{tag}>")
    }
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// The buffer so far (`stringify`).
    pub fn as_str(&self) -> &str {
        &self.buffer
    }

    /// Whether nothing was added since the last write (`isEmptyBuffer`).
    pub fn is_empty_buffer(&self) -> bool {
        self.buffer.is_empty()
    }

    /// Drops the buffer without writing it (`emptyBuffer`).
    pub fn empty_buffer(&mut self) -> &mut Self {
        self.buffer.clear();
        self
    }

    /// Adds text as is (`addRaw(text)`).
    pub fn add_raw(&mut self, text: &str) -> &mut Self {
        self.buffer.push_str(text);
        self
    }

    /// Adds text and an end of line (`addRaw(text, true)`).
    pub fn add_raw_line(&mut self, text: &str) -> &mut Self {
        self.add_raw(text).add_eol()
    }

    /// Adds the platform's end of line (`addEOL`).
    pub fn add_eol(&mut self) -> &mut Self {
        self.add_raw(EOL)
    }

    /// Adds Markdown rendered elsewhere as its own block (see [`markdown_block`]).
    pub fn append_markdown(&mut self, markdown: &str) -> &mut Self {
        let block = markdown_block(&self.buffer, markdown);
        self.add_raw(&block)
    }

    /// Adds `<pre><code>` with an optional `lang` (`addCodeBlock`).
    pub fn add_code_block(&mut self, code: &str, lang: Option<&str>) -> &mut Self {
        let attrs = [("lang", lang.unwrap_or_default().to_owned())];
        let element = wrap("pre", &wrap("code", code, &[]), &attrs);
        self.add_raw(&element).add_eol()
    }

    /// Adds a `<ul>`, or an `<ol>` when `ordered` (`addList`).
    pub fn add_list<S: AsRef<str>>(&mut self, items: &[S], ordered: bool) -> &mut Self {
        let tag = if ordered { "ol" } else { "ul" };
        let items: String = items
            .iter()
            .map(|item| wrap("li", item.as_ref(), &[]))
            .collect();
        let element = wrap(tag, &items, &[]);
        self.add_raw(&element).add_eol()
    }

    /// Adds a `<table>` of rows of cells (`addTable`).
    pub fn add_table(&mut self, rows: &[Vec<TableCell>]) -> &mut Self {
        let body: String = rows
            .iter()
            .map(|row| {
                let cells: String = row
                    .iter()
                    .map(|cell| {
                        let tag = if cell.header { "th" } else { "td" };
                        let attrs = [
                            (
                                "colspan",
                                cell.colspan.map(|n| n.to_string()).unwrap_or_default(),
                            ),
                            (
                                "rowspan",
                                cell.rowspan.map(|n| n.to_string()).unwrap_or_default(),
                            ),
                        ];
                        wrap(tag, &cell.data, &attrs)
                    })
                    .collect();
                wrap("tr", &cells, &[])
            })
            .collect();
        let element = wrap("table", &body, &[]);
        self.add_raw(&element).add_eol()
    }

    /// Adds a collapsible `<details>` with a `<summary>` label (`addDetails`).
    pub fn add_details(&mut self, label: &str, content: &str) -> &mut Self {
        let inner = format!("{}{content}", wrap("summary", label, &[]));
        let element = wrap("details", &inner, &[]);
        self.add_raw(&element).add_eol()
    }

    /// Adds an `<img>` (`addImage`).
    pub fn add_image(&mut self, src: &str, alt: &str, options: ImageOptions) -> &mut Self {
        let attrs = [
            ("src", src.to_owned()),
            ("alt", alt.to_owned()),
            (
                "width",
                options.width.map(|n| n.to_string()).unwrap_or_default(),
            ),
            (
                "height",
                options.height.map(|n| n.to_string()).unwrap_or_default(),
            ),
        ];
        let element = wrap("img", "", &attrs);
        self.add_raw(&element).add_eol()
    }

    /// Adds a heading `<h1>`…`<h6>`; any other level gives `<h1>`, as in core (`addHeading`).
    pub fn add_heading(&mut self, text: &str, level: i64) -> &mut Self {
        let tag = match level {
            1..=6 => format!("h{level}"),
            _ => String::from("h1"),
        };
        let element = wrap(&tag, text, &[]);
        self.add_raw(&element).add_eol()
    }

    /// Adds a thematic break `<hr>` (`addSeparator`).
    pub fn add_separator(&mut self) -> &mut Self {
        self.add_raw(&wrap("hr", "", &[])).add_eol()
    }

    /// Adds a line break `<br>` (`addBreak`).
    pub fn add_break(&mut self) -> &mut Self {
        self.add_raw(&wrap("br", "", &[])).add_eol()
    }

    /// Adds a `<blockquote>` with an optional `cite` URL (`addQuote`).
    pub fn add_quote(&mut self, text: &str, cite: Option<&str>) -> &mut Self {
        let attrs = [("cite", cite.unwrap_or_default().to_owned())];
        let element = wrap("blockquote", text, &attrs);
        self.add_raw(&element).add_eol()
    }

    /// Adds a link `<a href>` (`addLink`).
    pub fn add_link(&mut self, text: &str, href: &str) -> &mut Self {
        let element = wrap("a", text, &[("href", href.to_owned())]);
        self.add_raw(&element).add_eol()
    }

    /// Writes the buffer to the summary file — appended, or replacing the file when
    /// `overwrite` — and empties the buffer (`write`). On error the buffer is kept.
    pub fn write(&mut self, env: &Env, overwrite: bool) -> Result<()> {
        let path = summary_path(env)?;
        let mut file = if overwrite {
            File::create(&path)
        } else {
            OpenOptions::new().append(true).open(&path)
        }
        .map_err(|source| ToolkitError::SummaryWrite {
            path: path.clone(),
            source,
        })?;
        file.write_all(self.buffer.as_bytes())
            .map_err(|source| ToolkitError::SummaryWrite { path, source })?;
        self.empty_buffer();
        Ok(())
    }

    /// Empties the buffer and the summary file (`clear`).
    pub fn clear(&mut self, env: &Env) -> Result<()> {
        self.empty_buffer().write(env, true)
    }
}

/// The summary file's path, checked to exist and to be readable and writable (core checks
/// `R_OK | W_OK` before every write).
fn summary_path(env: &Env) -> Result<PathBuf> {
    let path = env.var(SUMMARY_ENV_VAR);
    if path.is_empty() {
        return Err(ToolkitError::SummaryVariableMissing);
    }
    let path = PathBuf::from(path);
    // Opening for reading and writing without `create` checks existence and both permissions
    // and changes nothing.
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|_| ToolkitError::SummaryNotAccessible { path: path.clone() })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    //! Ports of `summary.test.ts` (`@actions/core`), asserting the exact file contents.
    use super::*;

    const TEXT: &str = "hello world 🌎";
    const CODE: &str = "func fork() {\n  for {\n    go fork()\n  }\n}";
    const LIST: [&str; 4] = ["foo", "bar", "baz", "💣"];

    /// A temporary directory with an empty summary file and the environment that names it.
    struct Fixture {
        _dir: tempfile::TempDir,
        path: PathBuf,
        env: Env,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("test-summary.md");
            std::fs::write(&path, "").unwrap();
            let env = Env::new().with(SUMMARY_ENV_VAR, path.to_string_lossy());
            Self {
                _dir: dir,
                path,
                env,
            }
        }

        fn set_file(&self, content: &str) {
            std::fs::write(&self.path, content).unwrap();
        }

        fn written(&self, summary: &mut Summary) -> String {
            summary.write(&self.env, false).unwrap();
            self.file()
        }

        fn file(&self) -> String {
            std::fs::read_to_string(&self.path).unwrap()
        }
    }

    fn table() -> Vec<Vec<TableCell>> {
        vec![
            vec![
                TableCell::header("foo"),
                TableCell::header("bar"),
                TableCell::header("baz"),
                TableCell::new("tall").rowspan(3),
            ],
            vec!["one".into(), "two".into(), "three".into()],
            vec![TableCell::new("wide").colspan(3)],
        ]
    }

    #[test]
    fn throws_if_summary_env_var_is_undefined() {
        let mut summary = Summary::new();
        let err = summary.add_raw(TEXT).write(&Env::new(), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries."
        );
        assert_eq!(summary.as_str(), TEXT, "the buffer is kept on error");
    }

    #[test]
    fn throws_if_summary_file_does_not_exist() {
        let fx = Fixture::new();
        std::fs::remove_file(&fx.path).unwrap();
        let err = Summary::new()
            .add_raw(TEXT)
            .write(&fx.env, false)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unable to access summary file: '{}'. Check if the file has correct read/write permissions.",
                fx.path.display()
            )
        );
        assert!(!fx.path.exists(), "the file is not created");
    }

    #[cfg(unix)]
    #[test]
    fn throws_if_summary_file_is_not_writable() {
        use std::os::unix::fs::PermissionsExt;
        let fx = Fixture::new();
        std::fs::set_permissions(&fx.path, std::fs::Permissions::from_mode(0o444)).unwrap();
        // Root ignores permission bits; the check is meaningful only for other users.
        if OpenOptions::new().write(true).open(&fx.path).is_ok() {
            return;
        }
        let err = Summary::new()
            .add_raw(TEXT)
            .write(&fx.env, true)
            .unwrap_err();
        assert!(matches!(err, ToolkitError::SummaryNotAccessible { .. }));
    }

    #[test]
    fn throws_if_summary_path_is_a_directory() {
        // Meaningful even as root, which ignores permission bits.
        let dir = tempfile::tempdir().unwrap();
        let env = Env::new().with(SUMMARY_ENV_VAR, dir.path().to_string_lossy());
        let err = Summary::new().add_raw(TEXT).write(&env, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unable to access summary file: '{}'. Check if the file has correct read/write permissions.",
                dir.path().display()
            )
        );
    }

    #[test]
    fn a_gate_report_summary_renders_as_expected() {
        let mut summary = Summary::new();
        summary
            .add_heading("shipgate: pending", 2)
            .add_table(&[
                vec![
                    TableCell::header("Gate"),
                    TableCell::header("State"),
                    TableCell::header("Reason"),
                ],
                vec![
                    "soak".into(),
                    "⏳ pending".into(),
                    html_escape("ready at 2026-11-28T10:00Z (<24h)").into(),
                ],
                vec![
                    "approvals".into(),
                    "✅ pass".into(),
                    html_escape("2 of 2: @alice, @bob").into(),
                ],
            ])
            .add_details("Facts", "<pre>sha: 1a2b3c</pre>")
            .append_markdown("Next check: [workflow run](https://github.com/o/r/actions/runs/1)")
            .add_separator()
            .add_link("Docs", "https://example.com/docs?a=1&b=2");
        insta::assert_snapshot!("gate_report_summary", summary.as_str());
    }

    #[test]
    fn appends_text_to_summary_file() {
        let fx = Fixture::new();
        fx.set_file("# ");
        assert_eq!(
            fx.written(Summary::new().add_raw(TEXT)),
            format!("# {TEXT}")
        );
    }

    #[test]
    fn overwrites_text_to_summary_file() {
        let fx = Fixture::new();
        fx.set_file("overwrite");
        Summary::new().add_raw(TEXT).write(&fx.env, true).unwrap();
        assert_eq!(fx.file(), TEXT);
    }

    #[test]
    fn appends_text_with_eol_to_summary_file() {
        let fx = Fixture::new();
        fx.set_file("# ");
        assert_eq!(
            fx.written(Summary::new().add_raw_line(TEXT)),
            format!("# {TEXT}{EOL}")
        );
    }

    #[test]
    fn chains_appends_text_to_summary_file() {
        let fx = Fixture::new();
        let mut summary = Summary::new();
        summary.add_raw(TEXT).add_raw(TEXT).add_raw(TEXT);
        assert_eq!(fx.written(&mut summary), [TEXT, TEXT, TEXT].concat());
    }

    #[test]
    fn empties_buffer_after_write() {
        let fx = Fixture::new();
        let mut summary = Summary::new();
        summary.add_raw(TEXT);
        assert_eq!(fx.written(&mut summary), TEXT);
        assert!(summary.is_empty_buffer());
    }

    #[test]
    fn returns_summary_buffer_as_string() {
        let mut summary = Summary::new();
        summary.add_raw(TEXT);
        assert_eq!(summary.as_str(), TEXT);
    }

    #[test]
    fn return_correct_values_for_is_empty_buffer() {
        let mut summary = Summary::new();
        summary.add_raw(TEXT);
        assert!(!summary.is_empty_buffer());
        summary.empty_buffer();
        assert!(summary.is_empty_buffer());
    }

    #[test]
    fn clears_a_buffer_and_summary_file() {
        let fx = Fixture::new();
        fx.set_file("content");
        let mut summary = Summary::new();
        summary.add_raw("pending");
        summary.clear(&fx.env).unwrap();
        assert_eq!(fx.file(), "");
        assert!(summary.is_empty_buffer());
    }

    #[test]
    fn adds_eol() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_raw(TEXT).add_eol()),
            format!("{TEXT}{EOL}")
        );
    }

    #[test]
    fn adds_a_code_block_without_language() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_code_block(CODE, None)),
            format!(
                "<pre><code>func fork() {{\n  for {{\n    go fork()\n  }}\n}}</code></pre>{EOL}"
            )
        );
    }

    #[test]
    fn adds_a_code_block_with_a_language() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_code_block(CODE, Some("go"))),
            format!("<pre lang=\"go\"><code>func fork() {{\n  for {{\n    go fork()\n  }}\n}}</code></pre>{EOL}")
        );
    }

    #[test]
    fn adds_an_unordered_list() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_list(&LIST, false)),
            format!("<ul><li>foo</li><li>bar</li><li>baz</li><li>💣</li></ul>{EOL}")
        );
    }

    #[test]
    fn adds_an_ordered_list() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_list(&LIST, true)),
            format!("<ol><li>foo</li><li>bar</li><li>baz</li><li>💣</li></ol>{EOL}")
        );
    }

    #[test]
    fn adds_a_table() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_table(&table())),
            format!("<table><tr><th>foo</th><th>bar</th><th>baz</th><td rowspan=\"3\">tall</td></tr><tr><td>one</td><td>two</td><td>three</td></tr><tr><td colspan=\"3\">wide</td></tr></table>{EOL}")
        );
    }

    #[test]
    fn adds_a_details_element() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_details("open me", "🎉 surprise")),
            format!("<details><summary>open me</summary>🎉 surprise</details>{EOL}")
        );
    }

    #[test]
    fn adds_an_image_with_alt_text() {
        let fx = Fixture::new();
        let mut summary = Summary::new();
        summary.add_image(
            "https://github.com/actions.png",
            "actions logo",
            ImageOptions::default(),
        );
        assert_eq!(
            fx.written(&mut summary),
            format!("<img src=\"https://github.com/actions.png\" alt=\"actions logo\">{EOL}")
        );
    }

    #[test]
    fn adds_an_image_with_custom_dimensions() {
        let fx = Fixture::new();
        let mut summary = Summary::new();
        let options = ImageOptions {
            width: Some(32),
            height: Some(32),
        };
        summary.add_image("https://github.com/actions.png", "actions logo", options);
        assert_eq!(
            fx.written(&mut summary),
            format!("<img src=\"https://github.com/actions.png\" alt=\"actions logo\" width=\"32\" height=\"32\">{EOL}")
        );
    }

    #[test]
    fn adds_headings_h1_to_h6() {
        let fx = Fixture::new();
        let mut summary = Summary::new();
        for level in 1..=6 {
            summary.add_heading("heading", level);
        }
        let expected: String = (1..=6)
            .map(|i| format!("<h{i}>heading</h{i}>{EOL}"))
            .collect();
        assert_eq!(fx.written(&mut summary), expected);
    }

    #[test]
    fn uses_h1_if_heading_level_is_garbage_or_out_of_range() {
        let fx = Fixture::new();
        let mut summary = Summary::new();
        summary
            .add_heading("heading", 0)
            .add_heading("heading", 1337)
            .add_heading("heading", -1)
            .add_heading("heading", i64::MAX);
        assert_eq!(
            fx.written(&mut summary),
            format!("<h1>heading</h1>{EOL}").repeat(4)
        );
    }

    #[test]
    fn adds_a_separator() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_separator()),
            format!("<hr>{EOL}")
        );
    }

    #[test]
    fn adds_a_break() {
        let fx = Fixture::new();
        assert_eq!(fx.written(Summary::new().add_break()), format!("<br>{EOL}"));
    }

    #[test]
    fn adds_a_quote() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_quote("Where the world builds software", None)),
            format!("<blockquote>Where the world builds software</blockquote>{EOL}")
        );
    }

    #[test]
    fn adds_a_quote_with_citation() {
        let fx = Fixture::new();
        let mut summary = Summary::new();
        summary.add_quote(
            "Where the world builds software",
            Some("https://github.com/about"),
        );
        assert_eq!(
            fx.written(&mut summary),
            format!("<blockquote cite=\"https://github.com/about\">Where the world builds software</blockquote>{EOL}")
        );
    }

    #[test]
    fn adds_a_link_with_href() {
        let fx = Fixture::new();
        assert_eq!(
            fx.written(Summary::new().add_link("GitHub", "https://github.com/")),
            format!("<a href=\"https://github.com/\">GitHub</a>{EOL}")
        );
    }

    #[test]
    fn empty_content_gives_an_open_tag_as_in_core() {
        let mut summary = Summary::new();
        summary.add_list(&[""], false).add_link("", "x");
        assert_eq!(
            summary.as_str(),
            format!("<ul><li></ul>{EOL}<a href=\"x\">{EOL}")
        );
    }

    #[test]
    fn attribute_values_cannot_break_out_of_their_quotes() {
        let mut summary = Summary::new();
        summary.add_link("x", "https://e.com/?a=1&b=\"><script>");
        assert_eq!(
            summary.as_str(),
            format!("<a href=\"https://e.com/?a=1&amp;b=&quot;&gt;&lt;script&gt;\">x</a>{EOL}")
        );
    }

    #[test]
    fn html_escape_escapes_markup() {
        assert_eq!(
            html_escape(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn append_markdown_starts_a_new_block() {
        let mut summary = Summary::new();
        summary.append_markdown("## Gates");
        assert_eq!(summary.as_str(), format!("## Gates{EOL}"));
        summary.add_table(&table());
        summary.append_markdown("after the table\n");
        let text = summary.as_str();
        assert!(
            text.ends_with(&format!("</table>{EOL}{EOL}after the table\n")),
            "{text:?}"
        );
        let mut summary = Summary::new();
        summary.add_raw("no newline").append_markdown("next");
        assert_eq!(summary.as_str(), format!("no newline{EOL}{EOL}next{EOL}"));
        let mut summary = Summary::new();
        summary
            .add_raw(&format!("done{EOL}{EOL}"))
            .append_markdown("next");
        assert_eq!(summary.as_str(), format!("done{EOL}{EOL}next{EOL}"));
    }
}
