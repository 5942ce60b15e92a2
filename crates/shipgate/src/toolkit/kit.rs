//! [`Toolkit`]: one Action step's connection to the runner — its environment, its log (where
//! workflow commands go), its file commands, its summary and its secrets.

use std::fmt;
use std::io::{self, Write};

use uuid::Uuid;

use super::command::{AnnotationProperties, Command, EOL};
use super::env::Env;
use super::error::{Result, ToolkitError};
use super::file_command::{issue_file_command, prepare_key_value_message};
use super::inputs::{self, InputOptions};
use super::secrets::Secrets;
use super::summary::{markdown_block, Summary, SUMMARY_ENV_VAR};
use super::value::CommandValue;
use super::{Annotation, Level};

/// The exit code of a step that called [`Toolkit::set_failed`] (`ExitCode.Failure`).
pub const FAILURE_EXIT_CODE: u8 = 1;

/// The path-list separator of `PATH` on this platform.
const PATH_DELIMITER: &str = if cfg!(windows) { ";" } else { ":" };

/// The runner as one step sees it. Production: [`Toolkit::from_process`] (process environment,
/// standard output). Tests: [`Toolkit::new`] with an [`Env`] and a `Vec<u8>`.
pub struct Toolkit<W: Write> {
    env: Env,
    out: W,
    secrets: Secrets,
    /// Draws the UUID of each heredoc delimiter (random v4; fixed in tests).
    delimiter_id: Box<dyn FnMut() -> Uuid + Send>,
    failed: bool,
}

impl<W: Write> fmt::Debug for Toolkit<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The environment holds the token: never print it.
        f.debug_struct("Toolkit")
            .field("secrets", &self.secrets)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Toolkit<io::Stdout> {
    /// The toolkit of the running process: its environment (read now) and standard output.
    pub fn from_process() -> Self {
        Self::new(Env::from_process(), io::stdout())
    }
}

impl<W: Write> Toolkit<W> {
    /// A toolkit over an environment and a log writer, drawing random delimiters.
    pub fn new(env: Env, out: W) -> Self {
        Self {
            env,
            out,
            secrets: Secrets::new(),
            delimiter_id: Box::new(Uuid::new_v4),
            failed: false,
        }
    }

    /// This toolkit drawing heredoc delimiter UUIDs from `next` (tests fix them).
    pub fn with_delimiter_ids(mut self, next: impl FnMut() -> Uuid + Send + 'static) -> Self {
        self.delimiter_id = Box::new(next);
        self
    }

    /// The environment (as updated by [`Toolkit::export_variable`] and [`Toolkit::add_path`]).
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The log writer (tests read what was written).
    pub fn out(&self) -> &W {
        &self.out
    }

    /// The log writer, giving the toolkit up.
    pub fn into_out(self) -> W {
        self.out
    }

    /// The secrets registered with [`Toolkit::mask`].
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    // ----- Inputs and state -------------------------------------------------------------

    /// An input (`getInput`); see [`inputs::get_input`].
    pub fn input(&self, name: &str, options: InputOptions) -> Result<String> {
        inputs::get_input(&self.env, name, options)
    }

    /// A boolean input (`getBooleanInput`); see [`inputs::get_boolean_input`].
    pub fn boolean_input(&self, name: &str, options: InputOptions) -> Result<bool> {
        inputs::get_boolean_input(&self.env, name, options)
    }

    /// A multiline input (`getMultilineInput`); see [`inputs::get_multiline_input`].
    pub fn multiline_input(&self, name: &str, options: InputOptions) -> Result<Vec<String>> {
        inputs::get_multiline_input(&self.env, name, options)
    }

    /// The state saved by the main step (`getState`).
    pub fn state(&self, name: &str) -> String {
        inputs::get_state(&self.env, name)
    }

    /// Whether step debug logging is on (`RUNNER_DEBUG` is `1`).
    pub fn is_debug(&self) -> bool {
        self.env.var("RUNNER_DEBUG") == "1"
    }

    // ----- File commands ----------------------------------------------------------------

    /// Sets a step output (`setOutput`): a heredoc in `GITHUB_OUTPUT`, or the legacy
    /// `::set-output` command when that variable is unset.
    pub fn set_output(&mut self, name: &str, value: impl CommandValue) -> Result<()> {
        if self.env.var("GITHUB_OUTPUT").is_empty() {
            // Core writes an end of line first, so the command starts its own line.
            self.write_raw("set-output", EOL)?;
            let command =
                Command::new("set-output", value.to_command_value()).property("name", name);
            return self.issue(&command);
        }
        self.key_value_file_command("OUTPUT", name, value)
    }

    /// Saves state for the post step (`saveState`): `GITHUB_STATE`, or `::save-state`.
    pub fn save_state(&mut self, name: &str, value: impl CommandValue) -> Result<()> {
        if self.env.var("GITHUB_STATE").is_empty() {
            let command =
                Command::new("save-state", value.to_command_value()).property("name", name);
            return self.issue(&command);
        }
        self.key_value_file_command("STATE", name, value)
    }

    /// Sets an environment variable for this and later steps (`exportVariable`):
    /// `GITHUB_ENV`, or `::set-env`; this toolkit's environment sees it at once.
    pub fn export_variable(&mut self, name: &str, value: impl CommandValue) -> Result<()> {
        let converted = value.to_command_value();
        self.env.set(name, converted.clone());
        if self.env.var("GITHUB_ENV").is_empty() {
            let command = Command::new("set-env", converted).property("name", name);
            return self.issue(&command);
        }
        self.key_value_file_command("ENV", name, converted)
    }

    /// Prepends a directory to `PATH` for this and later steps (`addPath`): `GITHUB_PATH`, or
    /// `::add-path`.
    pub fn add_path(&mut self, path: &str) -> Result<()> {
        if self.env.var("GITHUB_PATH").is_empty() {
            self.issue(&Command::new("add-path", path))?;
        } else {
            issue_file_command(&self.env, "PATH", path)?;
        }
        let joined = format!("{path}{PATH_DELIMITER}{}", self.env.var("PATH"));
        self.env.set("PATH", joined);
        Ok(())
    }

    fn key_value_file_command(
        &mut self,
        command: &str,
        name: &str,
        value: impl CommandValue,
    ) -> Result<()> {
        let message = prepare_key_value_message(name, value, (self.delimiter_id)())?;
        issue_file_command(&self.env, command, message)
    }

    // ----- Workflow commands ------------------------------------------------------------

    /// Writes one workflow command and an end of line to the log, as is (`issueCommand`).
    pub fn issue(&mut self, command: &Command) -> Result<()> {
        let line = format!("{command}{EOL}");
        self.write_raw(command.name(), &line)
    }

    fn write_raw(&mut self, command: &str, text: &str) -> Result<()> {
        let log_error = |source| ToolkitError::Log {
            command: command.to_owned(),
            source,
        };
        self.out.write_all(text.as_bytes()).map_err(log_error)?;
        // Flushed per line so commands keep their place among the runner's other output.
        self.out.flush().map_err(log_error)
    }

    /// Registers a secret (`setSecret`): `::add-mask::` makes the runner hide it in the log,
    /// and [`Toolkit::redact`] hides it in everything shipgate prints or posts itself.
    pub fn mask(&mut self, secret: &str) -> Result<()> {
        self.secrets.register(secret);
        self.issue(&Command::new("add-mask", secret))
    }

    /// The text with every masked secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        self.secrets.redact(text)
    }

    /// Writes a plain log line (`info`), secrets redacted.
    pub fn info(&mut self, message: &str) -> Result<()> {
        let line = format!("{}{EOL}", self.redact(message));
        self.write_raw("info", &line)
    }

    /// Writes a debug message (`debug`), shown only when step debug logging is on.
    pub fn debug(&mut self, message: &str) -> Result<()> {
        self.issue(&Command::new("debug", self.redact(message)))
    }

    /// Writes a notice annotation (`notice`).
    pub fn notice(&mut self, message: &str, properties: &AnnotationProperties) -> Result<()> {
        self.annotation_command("notice", message, properties)
    }

    /// Writes a warning annotation (`warning`).
    pub fn warning(&mut self, message: &str, properties: &AnnotationProperties) -> Result<()> {
        self.annotation_command("warning", message, properties)
    }

    /// Writes an error annotation (`error`).
    pub fn error(&mut self, message: &str, properties: &AnnotationProperties) -> Result<()> {
        self.annotation_command("error", message, properties)
    }

    /// Writes a shipgate [`Annotation`] at its level (debug messages carry no location).
    pub fn annotate(&mut self, annotation: &Annotation) -> Result<()> {
        match annotation.level {
            Level::Debug => self.debug(&annotation.message),
            level => {
                self.annotation_command(level.name(), &annotation.message, &annotation.properties())
            }
        }
    }

    fn annotation_command(
        &mut self,
        name: &str,
        message: &str,
        properties: &AnnotationProperties,
    ) -> Result<()> {
        let properties = AnnotationProperties {
            title: properties.title.as_deref().map(|t| self.redact(t)),
            ..properties.clone()
        };
        let command = properties.apply_to(Command::new(name, self.redact(message)));
        self.issue(&command)
    }

    /// Marks the step failed (`setFailed`): writes the message as an error annotation and makes
    /// [`Toolkit::exit_code`] 1. Returns the message as written (secrets redacted), for a
    /// check run or a summary.
    pub fn set_failed(&mut self, message: impl fmt::Display) -> Result<String> {
        self.failed = true;
        let message = self.redact(&message.to_string());
        self.error(&message, &AnnotationProperties::default())?;
        Ok(message)
    }

    /// Whether [`Toolkit::set_failed`] was called.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// The step's exit code: 1 after [`Toolkit::set_failed`], 0 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.failed {
            FAILURE_EXIT_CODE
        } else {
            0
        }
    }

    /// Starts a foldable group in the log (`startGroup`).
    pub fn start_group(&mut self, name: &str) -> Result<()> {
        self.issue(&Command::new("group", self.redact(name)))
    }

    /// Ends the current group (`endGroup`).
    pub fn end_group(&mut self) -> Result<()> {
        self.issue(&Command::new("endgroup", ""))
    }

    /// Runs `f` inside a group (`group`); the group is ended whatever `f` returns.
    pub fn group<T>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> T) -> Result<T> {
        self.start_group(name)?;
        let result = f(self);
        self.end_group()?;
        Ok(result)
    }

    /// Turns the echoing of workflow commands on or off (`setCommandEcho`).
    pub fn set_command_echo(&mut self, enabled: bool) -> Result<()> {
        self.issue(&Command::new("echo", if enabled { "on" } else { "off" }))
    }

    // ----- Job summary ------------------------------------------------------------------

    /// Writes a summary's buffer to `GITHUB_STEP_SUMMARY` (appended, or replacing the file when
    /// `overwrite`), secrets redacted; the buffer is emptied on success.
    pub fn write_summary(&mut self, summary: &mut Summary, overwrite: bool) -> Result<()> {
        let mut redacted = Summary::new();
        redacted.add_raw(&self.redact(summary.as_str()));
        redacted.write(&self.env, overwrite)?;
        summary.empty_buffer();
        Ok(())
    }

    /// Appends Markdown rendered by shipgate to the job summary as its own block, separated
    /// from what the file already holds (see [`markdown_block`]).
    pub fn append_summary_markdown(&mut self, markdown: &str) -> Result<()> {
        // Unreadable or unset: `write_summary` reports it with core's message.
        let existing = match self.env.get(SUMMARY_ENV_VAR) {
            Some(path) if !path.is_empty() => std::fs::read(path).unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut summary = Summary::new();
        summary.add_raw(&markdown_block(
            &String::from_utf8_lossy(&existing),
            markdown,
        ));
        self.write_summary(&mut summary, false)
    }
}

#[cfg(test)]
mod tests {
    //! Ports of `core.test.ts` (`@actions/core`): the exact bytes written to the log and to the
    //! file-command files.
    use super::*;
    use std::path::{Path, PathBuf};

    const UUID: &str = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";

    fn delimiter() -> String {
        format!("ghadelimiter_{UUID}")
    }

    /// A toolkit over an environment, writing to memory, with core's fixed test UUID.
    fn kit(env: Env) -> Toolkit<Vec<u8>> {
        Toolkit::new(env, Vec::new()).with_delimiter_ids(|| Uuid::parse_str(UUID).unwrap())
    }

    fn log(kit: &Toolkit<Vec<u8>>) -> String {
        String::from_utf8(kit.out().clone()).unwrap()
    }

    /// `createFileCommandFile`: an empty file named by `GITHUB_<command>`.
    struct FileCommand {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    impl FileCommand {
        fn new(command: &str, env: &mut Env) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(command);
            std::fs::write(&path, "").unwrap();
            env.set(format!("GITHUB_{command}"), path.to_string_lossy());
            Self { _dir: dir, path }
        }

        fn contents(&self) -> String {
            read(&self.path)
        }
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    fn with_file(command: &str) -> (Toolkit<Vec<u8>>, FileCommand) {
        let mut env = Env::new();
        let file = FileCommand::new(command, &mut env);
        (kit(env), file)
    }

    fn heredoc(name: &str, value: &str) -> String {
        let d = delimiter();
        format!("{name}<<{d}{EOL}{value}{EOL}{d}{EOL}")
    }

    fn full_properties() -> AnnotationProperties {
        AnnotationProperties {
            title: Some("A title".into()),
            file: Some("root/test.txt".into()),
            start_column: Some(1),
            end_column: Some(2),
            start_line: Some(5),
            end_line: Some(5),
        }
    }

    // ----- exportVariable

    #[test]
    fn legacy_export_variable_produces_the_correct_command_and_sets_the_env() {
        let mut k = kit(Env::new());
        k.export_variable("my var", "var val").unwrap();
        assert_eq!(log(&k), format!("::set-env name=my var::var val{EOL}"));
        assert_eq!(k.env().var("my var"), "var val");
    }

    #[test]
    fn legacy_export_variable_escapes_variable_names() {
        let mut k = kit(Env::new());
        k.export_variable("special char var \r\n,:", "special val")
            .unwrap();
        assert_eq!(k.env().var("special char var \r\n,:"), "special val");
        assert_eq!(
            log(&k),
            format!("::set-env name=special char var %0D%0A%2C%3A::special val{EOL}")
        );
    }

    #[test]
    fn legacy_export_variable_escapes_variable_values() {
        let mut k = kit(Env::new());
        k.export_variable("my var2", "var val\r\n").unwrap();
        assert_eq!(k.env().var("my var2"), "var val\r\n");
        assert_eq!(
            log(&k),
            format!("::set-env name=my var2::var val%0D%0A{EOL}")
        );
    }

    #[test]
    fn legacy_export_variable_handles_boolean_inputs() {
        let mut k = kit(Env::new());
        k.export_variable("my var", true).unwrap();
        assert_eq!(log(&k), format!("::set-env name=my var::true{EOL}"));
    }

    #[test]
    fn legacy_export_variable_handles_number_inputs() {
        let mut k = kit(Env::new());
        k.export_variable("my var", 5u32).unwrap();
        assert_eq!(log(&k), format!("::set-env name=my var::5{EOL}"));
    }

    #[test]
    fn export_variable_produces_the_correct_command_and_sets_the_env() {
        let (mut k, file) = with_file("ENV");
        k.export_variable("my var", "var val").unwrap();
        assert_eq!(file.contents(), heredoc("my var", "var val"));
        assert_eq!(k.env().var("my var"), "var val");
        assert_eq!(log(&k), "", "nothing goes to the log");
    }

    #[test]
    fn export_variable_handles_boolean_inputs() {
        let (mut k, file) = with_file("ENV");
        k.export_variable("my var", true).unwrap();
        assert_eq!(file.contents(), heredoc("my var", "true"));
    }

    #[test]
    fn export_variable_handles_number_inputs() {
        let (mut k, file) = with_file("ENV");
        k.export_variable("my var", 5u32).unwrap();
        assert_eq!(file.contents(), heredoc("my var", "5"));
    }

    #[test]
    fn export_variable_does_not_allow_delimiter_as_value() {
        let (mut k, file) = with_file("ENV");
        let err = k
            .export_variable("my var", format!("good stuff {} bad stuff", delimiter()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unexpected input: value should not contain the delimiter \"{}\"",
                delimiter()
            )
        );
        assert_eq!(file.contents(), "", "nothing is written");
    }

    #[test]
    fn export_variable_does_not_allow_delimiter_as_name() {
        let (mut k, file) = with_file("ENV");
        let err = k
            .export_variable(&format!("good stuff {} bad stuff", delimiter()), "test")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unexpected input: name should not contain the delimiter \"{}\"",
                delimiter()
            )
        );
        assert_eq!(file.contents(), "");
    }

    // ----- setSecret

    #[test]
    fn set_secret_produces_the_correct_command() {
        let mut k = kit(Env::new());
        k.mask("secret val").unwrap();
        k.mask("multi\nline\r\nsecret").unwrap();
        assert_eq!(
            log(&k),
            format!("::add-mask::secret val{EOL}::add-mask::multi%0Aline%0D%0Asecret{EOL}")
        );
    }

    // ----- addPath

    #[test]
    fn prepend_path_produces_the_correct_commands_and_sets_the_env() {
        let mut env = Env::new().with("PATH", format!("path1{PATH_DELIMITER}path2"));
        let file = FileCommand::new("PATH", &mut env);
        let mut k = kit(env);
        k.add_path("myPath").unwrap();
        assert_eq!(
            k.env().var("PATH"),
            format!("myPath{PATH_DELIMITER}path1{PATH_DELIMITER}path2")
        );
        assert_eq!(file.contents(), format!("myPath{EOL}"));
    }

    #[test]
    fn legacy_prepend_path_produces_the_correct_commands_and_sets_the_env() {
        let mut k = kit(Env::new().with("PATH", format!("path1{PATH_DELIMITER}path2")));
        k.add_path("myPath").unwrap();
        assert_eq!(
            k.env().var("PATH"),
            format!("myPath{PATH_DELIMITER}path1{PATH_DELIMITER}path2")
        );
        assert_eq!(log(&k), format!("::add-path::myPath{EOL}"));
    }

    // ----- setOutput

    #[test]
    fn legacy_set_output_produces_the_correct_command() {
        let mut k = kit(Env::new());
        k.set_output("some output", "some value").unwrap();
        assert_eq!(
            log(&k),
            format!("{EOL}::set-output name=some output::some value{EOL}")
        );
    }

    #[test]
    fn legacy_set_output_handles_bools() {
        let mut k = kit(Env::new());
        k.set_output("some output", false).unwrap();
        assert_eq!(
            log(&k),
            format!("{EOL}::set-output name=some output::false{EOL}")
        );
    }

    #[test]
    fn legacy_set_output_handles_numbers() {
        let mut k = kit(Env::new());
        k.set_output("some output", 1.01).unwrap();
        assert_eq!(
            log(&k),
            format!("{EOL}::set-output name=some output::1.01{EOL}")
        );
    }

    #[test]
    fn set_output_produces_the_correct_command_and_sets_the_output() {
        let (mut k, file) = with_file("OUTPUT");
        k.set_output("my out", "out val").unwrap();
        assert_eq!(file.contents(), heredoc("my out", "out val"));
        assert_eq!(log(&k), "");
    }

    #[test]
    fn set_output_handles_boolean_inputs() {
        let (mut k, file) = with_file("OUTPUT");
        k.set_output("my out", true).unwrap();
        assert_eq!(file.contents(), heredoc("my out", "true"));
    }

    #[test]
    fn set_output_handles_number_inputs() {
        let (mut k, file) = with_file("OUTPUT");
        k.set_output("my out", 5u32).unwrap();
        assert_eq!(file.contents(), heredoc("my out", "5"));
    }

    #[test]
    fn set_output_does_not_allow_delimiter_as_value() {
        let (mut k, file) = with_file("OUTPUT");
        let err = k
            .set_output("my out", format!("good stuff {} bad stuff", delimiter()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unexpected input: value should not contain the delimiter \"{}\"",
                delimiter()
            )
        );
        assert_eq!(file.contents(), "");
    }

    #[test]
    fn set_output_does_not_allow_delimiter_as_name() {
        let (mut k, file) = with_file("OUTPUT");
        let err = k
            .set_output(&format!("good stuff {} bad stuff", delimiter()), "test")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unexpected input: name should not contain the delimiter \"{}\"",
                delimiter()
            )
        );
        assert_eq!(file.contents(), "");
    }

    #[test]
    fn set_output_writes_multiline_json_values_in_one_heredoc() {
        let (mut k, file) = with_file("OUTPUT");
        let report = serde_json::json!({"verdict": "pass", "note": "a\nb"});
        k.set_output("report", &report).unwrap();
        k.set_output("verdict", "pass").unwrap();
        assert_eq!(
            file.contents(),
            heredoc("report", r#"{"note":"a\nb","verdict":"pass"}"#) + &heredoc("verdict", "pass")
        );
    }

    #[test]
    fn set_output_fails_when_the_named_file_is_missing() {
        let mut k = kit(Env::new().with("GITHUB_OUTPUT", "/nonexistent/shipgate/output"));
        let err = k.set_output("verdict", "pass").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Missing file at path: /nonexistent/shipgate/output"
        );
        assert_eq!(log(&k), "", "no fallback to the legacy command");
    }

    #[test]
    fn set_output_draws_a_fresh_delimiter_per_write() {
        let mut env = Env::new();
        let file = FileCommand::new("OUTPUT", &mut env);
        let mut k = Toolkit::new(env, Vec::new());
        k.set_output("a", "1").unwrap();
        k.set_output("b", "2").unwrap();
        let text = file.contents();
        let delimiters: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once("<<").map(|(_, d)| d))
            .collect();
        assert_eq!(delimiters.len(), 2);
        assert_ne!(delimiters[0], delimiters[1]);
        for d in delimiters {
            let id = d.strip_prefix("ghadelimiter_").unwrap();
            assert_eq!(Uuid::parse_str(id).unwrap().get_version_num(), 4);
        }
    }

    // ----- setFailed, error, warning, notice

    #[test]
    fn set_failed_sets_the_correct_exit_code_and_failure_message() {
        let mut k = kit(Env::new());
        assert_eq!(k.exit_code(), 0);
        let message = k.set_failed("Failure message").unwrap();
        assert_eq!(message, "Failure message");
        assert_eq!(k.exit_code(), FAILURE_EXIT_CODE);
        assert!(k.failed());
        assert_eq!(log(&k), format!("::error::Failure message{EOL}"));
    }

    #[test]
    fn set_failed_escapes_the_failure_message() {
        let mut k = kit(Env::new());
        k.set_failed("Failure \r\n\nmessage\r").unwrap();
        assert_eq!(k.exit_code(), FAILURE_EXIT_CODE);
        assert_eq!(
            log(&k),
            format!("::error::Failure %0D%0A%0Amessage%0D{EOL}")
        );
    }

    #[test]
    fn set_failed_handles_error() {
        // Core writes `Error: <message>` for an `Error`; a Rust error writes its `Display`.
        let mut k = kit(Env::new());
        let err = ToolkitError::InputRequired {
            name: "github-token".into(),
        };
        k.set_failed(&err).unwrap();
        assert_eq!(
            log(&k),
            format!("::error::Input required and not supplied: github-token{EOL}")
        );
    }

    #[test]
    fn error_sets_the_correct_error_message() {
        let mut k = kit(Env::new());
        k.error("Error message", &AnnotationProperties::default())
            .unwrap();
        assert_eq!(log(&k), format!("::error::Error message{EOL}"));
    }

    #[test]
    fn error_escapes_the_error_message() {
        let mut k = kit(Env::new());
        k.error("Error message\r\n\n", &AnnotationProperties::default())
            .unwrap();
        assert_eq!(log(&k), format!("::error::Error message%0D%0A%0A{EOL}"));
    }

    #[test]
    fn error_handles_parameters_correctly() {
        let mut k = kit(Env::new());
        k.error("Error: this is my error message", &full_properties())
            .unwrap();
        assert_eq!(
            log(&k),
            format!("::error title=A title,file=root/test.txt,line=5,endLine=5,col=1,endColumn=2::Error: this is my error message{EOL}")
        );
    }

    #[test]
    fn warning_sets_the_correct_message() {
        let mut k = kit(Env::new());
        k.warning("Warning", &AnnotationProperties::default())
            .unwrap();
        assert_eq!(log(&k), format!("::warning::Warning{EOL}"));
    }

    #[test]
    fn warning_escapes_the_message() {
        let mut k = kit(Env::new());
        k.warning("\r\nwarning\n", &AnnotationProperties::default())
            .unwrap();
        assert_eq!(log(&k), format!("::warning::%0D%0Awarning%0A{EOL}"));
    }

    #[test]
    fn warning_handles_parameters_correctly() {
        let mut k = kit(Env::new());
        k.warning("Error: this is my error message", &full_properties())
            .unwrap();
        assert_eq!(
            log(&k),
            format!("::warning title=A title,file=root/test.txt,line=5,endLine=5,col=1,endColumn=2::Error: this is my error message{EOL}")
        );
    }

    #[test]
    fn notice_sets_the_correct_message() {
        let mut k = kit(Env::new());
        k.notice("Notice", &AnnotationProperties::default())
            .unwrap();
        assert_eq!(log(&k), format!("::notice::Notice{EOL}"));
    }

    #[test]
    fn notice_escapes_the_message() {
        let mut k = kit(Env::new());
        k.notice("\r\nnotice\n", &AnnotationProperties::default())
            .unwrap();
        assert_eq!(log(&k), format!("::notice::%0D%0Anotice%0A{EOL}"));
    }

    #[test]
    fn notice_handles_parameters_correctly() {
        let mut k = kit(Env::new());
        k.notice("Error: this is my error message", &full_properties())
            .unwrap();
        assert_eq!(
            log(&k),
            format!("::notice title=A title,file=root/test.txt,line=5,endLine=5,col=1,endColumn=2::Error: this is my error message{EOL}")
        );
    }

    #[test]
    fn annotation_properties_are_escaped() {
        let mut k = kit(Env::new());
        let properties = AnnotationProperties {
            title: Some("gate: soak, approvals".into()),
            file: Some(".github/shipgate.yml".into()),
            start_line: Some(3),
            ..AnnotationProperties::default()
        };
        k.warning("50% done\nnext", &properties).unwrap();
        assert_eq!(
            log(&k),
            format!("::warning title=gate%3A soak%2C approvals,file=.github/shipgate.yml,line=3::50%25 done%0Anext{EOL}")
        );
    }

    #[test]
    fn annotate_writes_shipgate_annotations_at_their_level() {
        let mut k = kit(Env::new());
        let mut annotation = Annotation::new(Level::Error, "bad soak");
        annotation.title = Some("shipgate config".into());
        annotation.file = Some(".github/shipgate.yml".into());
        annotation.line = Some(4);
        k.annotate(&annotation).unwrap();
        k.annotate(&Annotation::new(Level::Notice, "no release PR"))
            .unwrap();
        k.annotate(&Annotation::new(Level::Warning, "w")).unwrap();
        k.annotate(&Annotation::new(Level::Debug, "d")).unwrap();
        assert_eq!(
            log(&k),
            format!(
                "::error title=shipgate config,file=.github/shipgate.yml,line=4::bad soak{EOL}\
                 ::notice::no release PR{EOL}::warning::w{EOL}::debug::d{EOL}"
            )
        );
    }

    // ----- groups, debug, echo

    #[test]
    fn start_group_starts_a_new_group() {
        let mut k = kit(Env::new());
        k.start_group("my-group").unwrap();
        assert_eq!(log(&k), format!("::group::my-group{EOL}"));
    }

    #[test]
    fn end_group_ends_new_group() {
        let mut k = kit(Env::new());
        k.end_group().unwrap();
        assert_eq!(log(&k), format!("::endgroup::{EOL}"));
    }

    #[test]
    fn group_wraps_a_call_in_a_group() {
        let mut k = kit(Env::new());
        let result = k
            .group("mygroup", |k| {
                k.info("in my group").unwrap();
                true
            })
            .unwrap();
        assert!(result);
        assert_eq!(
            log(&k),
            format!("::group::mygroup{EOL}in my group{EOL}::endgroup::{EOL}")
        );
    }

    #[test]
    fn debug_sets_the_correct_message() {
        let mut k = kit(Env::new());
        k.debug("Debug").unwrap();
        assert_eq!(log(&k), format!("::debug::Debug{EOL}"));
    }

    #[test]
    fn debug_escapes_the_message() {
        let mut k = kit(Env::new());
        k.debug("\r\ndebug\n").unwrap();
        assert_eq!(log(&k), format!("::debug::%0D%0Adebug%0A{EOL}"));
    }

    #[test]
    fn is_debug_check_debug_state() {
        assert!(!kit(Env::new()).is_debug());
        assert!(kit(Env::new().with("RUNNER_DEBUG", "1")).is_debug());
        assert!(!kit(Env::new().with("RUNNER_DEBUG", "true")).is_debug());
    }

    #[test]
    fn set_command_echo_can_enable_echoing() {
        let mut k = kit(Env::new());
        k.set_command_echo(true).unwrap();
        assert_eq!(log(&k), format!("::echo::on{EOL}"));
    }

    #[test]
    fn set_command_echo_can_disable_echoing() {
        let mut k = kit(Env::new());
        k.set_command_echo(false).unwrap();
        assert_eq!(log(&k), format!("::echo::off{EOL}"));
    }

    // ----- saveState, getState

    #[test]
    fn legacy_save_state_produces_the_correct_command() {
        let mut k = kit(Env::new());
        k.save_state("state_1", "some value").unwrap();
        assert_eq!(
            log(&k),
            format!("::save-state name=state_1::some value{EOL}")
        );
    }

    #[test]
    fn legacy_save_state_handles_numbers() {
        let mut k = kit(Env::new());
        k.save_state("state_1", 1u32).unwrap();
        assert_eq!(log(&k), format!("::save-state name=state_1::1{EOL}"));
    }

    #[test]
    fn legacy_save_state_handles_bools() {
        let mut k = kit(Env::new());
        k.save_state("state_1", true).unwrap();
        assert_eq!(log(&k), format!("::save-state name=state_1::true{EOL}"));
    }

    #[test]
    fn save_state_produces_the_correct_command_and_saves_the_state() {
        let (mut k, file) = with_file("STATE");
        k.save_state("my state", "out val").unwrap();
        assert_eq!(file.contents(), heredoc("my state", "out val"));
    }

    #[test]
    fn save_state_handles_boolean_inputs() {
        let (mut k, file) = with_file("STATE");
        k.save_state("my state", true).unwrap();
        assert_eq!(file.contents(), heredoc("my state", "true"));
    }

    #[test]
    fn save_state_handles_number_inputs() {
        let (mut k, file) = with_file("STATE");
        k.save_state("my state", 5u32).unwrap();
        assert_eq!(file.contents(), heredoc("my state", "5"));
    }

    #[test]
    fn save_state_does_not_allow_delimiter_as_value() {
        let (mut k, file) = with_file("STATE");
        let err = k
            .save_state("my state", format!("good stuff {} bad stuff", delimiter()))
            .unwrap_err();
        assert!(matches!(err, ToolkitError::DelimiterInValue { .. }));
        assert_eq!(file.contents(), "");
    }

    #[test]
    fn save_state_does_not_allow_delimiter_as_name() {
        let (mut k, file) = with_file("STATE");
        let err = k
            .save_state(&format!("good stuff {} bad stuff", delimiter()), "test")
            .unwrap_err();
        assert!(matches!(err, ToolkitError::DelimiterInName { .. }));
        assert_eq!(file.contents(), "");
    }

    #[test]
    fn get_state_gets_wrapper_action_state() {
        let k = kit(Env::new().with("STATE_TEST_1", "state_val"));
        assert_eq!(k.state("TEST_1"), "state_val");
    }

    #[test]
    fn inputs_are_read_from_the_injected_environment() {
        let k = kit(Env::new()
            .with("INPUT_GITHUB-TOKEN", " tok ")
            .with("INPUT_COMMENT", "False")
            .with("INPUT_REQUIRED-CHECKS", "build\n test \n"));
        assert_eq!(
            k.input("github-token", InputOptions::required()).unwrap(),
            "tok"
        );
        assert!(!k.boolean_input("comment", InputOptions::default()).unwrap());
        assert_eq!(
            k.multiline_input("required-checks", InputOptions::default())
                .unwrap(),
            ["build", "test"]
        );
    }

    // ----- secrets

    #[test]
    fn masked_secrets_are_redacted_from_log_text_but_not_from_the_mask_command() {
        let mut k = kit(Env::new());
        k.mask("ghs_TOKEN").unwrap();
        k.info("using ghs_TOKEN").unwrap();
        k.warning(
            "bad ghs_TOKEN",
            &AnnotationProperties {
                title: Some("ghs_TOKEN".into()),
                ..AnnotationProperties::default()
            },
        )
        .unwrap();
        k.debug("d ghs_TOKEN").unwrap();
        let message = k.set_failed("failed with ghs_TOKEN").unwrap();
        assert_eq!(message, "failed with ***");
        assert_eq!(k.redact("x ghs_TOKEN y"), "x *** y");
        assert_eq!(
            log(&k),
            format!(
                "::add-mask::ghs_TOKEN{EOL}using ***{EOL}::warning title=***::bad ***{EOL}\
                 ::debug::d ***{EOL}::error::failed with ***{EOL}"
            )
        );
    }

    #[test]
    fn debug_output_of_the_toolkit_hides_the_environment() {
        let k = kit(Env::new().with("INPUT_GITHUB-TOKEN", "ghs_TOKEN"));
        assert!(!format!("{k:?}").contains("ghs_TOKEN"));
    }

    // ----- summary

    #[test]
    fn summary_is_written_with_secrets_redacted() {
        let mut env = Env::new();
        let file = FileCommand::new("STEP_SUMMARY", &mut env);
        let mut k = kit(env);
        k.mask("s3cr3t").unwrap();
        let mut summary = Summary::new();
        summary.add_heading("shipgate", 2).add_raw("token s3cr3t");
        k.write_summary(&mut summary, false).unwrap();
        assert!(summary.is_empty_buffer());
        k.append_summary_markdown("| gate | state |\n|---|---|\n| soak | pass |")
            .unwrap();
        assert_eq!(
            file.contents(),
            format!("<h2>shipgate</h2>{EOL}token ***{EOL}{EOL}| gate | state |\n|---|---|\n| soak | pass |{EOL}")
        );
    }

    #[test]
    fn summary_errors_keep_the_buffer() {
        let mut k = kit(Env::new());
        let mut summary = Summary::new();
        summary.add_raw("x");
        let err = k.write_summary(&mut summary, false).unwrap_err();
        assert!(matches!(err, ToolkitError::SummaryVariableMissing));
        assert_eq!(summary.as_str(), "x");
    }

    #[test]
    fn log_write_failures_are_errors() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut k = Toolkit::new(Env::new(), Broken);
        let err = k.notice("n", &AnnotationProperties::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot write the workflow command `notice` to the log: closed"
        );
    }
}
