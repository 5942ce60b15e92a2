//! Workflow commands (`::name key=value,key=value::message`), escaped as `@actions/core`'s
//! `command.ts` escapes them, and the annotation properties of `error`/`warning`/`notice`.

use std::fmt;

use super::value::CommandValue;

/// The end of a line as `os.EOL` writes it on this platform.
pub const EOL: &str = if cfg!(windows) { "\r\n" } else { "\n" };

/// Escapes a command's message: `%` → `%25`, CR → `%0D`, LF → `%0A` (`escapeData`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`escape_data`], plus `:` → `%3A` and `,` → `%2C`
/// (`escapeProperty`), so a value cannot end the property list or start a new property.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command, rendered by its `Display` (without the trailing end of line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    name: String,
    /// `(key, value)` in order; `None` for a property JavaScript would find falsy (dropped).
    properties: Vec<(String, Option<String>)>,
    message: String,
}

impl Command {
    /// A command with a message and no properties. An empty name becomes `missing.command`.
    pub fn new(name: impl Into<String>, message: impl CommandValue) -> Self {
        let name = name.into();
        Self {
            name: if name.is_empty() {
                String::from("missing.command")
            } else {
                name
            },
            properties: Vec::new(),
            message: message.to_command_value(),
        }
    }

    /// This command with one more property; falsy values (`""`, `0`, `false`, `None`) are
    /// dropped when rendered, as core drops them.
    pub fn property(mut self, key: impl Into<String>, value: impl CommandValue) -> Self {
        let rendered = value.is_truthy().then(|| value.to_command_value());
        self.properties.push((key.into(), rendered));
        self
    }

    /// The command's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "::{}", self.name)?;
        // Core adds the space as soon as the property object has keys, even when every value
        // turns out falsy and none is written (`::error ::message`).
        if !self.properties.is_empty() {
            f.write_str(" ")?;
            let mut first = true;
            for (key, value) in &self.properties {
                let Some(value) = value else { continue };
                if !first {
                    f.write_str(",")?;
                }
                first = false;
                write!(f, "{key}={}", escape_property(value))?;
            }
        }
        write!(f, "::{}", escape_data(&self.message))
    }
}

/// Where an annotation points (`AnnotationProperties` of `@actions/core`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationProperties {
    /// A title for the annotation.
    pub title: Option<String>,
    /// The file the annotation is about (a path relative to the repository).
    pub file: Option<String>,
    /// The first line (written as the property `line`).
    pub start_line: Option<u32>,
    /// The last line (`endLine`).
    pub end_line: Option<u32>,
    /// The first column (written as `col`); only meaningful on a single line.
    pub start_column: Option<u32>,
    /// The last column (`endColumn`).
    pub end_column: Option<u32>,
}

impl AnnotationProperties {
    /// Whether no property is set (then the command has no property list at all).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Adds these properties to a command under the runner's names (`toCommandProperties`):
    /// `title`, `file`, `line`, `endLine`, `col`, `endColumn`.
    pub fn apply_to(&self, command: Command) -> Command {
        if self.is_empty() {
            return command;
        }
        command
            .property("title", self.title.as_deref())
            .property("file", self.file.as_deref())
            .property("line", self.start_line)
            .property("endLine", self.end_line)
            .property("col", self.start_column)
            .property("endColumn", self.end_column)
    }
}

#[cfg(test)]
mod tests {
    //! Ports of `command.test.ts` (`@actions/core`), asserting the exact text written.
    use super::*;

    fn line(command: &Command) -> String {
        format!("{command}{EOL}")
    }

    #[test]
    fn command_only() {
        assert_eq!(
            line(&Command::new("some-command", "")),
            format!("::some-command::{EOL}")
        );
    }

    #[test]
    fn command_escapes_message() {
        let cmd = Command::new(
            "some-command",
            "percent % percent % cr \r cr \r lf \n lf \n",
        );
        assert_eq!(
            line(&cmd),
            format!("::some-command::percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A{EOL}")
        );
        // Literal escape sequences are escaped again.
        let cmd = Command::new("some-command", "%25 %25 %0D %0D %0A %0A");
        assert_eq!(
            line(&cmd),
            format!("::some-command::%2525 %2525 %250D %250D %250A %250A{EOL}")
        );
    }

    #[test]
    fn command_escapes_property() {
        let cmd = Command::new("some-command", "").property(
            "name",
            "percent % percent % cr \r cr \r lf \n lf \n colon : colon : comma , comma ,",
        );
        assert_eq!(
            line(&cmd),
            format!(
                "::some-command name=percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A colon %3A colon %3A comma %2C comma %2C::{EOL}"
            )
        );
        let cmd = Command::new("some-command", "%25 %25 %0D %0D %0A %0A %3A %3A %2C %2C");
        assert_eq!(
            line(&cmd),
            format!(
                "::some-command::%2525 %2525 %250D %250D %250A %250A %253A %253A %252C %252C{EOL}"
            )
        );
    }

    #[test]
    fn command_with_message() {
        let cmd = Command::new("some-command", "some message");
        assert_eq!(line(&cmd), format!("::some-command::some message{EOL}"));
    }

    #[test]
    fn command_with_message_and_properties() {
        let cmd = Command::new("some-command", "some message")
            .property("prop1", "value 1")
            .property("prop2", "value 2");
        assert_eq!(
            line(&cmd),
            format!("::some-command prop1=value 1,prop2=value 2::some message{EOL}")
        );
    }

    #[test]
    fn command_with_one_property() {
        let cmd = Command::new("some-command", "").property("prop1", "value 1");
        assert_eq!(line(&cmd), format!("::some-command prop1=value 1::{EOL}"));
    }

    #[test]
    fn command_with_two_properties() {
        let cmd = Command::new("some-command", "")
            .property("prop1", "value 1")
            .property("prop2", "value 2");
        assert_eq!(
            line(&cmd),
            format!("::some-command prop1=value 1,prop2=value 2::{EOL}")
        );
    }

    #[test]
    fn command_with_three_properties() {
        let cmd = Command::new("some-command", "")
            .property("prop1", "value 1")
            .property("prop2", "value 2")
            .property("prop3", "value 3");
        assert_eq!(
            line(&cmd),
            format!("::some-command prop1=value 1,prop2=value 2,prop3=value 3::{EOL}")
        );
    }

    #[test]
    fn falsy_properties_are_dropped_but_keep_the_space() {
        let cmd = Command::new("error", "m")
            .property("title", "")
            .property("line", 0u32);
        assert_eq!(cmd.to_string(), "::error ::m");
        let cmd = Command::new("error", "m")
            .property("title", "")
            .property("file", "a.rs");
        assert_eq!(cmd.to_string(), "::error file=a.rs::m");
    }

    /// The runner's decoding of an escaped value, left to right.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let code = rest.get(i..i + 3).unwrap_or("");
            let decoded = match code {
                "%25" => Some('%'),
                "%0D" => Some('\r'),
                "%0A" => Some('\n'),
                "%3A" => Some(':'),
                "%2C" => Some(','),
                _ => None,
            };
            match decoded {
                Some(c) => {
                    out.push(c);
                    rest = &rest[i + 3..];
                }
                None => {
                    out.push('%');
                    rest = &rest[i + 1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    proptest::proptest! {
        #[test]
        fn escaped_data_is_one_line_and_decodes_back(s in "[a-z%:,\r\n0-9ADC ]{0,40}") {
            let escaped = escape_data(&s);
            proptest::prop_assert!(!escaped.contains('\n') && !escaped.contains('\r'));
            proptest::prop_assert_eq!(unescape(&escaped), s);
        }

        #[test]
        fn escaped_properties_cannot_end_the_property_list(s in "[a-z%:,\r\n0-9ADC ]{0,40}") {
            let escaped = escape_property(&s);
            proptest::prop_assert!(!escaped.contains([':', ',', '\n', '\r']));
            proptest::prop_assert_eq!(unescape(&escaped), s);
        }
    }

    #[test]
    fn empty_name_becomes_missing_command() {
        assert_eq!(Command::new("", "x").to_string(), "::missing.command::x");
    }

    #[test]
    fn annotations_map_field_names_correctly() {
        let props = AnnotationProperties {
            title: Some("A title".into()),
            file: Some("root/test.txt".into()),
            start_column: Some(1),
            end_column: Some(2),
            start_line: Some(5),
            end_line: Some(5),
        };
        let cmd = props.apply_to(Command::new("warning", "m"));
        assert_eq!(
            cmd.to_string(),
            "::warning title=A title,file=root/test.txt,line=5,endLine=5,col=1,endColumn=2::m"
        );
        assert!(AnnotationProperties::default().is_empty());
        assert_eq!(
            AnnotationProperties::default()
                .apply_to(Command::new("notice", "m"))
                .to_string(),
            "::notice::m"
        );
    }
}
