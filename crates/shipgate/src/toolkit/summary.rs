//! The job summary (`GITHUB_STEP_SUMMARY`): Markdown rendered by shipgate, appended as its own
//! block to the file the runner names, with the checks and messages of `@actions/core`'s
//! `summary.write()`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use super::command::EOL;
use super::env::Env;
use super::error::{Result, ToolkitError};

/// The variable that names the step's summary file.
pub const SUMMARY_ENV_VAR: &str = "GITHUB_STEP_SUMMARY";

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

/// Appends `text` to the summary file (`summary.write()`, which appends); the file must exist
/// and be readable and writable, as core checks before every write.
pub fn append(env: &Env, text: &str) -> Result<()> {
    let path = summary_path(env)?;
    let mut file = OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|source| ToolkitError::SummaryWrite {
            path: path.clone(),
            source,
        })?;
    file.write_all(text.as_bytes())
        .map_err(|source| ToolkitError::SummaryWrite { path, source })
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
    //! Ports of the `write` cases of `summary.test.ts` (`@actions/core`), asserting the exact
    //! file contents.
    use super::*;

    const TEXT: &str = "hello world 🌎";

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

        fn file(&self) -> String {
            std::fs::read_to_string(&self.path).unwrap()
        }
    }

    #[test]
    fn throws_if_summary_env_var_is_undefined() {
        let err = append(&Env::new(), TEXT).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries."
        );
    }

    #[test]
    fn throws_if_summary_file_does_not_exist() {
        let fx = Fixture::new();
        std::fs::remove_file(&fx.path).unwrap();
        let err = append(&fx.env, TEXT).unwrap_err();
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
        let err = append(&fx.env, TEXT).unwrap_err();
        assert!(matches!(err, ToolkitError::SummaryNotAccessible { .. }));
    }

    #[test]
    fn throws_if_summary_path_is_a_directory() {
        // Meaningful even as root, which ignores permission bits.
        let dir = tempfile::tempdir().unwrap();
        let env = Env::new().with(SUMMARY_ENV_VAR, dir.path().to_string_lossy());
        let err = append(&env, TEXT).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unable to access summary file: '{}'. Check if the file has correct read/write permissions.",
                dir.path().display()
            )
        );
    }

    #[test]
    fn appends_text_to_summary_file() {
        let fx = Fixture::new();
        std::fs::write(&fx.path, "# ").unwrap();
        append(&fx.env, TEXT).unwrap();
        assert_eq!(fx.file(), format!("# {TEXT}"));
        append(&fx.env, TEXT).unwrap();
        assert_eq!(fx.file(), format!("# {TEXT}{TEXT}"));
    }

    #[test]
    fn markdown_starts_a_new_block() {
        assert_eq!(markdown_block("", "## Gates"), format!("## Gates{EOL}"));
        assert_eq!(
            markdown_block(&format!("<table></table>{EOL}"), "after the table\n"),
            format!("{EOL}after the table\n")
        );
        assert_eq!(
            markdown_block("no newline", "next"),
            format!("{EOL}{EOL}next{EOL}")
        );
        assert_eq!(
            markdown_block(&format!("done{EOL}{EOL}"), "next"),
            format!("next{EOL}")
        );
        assert_eq!(markdown_block("x", ""), format!("{EOL}{EOL}"));
    }
}
