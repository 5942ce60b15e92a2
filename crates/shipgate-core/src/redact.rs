//! URLs as they may be shown: every URL that `verify`, `watch`, `record` or `report` prints,
//! writes to a summary or puts in a report goes through [`url`] first.
//!
//! A URL given to shipgate may carry secrets: credentials in its user info
//! (`https://user:pass@host`), tokens in its query (`?token=…`, `?sig=…`) or its fragment. They
//! are left out or replaced by `***` — the same text the runner shows for a masked secret —
//! while the scheme, host, port and path stay readable. This is pure string work, so it also
//! works on text that does not parse as a URL (the error that says so must not show a password
//! either).

/// What a hidden part is replaced with.
pub const HIDDEN: &str = "***";

/// The URL in `text` with its user info removed and every query value and the fragment replaced
/// by `***`:
///
/// - `https://user:pass@api.example.com/health` → `https://api.example.com/health`;
/// - `https://api.example.com/health?token=abc&full` → `https://api.example.com/health?token=***&***`
///   (an item without `=` may be a secret itself: it is hidden whole);
/// - `https://www.example.com/#access_token=abc` → `https://www.example.com/#***`.
///
/// Empty values stay empty (`?a=` shows as `?a=`), and so do empty items (`&&`).
pub fn url(text: &str) -> String {
    let (before_fragment, fragment) = match text.split_once('#') {
        Some((head, tail)) => (head, Some(tail)),
        None => (text, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((head, tail)) => (head, Some(tail)),
        None => (before_fragment, None),
    };
    let mut out = without_user_info(before_query);
    if let Some(query) = query {
        out.push('?');
        let items: Vec<String> = query
            .split('&')
            .map(|item| match item.split_once('=') {
                Some((key, "")) => format!("{key}="),
                Some((key, _)) => format!("{key}={HIDDEN}"),
                None if item.is_empty() => String::new(),
                None => HIDDEN.to_string(),
            })
            .collect();
        out.push_str(&items.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        if !fragment.is_empty() {
            out.push_str(HIDDEN);
        }
    }
    out
}

/// `text` (no query, no fragment) without the user info of its authority: everything from the
/// start of the authority to its last `@`.
fn without_user_info(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, text),
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    match scheme {
        Some(scheme) => format!("{scheme}://{host}{path}"),
        None => format!("{host}{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_query_values_and_fragments_are_hidden() {
        let cases = [
            (
                "https://api.example.com/health",
                "https://api.example.com/health",
            ),
            (
                "https://admin:s3cret@example.com:8443/health",
                "https://example.com:8443/health",
            ),
            ("https://token@example.com/", "https://example.com/"),
            ("https://a@b@host/x?y", "https://host/x?***"),
            (
                "https://api.example.com/health?token=abc&region=eu&full",
                "https://api.example.com/health?token=***&region=***&***",
            ),
            ("https://h/p?a=&&b=2", "https://h/p?a=&&b=***"),
            (
                "https://h/p?sig=a=b#access_token=x",
                "https://h/p?sig=***#***",
            ),
            ("https://h/p#", "https://h/p#"),
            ("https://h/p?", "https://h/p?"),
            ("https://user:p@ss@h:99999/x?k=v", "https://h:99999/x?k=***"),
            ("http://[::1]:8080/health", "http://[::1]:8080/health"),
            ("not a url", "not a url"),
            ("user:pass@host/path?q=1", "host/path?q=***"),
            ("", ""),
        ];
        for (input, shown) in cases {
            assert_eq!(url(input), shown, "{input:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn a_password_or_query_value_never_shows(
            password in "[a-z0-9]{12}",
            value in "[A-Z0-9]{12}",
            path in "(/[a-z]{1,5}){0,3}",
        ) {
            let shown = url(&format!("https://user:{password}@host.example{path}?key={value}&{value}#{value}"));
            proptest::prop_assert!(!shown.contains(&password), "{}", shown);
            proptest::prop_assert!(!shown.contains(&value), "{}", shown);
            proptest::prop_assert_eq!(shown, format!("https://host.example{path}?key=***&***#***"));
        }
    }
}
