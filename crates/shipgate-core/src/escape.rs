//! Escaping of untrusted text (PR titles, branch names, logins, check names, reasons that quote
//! them) for GitHub-flavoured Markdown, table cells included, and for plain text.
//!
//! What GitHub does with text decides the technique:
//! - Markdown syntax (emphasis, links, images, code, headings, lists, tables, math) is neutralised
//!   with backslash escapes, which CommonMark allows before any ASCII punctuation.
//! - Raw HTML is impossible once `<`, `>` and `&` are entities; this also keeps anyone from
//!   forging shipgate's hidden sticky-comment marker (`<!-- … -->`).
//! - `@login` mentions and `#123` / `GH-123` references are found by GitHub *after* Markdown
//!   rendering, in the rendered text, so a backslash does not stop them (github/markup#1168). A
//!   zero-width space after the `@` or `#` (before the `-` of `GH-`) does — the technique
//!   Dependabot and Renovate use — and it survives the plain-text view of e-mail replies too.
//!   The `@`/`#` themselves are written as entities.
//! - Bare autolinks (`https://…`, `www.…`, `a@b.example`) are broken with a zero-width space, so
//!   GitHub's autolinker no longer recognises them.
//! - Newlines and control characters become spaces (a newline could end a table row or start a
//!   heading); runs of white space collapse to one.

/// Zero-width space: invisible, but it breaks GitHub's mention, reference and autolink patterns.
pub const ZERO_WIDTH_SPACE: char = '\u{200B}';

/// Everything but RFC 3986's unreserved characters (`A–Z a–z 0–9 - _ . ~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes untrusted text as one URL path segment or query-string value: a `/`, `?`,
/// `#`, `&` or space in a branch, tag, environment or file name cannot change the URL's shape.
pub fn url_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// Escapes untrusted text for use anywhere inline in Markdown, including inside table cells.
pub fn markdown(text: &str) -> String {
    escape_inline(&plain(text), true)
}

/// Escapes text in which `` `backtick-quoted` `` parts become code spans and the rest is escaped
/// as by [`markdown`] — for reasons and hints written by shipgate that quote untrusted names.
///
/// Each part is escaped by its own rule, so a backtick inside a quoted name can only move the
/// boundary between code and text, never let Markdown through. An unpaired last backtick is
/// shown as text.
pub fn markdown_with_code(text: &str) -> String {
    let text = plain(text);
    let parts: Vec<&str> = text.split('`').collect();
    let paired = parts.len() % 2 == 1;
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let is_code = i % 2 == 1;
        if is_code && (paired || i + 1 < parts.len()) {
            // Two code spans with nothing between would merge their fences into one longer
            // backtick run, and the spans would then pair up differently: keep them apart.
            if out.ends_with('`') {
                out.push(ZERO_WIDTH_SPACE);
            }
            out.push_str(&code(part));
        } else if is_code {
            out.push_str("\\`");
            out.push_str(&escape_inline(part, false));
        } else {
            out.push_str(&escape_inline(part, i == 0));
        }
    }
    out
}

/// Escapes one-line text; `at_start` says whether it begins a line (where block markers count).
fn escape_inline(text: &str, at_start: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => {
                out.push_str("&#64;");
                out.push(ZERO_WIDTH_SPACE);
            }
            '#' => {
                out.push_str("&#35;");
                out.push(ZERO_WIDTH_SPACE);
            }
            // Inline syntax anywhere: escapes, code, emphasis, strikethrough, links, images,
            // table cells, math, and `)`/`.` of ordered-list markers.
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '(' | ')' | '!' | '|' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            // Block markers only matter at the start of the text: list items, setext underlines.
            '-' | '+' | '=' if at_start && i == 0 => {
                out.push('\\');
                out.push(c);
            }
            // `1.` at the start would be an ordered list.
            '.' if at_start && i > 0 && chars[..i].iter().all(char::is_ascii_digit) => {
                out.push_str("\\.")
            }
            // `www.` starts an autolink.
            '.' if i >= 3
                && chars[i - 3..i]
                    .iter()
                    .all(|ch| ch.eq_ignore_ascii_case(&'w'))
                && (i == 3 || !chars[i - 4].is_alphanumeric()) =>
            {
                out.push(ZERO_WIDTH_SPACE);
                out.push('.');
            }
            // `GH-123` is another way to reference an issue, which notifies its thread.
            '-' if i >= 2
                && chars[i - 2..i]
                    .iter()
                    .collect::<String>()
                    .eq_ignore_ascii_case("gh")
                && (i == 2 || !chars[i - 3].is_alphanumeric())
                && chars.get(i + 1).is_some_and(char::is_ascii_digit) =>
            {
                out.push(ZERO_WIDTH_SPACE);
                out.push('-');
            }
            // `scheme://` is an autolink.
            ':' if chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/') => {
                out.push(':');
                out.push(ZERO_WIDTH_SPACE);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Formats untrusted text as an inline code span that is safe inside a table cell.
///
/// Inside a code span nothing is Markdown and GitHub links no mentions, so only what would end
/// the span early is handled: backticks (by a longer fence), `|` (escaped, as GFM tables
/// require even inside code; outside a table it would show as `\|`), and line breaks. `<!` gets
/// a zero-width space so that the raw comment body never contains a forged hidden marker, and
/// so does `@`, for the plain-text views (e-mail) that find mentions even in code.
/// Empty text gives an empty string.
pub fn code(text: &str) -> String {
    let text = plain(text);
    if text.is_empty() {
        return String::new();
    }
    let body = text
        .replace('|', "\\|")
        .replace("<!", "<\u{200B}!")
        .replace('@', "@\u{200B}");
    let longest_run = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // CommonMark strips one space on each side when both are present, and a backtick next to
    // the fence would merge with it: pad in both cases.
    let pad = body.starts_with('`')
        || body.ends_with('`')
        || (body.starts_with(' ') && body.ends_with(' '));
    if pad {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

/// Text with line breaks, control characters and bidirectional overrides turned into single
/// spaces, trimmed: safe for a one-line plain-text title or a terminal (no escape sequences).
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() || is_bidi_control(c) {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Unicode bidirectional embedding, override and isolate controls, which can make displayed
/// text read differently from what it is ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Shortens `text` to at most `max` characters, ending with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: char = ZERO_WIDTH_SPACE;

    #[test]
    fn url_components_keep_only_unreserved_characters() {
        assert_eq!(url_component("roll back.yml"), "roll%20back.yml");
        assert_eq!(url_component("staging/v1.4.0"), "staging%2Fv1.4.0");
        assert_eq!(url_component("abc-123_x.~"), "abc-123_x.~");
        assert_eq!(url_component("a?b#c&d=e%"), "a%3Fb%23c%26d%3De%25");
        assert_eq!(url_component("é"), "%C3%A9");
    }

    #[test]
    fn markdown_escapes_hostile_strings_exactly() {
        let cases: &[(&str, String)] = &[
            ("plain words", "plain words".into()),
            (
                "<img src=x onerror=alert(1)>",
                r"&lt;img src=x onerror=alert\(1\)&gt;".into(),
            ),
            (
                "[click](https://evil)",
                format!(r"\[click\]\(https:{Z}//evil\)"),
            ),
            (
                "![x](https://evil/i.png)",
                format!(r"\!\[x\]\(https:{Z}//evil/i.png\)"),
            ),
            ("@org/team", format!("&#64;{Z}org/team")),
            ("thanks @alice!", format!(r"thanks &#64;{Z}alice\!")),
            (
                "fixes #12 and o/r#3",
                format!("fixes &#35;{Z}12 and o/r&#35;{Z}3"),
            ),
            ("see GH-12, gh-3", format!("see GH{Z}-12, gh{Z}-3")),
            ("GH-1 BUGH-2 GH-x", format!("GH{Z}-1 BUGH-2 GH-x")),
            ("a|b", r"a\|b".into()),
            ("`", r"\`".into()),
            ("\n# heading", format!("&#35;{Z} heading")),
            ("<!-- shipgate -->", r"&lt;\!-- shipgate --&gt;".into()),
            ("*bold* _it_ ~~s~~", r"\*bold\* \_it\_ \~\~s\~\~".into()),
            ("> quote", "&gt; quote".into()),
            ("- item", r"\- item".into()),
            ("+ item", r"\+ item".into()),
            ("1. item", r"1\. item".into()),
            ("2) item", r"2\) item".into()),
            ("=====", r"\=====".into()),
            (
                "v1.4.0 staging/v1.4.0 a-b",
                "v1.4.0 staging/v1.4.0 a-b".into(),
            ),
            ("see www.evil.com", format!("see www{Z}.evil.com")),
            ("WWW.EVIL.COM", format!("WWW{Z}.EVIL.COM")),
            ("awww.x", "awww.x".into()),
            ("mail me@evil.com", format!("mail me&#64;{Z}evil.com")),
            ("$x^2$", r"\$x^2\$".into()),
            ("a\\b", r"a\\b".into()),
            ("&amp; &lt;", "&amp;amp; &amp;lt;".into()),
            ("line1\r\nline2\tend", "line1 line2 end".into()),
            ("a\u{1b}[31mred", r"a \[31mred".into()),
            ("  spaced   out  ", "spaced out".into()),
            ("abc\u{202E}cba", "abc cba".into()),
            ("Café 🚀 日本語 👩‍💻", "Café 🚀 日本語 👩‍💻".into()),
        ];
        for (input, expected) in cases {
            assert_eq!(&markdown(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn markdown_never_lets_structure_through() {
        let hostile = [
            "<script>alert(1)</script>",
            "<!-- shipgate -->",
            "<!--shipgate:sticky-->",
            "x\n\n| a | b |\n|---|---|",
            "@dependabot merge",
            "https://evil.example/path?q=1",
            "[a]: https://evil",
            "<https://evil>",
            "``code``",
        ];
        for input in hostile {
            let out = markdown(input);
            assert!(!out.contains('<') && !out.contains('>'), "{out}");
            assert!(!out.contains('\n'), "{out}");
            assert!(!out.contains("://"), "{out}");
            assert!(!out.contains('@'), "{out}");
            assert!(!out.contains("]("), "{out}");
            // Every `|` and backtick is escaped.
            for (i, c) in out.char_indices() {
                if c == '|' || c == '`' {
                    assert_eq!(&out[i - 1..i], "\\", "{out}");
                }
            }
        }
    }

    #[test]
    fn code_spans_hold_anything() {
        let cases: &[(&str, String)] = &[
            ("staging/v1.4.0", "`staging/v1.4.0`".into()),
            ("a`b", "``a`b``".into()),
            ("`x`", "`` `x` ``".into()),
            ("a``b`", "``` a``b` ```".into()),
            ("a|b", r"`a\|b`".into()),
            ("two\nlines", "`two lines`".into()),
            ("<!-- shipgate -->", format!("`<{Z}!-- shipgate -->`")),
            ("@alice", format!("`@{Z}alice`")),
            ("", String::new()),
        ];
        for (input, expected) in cases {
            assert_eq!(&code(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn markdown_with_code_quotes_backticked_parts() {
        let cases: &[(&str, String)] = &[
            (
                "the pull request targets `dev`, not the production branch `main`",
                "the pull request targets `dev`, not the production branch `main`".into(),
            ),
            (
                "run `git tag -a v1.4.0 -m \"v1.4.0\" && git push origin v1.4.0`",
                "run `git tag -a v1.4.0 -m \"v1.4.0\" && git push origin v1.4.0`".into(),
            ),
            // A hostile name inside the quotes: the backtick moves the code boundary, the rest
            // of the text is still escaped.
            (
                "targets `x` @evil [a](https://e) `y`, not `main`",
                format!(r"targets `x` &#64;{Z}evil \[a\]\(https:{Z}//e\) `y`, not `main`"),
            ),
            ("odd ` tick", r"odd \` tick".into()),
            ("`a|b` and c|d", r"`a\|b` and c\|d".into()),
            ("- `x`", r"\- `x`".into()),
            ("`x` - y", "`x` - y".into()),
            // Adjacent quotes stay two separate code spans.
            ("`a``x` <b>", format!("`a`{Z}`x` &lt;b&gt;")),
            ("`a``x`<b>`", format!(r"`a`{Z}`x`&lt;b&gt;\`")),
        ];
        for (input, expected) in cases {
            assert_eq!(&markdown_with_code(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn plain_folds_control_characters() {
        assert_eq!(plain("a\nb\r\nc\td\u{7}e"), "a b c d e");
        assert_eq!(plain("\u{1b}]8;;https://x\u{7}"), "]8;;https://x");
        assert_eq!(plain(" \n "), "");
        assert_eq!(plain("Café 👩‍💻"), "Café 👩‍💻");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("exactly10!", 10), "exactly10!");
        assert_eq!(truncate("abcdefghijk", 10), "abcdefghi…");
        assert_eq!(truncate("ab de fghij", 4), "ab…");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }

    proptest::proptest! {
        #[test]
        fn markdown_output_is_one_inert_line(input in "\\PC*|[<>@#|`\\n\\[\\]()!*_a-z:/. -]*") {
            let out = markdown(&input);
            proptest::prop_assert!(!out.contains(['\n', '\r', '<', '>']));
            proptest::prop_assert!(!out.contains('@'));
            proptest::prop_assert!(!out.contains("://"));
            let bytes = out.as_bytes();
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'|' || *b == b'`' || *b == b'[' {
                    // Preceded by an odd number of backslashes: escaped.
                    let run = bytes[..i].iter().rev().take_while(|c| **c == b'\\').count();
                    proptest::prop_assert!(run % 2 == 1, "unescaped {} in {:?}", *b as char, out);
                }
            }
        }

        #[test]
        fn code_output_is_one_line_without_raw_pipes(input in "\\PC*|[`|<!\\n a-]*") {
            let out = code(&input);
            proptest::prop_assert!(!out.contains('\n'));
            proptest::prop_assert!(!out.contains("<!"));
            let bytes = out.as_bytes();
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'|' {
                    proptest::prop_assert!(i > 0 && bytes[i - 1] == b'\\', "{:?}", out);
                }
            }
        }
    }

    /// Checks escaped output with a real CommonMark parser (GFM tables, strikethrough, task
    /// lists, footnotes and math on): structure stays as written and the text reads back as
    /// the input, apart from the zero-width spaces.
    mod parsed {
        use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

        use super::super::*;

        fn options() -> Options {
            Options::ENABLE_TABLES
                | Options::ENABLE_STRIKETHROUGH
                | Options::ENABLE_TASKLISTS
                | Options::ENABLE_FOOTNOTES
                | Options::ENABLE_MATH
                | Options::ENABLE_GFM
        }

        /// The events of `cell` rendered as the first cell of a two-column table row, or an
        /// error naming what broke the structure.
        fn cell_events(cell: &str) -> Result<Vec<Event<'static>>, String> {
            let doc = format!("| a | b |\n| --- | --- |\n| {cell} | end |\n");
            let events: Vec<Event<'static>> = Parser::new_ext(&doc, options())
                .map(Event::into_static)
                .collect();
            let mut cells: Vec<Vec<Event<'static>>> = Vec::new();
            let mut in_body = false;
            for event in events {
                match event {
                    Event::Start(Tag::TableHead) => in_body = false,
                    Event::End(TagEnd::TableHead) => in_body = true,
                    Event::Start(Tag::TableCell) if in_body => cells.push(Vec::new()),
                    Event::End(TagEnd::TableCell) => {}
                    Event::Start(Tag::Table(_) | Tag::TableRow)
                    | Event::End(TagEnd::Table | TagEnd::TableRow) => {}
                    other if in_body => match cells.last_mut() {
                        Some(cell) => cell.push(other),
                        None => return Err(format!("{other:?} outside a cell")),
                    },
                    _ => {}
                }
            }
            if cells.len() != 2 {
                return Err(format!("{} cells instead of 2: {cells:?}", cells.len()));
            }
            if cells[1] != [Event::Text("end".into())] {
                return Err(format!("second cell changed: {:?}", cells[1]));
            }
            Ok(cells.swap_remove(0))
        }

        /// The text of events that may only be text (and, when `code` is true, code spans).
        fn only_text(events: &[Event<'_>], code: bool) -> Result<String, String> {
            let mut text = String::new();
            for event in events {
                match event {
                    Event::Text(t) => text.push_str(t),
                    Event::Code(t) if code => text.push_str(t),
                    other => return Err(format!("unexpected {other:?}")),
                }
            }
            Ok(text)
        }

        fn without_zws(text: &str) -> String {
            text.replace(ZERO_WIDTH_SPACE, "")
        }

        #[test]
        fn hostile_cells_stay_one_text_cell() {
            for input in [
                "<img src=x onerror=alert(1)>",
                "[click](https://evil)",
                "![i](https://evil/i.png)",
                "@org/team",
                "a|b",
                "`",
                "\n# heading",
                "<!-- shipgate -->",
                "*a* **b** _c_ ~~d~~ $e$ [^f] [ ] \\",
                "[x]: https://evil",
                "<https://evil>",
                "- [x] done",
                "1. one",
                "&amp; &#64; &lt;",
                "Café 🚀 👩‍💻",
            ] {
                let events =
                    cell_events(&markdown(input)).unwrap_or_else(|e| panic!("{input:?}: {e}"));
                let text = only_text(&events, false).unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert_eq!(without_zws(&text), plain(input), "{input:?}");
            }
        }

        #[test]
        fn code_cells_stay_one_code_span() {
            for input in [
                "a|b",
                "x`y",
                "``",
                "` a `",
                "<!-- shipgate -->",
                "@bob",
                "a\\b",
            ] {
                let events = cell_events(&code(input)).unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert!(
                    matches!(events.as_slice(), [Event::Code(_)]),
                    "{input:?}: {events:?}"
                );
                let Event::Code(content) = &events[0] else {
                    unreachable!()
                };
                assert_eq!(without_zws(content), plain(input), "{input:?}");
            }
        }

        #[test]
        fn the_checks_catch_unescaped_text() {
            // Without escaping, each of these breaks the cell or adds structure.
            for raw in [
                "a|b",
                "<b>x</b>",
                "[l](https://e)",
                "*em*",
                "`c`",
                "$m$",
                "~~s~~",
            ] {
                let broken = cell_events(raw).and_then(|events| only_text(&events, false));
                assert!(broken.is_err(), "{raw:?} was not caught: {broken:?}");
            }
            assert!(cell_events("x\n| y").is_err());
        }

        proptest::proptest! {
            #[test]
            fn any_text_reads_back_from_a_table_cell(
                input in "\\PC{0,40}|[-<>!@#|`*_~()\\[\\]\\\\$&;:/.w 0-9a-z\n]{0,40}"
            ) {
                let events = cell_events(&markdown(&input)).map_err(proptest::test_runner::TestCaseError::fail)?;
                let text = only_text(&events, false).map_err(proptest::test_runner::TestCaseError::fail)?;
                proptest::prop_assert_eq!(without_zws(&text), plain(&input));
            }

            #[test]
            fn any_text_reads_back_as_a_paragraph(
                input in "\\PC{0,40}|[-+=<>!@#|`*_~()\\[\\]\\\\$&;:/.w 0-9a-z\n]{0,40}"
            ) {
                let escaped = markdown(&input);
                let mut text = String::new();
                for event in Parser::new_ext(&escaped, options()) {
                    match event {
                        Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
                        Event::Text(t) => text.push_str(&t),
                        other => proptest::prop_assert!(false, "{:?} in {:?}", other, escaped),
                    }
                }
                proptest::prop_assert_eq!(without_zws(&text), plain(&input));
            }

            #[test]
            fn any_quoted_text_keeps_the_cell(
                input in "[-<>!@#|`*_~()\\[\\]\\\\$&;:/.w a-z\n]{0,40}"
            ) {
                let events = cell_events(&markdown_with_code(&input)).map_err(proptest::test_runner::TestCaseError::fail)?;
                only_text(&events, true).map_err(proptest::test_runner::TestCaseError::fail)?;
            }

            #[test]
            fn any_code_reads_back_from_a_table_cell(input in "\\PC{1,30}|[`|<!@ a\\\\]{1,30}") {
                proptest::prop_assume!(!plain(&input).is_empty());
                let events = cell_events(&code(&input)).map_err(proptest::test_runner::TestCaseError::fail)?;
                match events.as_slice() {
                    [Event::Code(content)] => {
                        proptest::prop_assert_eq!(without_zws(content), plain(&input));
                    }
                    other => proptest::prop_assert!(false, "{:?}", other),
                }
            }
        }
    }
}
