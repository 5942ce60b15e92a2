//! [`Toolkit`]: one Action step's connection to the runner — its environment, its log (where
//! workflow commands go), its outputs, its summary and its secrets.

use std::fmt;
use std::io::{self, Write};

use uuid::Uuid;

use super::command::{AnnotationProperties, Command, EOL};
use super::env::Env;
use super::error::{Result, ToolkitError};
use super::file_command::{issue_file_command, prepare_key_value_message};
use super::inputs::{self, InputOptions};
use super::secrets::Secrets;
use super::summary::{self, markdown_block, SUMMARY_ENV_VAR};
use super::value::CommandValue;
use super::Annotation;

/// The runner as one step sees it. Production: [`Toolkit::from_process`] (process environment,
/// standard output). Tests: [`Toolkit::new`] with an [`Env`] and a `Vec<u8>`.
pub struct Toolkit<W: Write> {
    env: Env,
    out: W,
    secrets: Secrets,
    /// Draws the UUID of each heredoc delimiter (random v4; fixed in tests).
    delimiter_id: Box<dyn FnMut() -> Uuid + Send>,
}

impl<W: Write> fmt::Debug for Toolkit<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The environment holds the token: never print it.
        f.debug_struct("Toolkit")
            .field("secrets", &self.secrets)
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
        }
    }

    /// This toolkit drawing heredoc delimiter UUIDs from `next` (tests fix them).
    #[cfg(test)]
    pub fn with_delimiter_ids(mut self, next: impl FnMut() -> Uuid + Send + 'static) -> Self {
        self.delimiter_id = Box::new(next);
        self
    }

    /// The environment.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The log writer (tests read what was written).
    #[cfg(test)]
    pub fn out(&self) -> &W {
        &self.out
    }

    /// The log writer, giving the toolkit up (tests read what was written).
    #[cfg(test)]
    pub fn into_out(self) -> W {
        self.out
    }

    // ----- Inputs -----------------------------------------------------------------------

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

    // ----- Outputs ----------------------------------------------------------------------

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
        let message = prepare_key_value_message(name, value, (self.delimiter_id)())?;
        issue_file_command(&self.env, "OUTPUT", message)
    }

    // ----- Workflow commands ------------------------------------------------------------

    /// Writes one workflow command and an end of line to the log, as is (`issueCommand`).
    fn issue(&mut self, command: &Command) -> Result<()> {
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

    /// Writes a notice annotation (`notice`).
    pub fn notice(&mut self, message: &str, properties: &AnnotationProperties) -> Result<()> {
        self.annotation_command("notice", message, properties)
    }

    /// Writes an error annotation (`error`).
    pub fn error(&mut self, message: &str, properties: &AnnotationProperties) -> Result<()> {
        self.annotation_command("error", message, properties)
    }

    /// Writes a shipgate [`Annotation`] at its level.
    pub fn annotate(&mut self, annotation: &Annotation) -> Result<()> {
        self.annotation_command(
            annotation.level.name(),
            &annotation.message,
            &annotation.properties(),
        )
    }

    /// An annotation command (`error`, `warning`, `notice`), message and title redacted.
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

    /// Reports the step as failed (`setFailed`): writes the message, secrets redacted, as an
    /// error annotation. The exit code is the caller's to return.
    pub fn set_failed(&mut self, message: impl fmt::Display) -> Result<()> {
        let message = self.redact(&message.to_string());
        self.error(&message, &AnnotationProperties::default())
    }

    // ----- Job summary ------------------------------------------------------------------

    /// Appends Markdown rendered by shipgate to the job summary as its own block, separated
    /// from what the file already holds (see [`markdown_block`]), secrets redacted.
    pub fn append_summary_markdown(&mut self, markdown: &str) -> Result<()> {
        // Unreadable or unset: `summary::append` reports it with core's message.
        let existing = match self.env.get(SUMMARY_ENV_VAR) {
            Some(path) if !path.is_empty() => std::fs::read(path).unwrap_or_default(),
            _ => Vec::new(),
        };
        let block = markdown_block(&String::from_utf8_lossy(&existing), markdown);
        summary::append(&self.env, &self.redact(&block))
    }
}

#[cfg(test)]
mod tests {
    //! Ports of `core.test.ts` (`@actions/core`) for what shipgate uses: the exact bytes written
    //! to the log and to the output file.
    use super::*;
    use crate::toolkit::Level;
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
    fn legacy_set_output_escapes_name_and_value() {
        let mut k = kit(Env::new());
        k.set_output("a,b:c", "50%\nnext").unwrap();
        assert_eq!(
            log(&k),
            format!("{EOL}::set-output name=a%2Cb%3Ac::50%25%0Anext{EOL}")
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
    fn set_output_writes_multiline_values_in_one_heredoc() {
        let (mut k, file) = with_file("OUTPUT");
        let report = "{\n  \"verdict\": \"pass\"\n}";
        k.set_output("report", report).unwrap();
        k.set_output("verdict", "pass").unwrap();
        assert_eq!(
            file.contents(),
            heredoc("report", report) + &heredoc("verdict", "pass")
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

    // ----- setFailed, error, notice, annotations

    #[test]
    fn set_failed_writes_the_failure_message() {
        let mut k = kit(Env::new());
        k.set_failed("Failure message").unwrap();
        assert_eq!(log(&k), format!("::error::Failure message{EOL}"));
    }

    #[test]
    fn set_failed_escapes_the_failure_message() {
        let mut k = kit(Env::new());
        k.set_failed("Failure \r\n\nmessage\r").unwrap();
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
        k.notice("50% done\nnext", &properties).unwrap();
        assert_eq!(
            log(&k),
            format!("::notice title=gate%3A soak%2C approvals,file=.github/shipgate.yml,line=3::50%25 done%0Anext{EOL}")
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
        k.annotate(&Annotation::new(Level::Warning, "w\r\nx"))
            .unwrap();
        assert_eq!(
            log(&k),
            format!(
                "::error title=shipgate config,file=.github/shipgate.yml,line=4::bad soak{EOL}\
                 ::notice::no release PR{EOL}::warning::w%0D%0Ax{EOL}"
            )
        );
    }

    // ----- inputs

    #[test]
    fn inputs_are_read_from_the_injected_environment() {
        let k = kit(Env::new()
            .with("INPUT_GITHUB-TOKEN", " tok ")
            .with("INPUT_COMMENT", "False")
            .with("INPUT_REQUIRED-CHECKS", "build\n test \n"));
        let required = InputOptions {
            required: true,
            ..InputOptions::default()
        };
        assert_eq!(k.input("github-token", required).unwrap(), "tok");
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
        k.notice(
            "bad ghs_TOKEN",
            &AnnotationProperties {
                title: Some("ghs_TOKEN".into()),
                ..AnnotationProperties::default()
            },
        )
        .unwrap();
        k.annotate(&Annotation::new(Level::Warning, "w ghs_TOKEN"))
            .unwrap();
        k.set_failed("failed with ghs_TOKEN").unwrap();
        assert_eq!(k.redact("x ghs_TOKEN y"), "x *** y");
        assert_eq!(
            log(&k),
            format!(
                "::add-mask::ghs_TOKEN{EOL}using ***{EOL}::notice title=***::bad ***{EOL}\
                 ::warning::w ***{EOL}::error::failed with ***{EOL}"
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
    fn summary_markdown_is_appended_as_blocks_with_secrets_redacted() {
        let mut env = Env::new();
        let file = FileCommand::new("STEP_SUMMARY", &mut env);
        let mut k = kit(env);
        k.mask("s3cr3t").unwrap();
        k.append_summary_markdown("## shipgate\ntoken s3cr3t")
            .unwrap();
        k.append_summary_markdown("| gate | state |\n|---|---|\n| soak | pass |")
            .unwrap();
        assert_eq!(
            file.contents(),
            format!(
                "## shipgate\ntoken ***{EOL}{EOL}| gate | state |\n|---|---|\n| soak | pass |{EOL}"
            )
        );
    }

    #[test]
    fn summary_errors_carry_cores_message() {
        let mut k = kit(Env::new());
        let err = k.append_summary_markdown("x").unwrap_err();
        assert!(matches!(err, ToolkitError::SummaryVariableMissing));
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
