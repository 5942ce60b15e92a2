//! Escaping of untrusted text (titles, branch names, logins, check names) for Markdown.
