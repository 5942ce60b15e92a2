//! Reading a step's inputs exactly as `@actions/core` does (`getInput`, `getBooleanInput`,
//! `getMultilineInput`).
//!
//! The runner passes the input `my-input` as the variable `INPUT_MY-INPUT`: spaces become `_`,
//! the name is upper-cased, hyphens stay. Unset and empty are the same.

use super::env::Env;
use super::error::{Result, ToolkitError};

/// How to read one input (`InputOptions` of `@actions/core`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputOptions {
    /// An empty or unset input is an error.
    pub required: bool,
    /// Leading and trailing whitespace is removed (default `true`).
    pub trim_whitespace: bool,
}

impl Default for InputOptions {
    fn default() -> Self {
        Self {
            required: false,
            trim_whitespace: true,
        }
    }
}

/// The environment variable that holds an input: `INPUT_` + name, spaces → `_`, upper-cased.
pub fn input_variable(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

/// An input's value (`getInput`); empty when unset and not required.
pub fn get_input(env: &Env, name: &str, options: InputOptions) -> Result<String> {
    let value = env.var(&input_variable(name));
    // The required check sees the untrimmed value, as in core: "  " counts as supplied.
    if options.required && value.is_empty() {
        return Err(ToolkitError::InputRequired {
            name: name.to_owned(),
        });
    }
    if options.trim_whitespace {
        Ok(js_trim(value).to_owned())
    } else {
        Ok(value.to_owned())
    }
}

/// A boolean input (`getBooleanInput`): only `true|True|TRUE|false|False|FALSE`, the YAML 1.2
/// core schema's booleans; anything else (an unset optional input included) is an error.
pub fn get_boolean_input(env: &Env, name: &str, options: InputOptions) -> Result<bool> {
    match get_input(env, name, options)?.as_str() {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(ToolkitError::InputNotBoolean {
            name: name.to_owned(),
        }),
    }
}

/// A multiline input (`getMultilineInput`): the value split on `\n`, empty lines dropped, then
/// each line trimmed unless `trim_whitespace` is off.
///
/// As in core, lines are dropped *before* they are trimmed: a line of only spaces in the middle
/// of the value comes back as an empty string. Callers that want names filter those out.
pub fn get_multiline_input(env: &Env, name: &str, options: InputOptions) -> Result<Vec<String>> {
    let value = get_input(env, name, options)?;
    Ok(value
        .split('\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            if options.trim_whitespace {
                js_trim(line).to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect())
}

/// `String.prototype.trim`: removes ECMAScript white space and line terminators, a set that
/// differs from Rust's `trim` (it includes U+FEFF and excludes U+0085).
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{0009}'
            | '\u{000A}'
            | '\u{000B}'
            | '\u{000C}'
            | '\u{000D}'
            | '\u{0020}'
            | '\u{00A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment of `core.test.ts` (`testEnvVars`), inputs part.
    fn core_test_env() -> Env {
        Env::new()
            .with("INPUT_MY_INPUT", "val")
            .with("INPUT_MISSING", "")
            .with("INPUT_SPECIAL_CHARS_'\t\"\\", "'\t\"\\ response ")
            .with("INPUT_MULTIPLE_SPACES_VARIABLE", "I have multiple spaces")
            .with("INPUT_BOOLEAN_INPUT", "true")
            .with("INPUT_BOOLEAN_INPUT_TRUE1", "true")
            .with("INPUT_BOOLEAN_INPUT_TRUE2", "True")
            .with("INPUT_BOOLEAN_INPUT_TRUE3", "TRUE")
            .with("INPUT_BOOLEAN_INPUT_FALSE1", "false")
            .with("INPUT_BOOLEAN_INPUT_FALSE2", "False")
            .with("INPUT_BOOLEAN_INPUT_FALSE3", "FALSE")
            .with("INPUT_WRONG_BOOLEAN_INPUT", "wrong")
            .with("INPUT_WITH_TRAILING_WHITESPACE", "  some val  ")
            .with("INPUT_MY_INPUT_LIST", "val1\nval2\nval3")
            .with(
                "INPUT_LIST_WITH_TRAILING_WHITESPACE",
                "  val1  \n  val2  \n  ",
            )
            // A hyphenated input as the runner names it: hyphens are kept.
            .with("INPUT_GITHUB-TOKEN", "tok")
    }

    /// `{ required: true }`.
    fn required() -> InputOptions {
        InputOptions {
            required: true,
            ..InputOptions::default()
        }
    }

    /// `{ trimWhitespace: false }`.
    fn untrimmed() -> InputOptions {
        InputOptions {
            trim_whitespace: false,
            ..InputOptions::default()
        }
    }

    fn input(name: &str) -> String {
        get_input(&core_test_env(), name, InputOptions::default()).unwrap()
    }

    #[test]
    fn get_input_gets_non_required_input() {
        assert_eq!(input("my input"), "val");
    }

    #[test]
    fn get_input_gets_required_input() {
        let env = core_test_env();
        assert_eq!(get_input(&env, "my input", required()).unwrap(), "val");
    }

    #[test]
    fn get_input_throws_on_missing_required_input() {
        let err = get_input(&core_test_env(), "missing", required()).unwrap_err();
        assert_eq!(err.to_string(), "Input required and not supplied: missing");
        // Unset behaves as empty.
        let err = get_input(&Env::new(), "never set", required()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Input required and not supplied: never set"
        );
    }

    #[test]
    fn get_input_does_not_throw_on_missing_non_required_input() {
        assert_eq!(input("missing"), "");
        assert_eq!(input("never set"), "");
    }

    #[test]
    fn get_input_is_case_insensitive() {
        assert_eq!(input("My InPuT"), "val");
    }

    #[test]
    fn get_input_handles_special_characters() {
        assert_eq!(input("special chars_'\t\"\\"), "'\t\"\\ response");
    }

    #[test]
    fn get_input_handles_multiple_spaces() {
        assert_eq!(input("multiple spaces variable"), "I have multiple spaces");
    }

    #[test]
    fn get_input_keeps_hyphens() {
        assert_eq!(input_variable("github-token"), "INPUT_GITHUB-TOKEN");
        assert_eq!(input("github-token"), "tok");
        // `my-input` is not `my input`: the hyphen is not turned into `_`.
        assert_eq!(input("my-input"), "");
    }

    #[test]
    fn get_input_trims_whitespace_by_default() {
        assert_eq!(input("with trailing whitespace"), "some val");
    }

    #[test]
    fn get_input_trims_whitespace_when_option_is_explicitly_true() {
        let options = InputOptions {
            required: false,
            trim_whitespace: true,
        };
        assert_eq!(
            get_input(&core_test_env(), "with trailing whitespace", options).unwrap(),
            "some val"
        );
    }

    #[test]
    fn get_input_does_not_trim_whitespace_when_option_is_false() {
        let options = untrimmed();
        assert_eq!(
            get_input(&core_test_env(), "with trailing whitespace", options).unwrap(),
            "  some val  "
        );
    }

    #[test]
    fn get_input_required_sees_untrimmed_value() {
        let env = Env::new().with("INPUT_BLANK", "   ");
        assert_eq!(get_input(&env, "blank", required()).unwrap(), "");
    }

    #[test]
    fn trim_matches_javascript_not_rust() {
        assert_eq!(js_trim("\u{FEFF} a \u{3000}"), "a");
        // NEL is white space to Rust, not to JavaScript.
        assert_eq!(js_trim("\u{0085}a\u{0085}"), "\u{0085}a\u{0085}");
        assert_eq!(js_trim("\u{000B}\r\n a\t"), "a");
    }

    #[test]
    fn get_boolean_input_gets_non_required_boolean_input() {
        let env = core_test_env();
        assert!(get_boolean_input(&env, "boolean input", InputOptions::default()).unwrap());
    }

    #[test]
    fn get_boolean_input_gets_required_input() {
        let env = core_test_env();
        assert!(get_boolean_input(&env, "boolean input", required()).unwrap());
    }

    #[test]
    fn get_boolean_input_handles_boolean_input() {
        let env = core_test_env();
        let read = |name| get_boolean_input(&env, name, InputOptions::default()).unwrap();
        assert!(read("boolean input true1"));
        assert!(read("boolean input true2"));
        assert!(read("boolean input true3"));
        assert!(!read("boolean input false1"));
        assert!(!read("boolean input false2"));
        assert!(!read("boolean input false3"));
    }

    #[test]
    fn get_boolean_input_handles_wrong_boolean_input() {
        let env = core_test_env();
        let err =
            get_boolean_input(&env, "wrong boolean input", InputOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Input does not meet YAML 1.2 \"Core Schema\" specification: wrong boolean input\n\
             Support boolean input list: `true | True | TRUE | false | False | FALSE`"
        );
    }

    #[test]
    fn get_boolean_input_rejects_other_yaml_spellings_and_empty() {
        for value in ["yes", "on", "1", "tRUE", ""] {
            let env = Env::new().with("INPUT_FLAG", value);
            assert!(
                matches!(
                    get_boolean_input(&env, "flag", InputOptions::default()),
                    Err(ToolkitError::InputNotBoolean { .. })
                ),
                "{value:?} must be rejected"
            );
        }
        // Surrounding whitespace is trimmed first, as in core.
        let env = Env::new().with("INPUT_FLAG", " true\n");
        assert!(get_boolean_input(&env, "flag", InputOptions::default()).unwrap());
        // Required comes first.
        let err = get_boolean_input(&Env::new(), "flag", required()).unwrap_err();
        assert_eq!(err.to_string(), "Input required and not supplied: flag");
    }

    #[test]
    fn get_multiline_input_works() {
        let env = core_test_env();
        assert_eq!(
            get_multiline_input(&env, "my input list", InputOptions::default()).unwrap(),
            ["val1", "val2", "val3"]
        );
    }

    #[test]
    fn get_multiline_input_trims_whitespace_by_default() {
        let env = core_test_env();
        assert_eq!(
            get_multiline_input(
                &env,
                "list with trailing whitespace",
                InputOptions::default()
            )
            .unwrap(),
            ["val1", "val2"]
        );
    }

    #[test]
    fn get_multiline_input_trims_whitespace_when_option_is_explicitly_true() {
        let env = core_test_env();
        let options = InputOptions {
            required: false,
            trim_whitespace: true,
        };
        assert_eq!(
            get_multiline_input(&env, "list with trailing whitespace", options).unwrap(),
            ["val1", "val2"]
        );
    }

    #[test]
    fn get_multiline_input_does_not_trim_whitespace_when_option_is_false() {
        let env = core_test_env();
        let options = untrimmed();
        assert_eq!(
            get_multiline_input(&env, "list with trailing whitespace", options).unwrap(),
            ["  val1  ", "  val2  ", "  "]
        );
    }

    #[test]
    fn get_multiline_input_drops_empty_lines_before_trimming() {
        let env = Env::new().with("INPUT_CHECKS", "build\n\n   \r\ntest\r\n");
        assert_eq!(
            get_multiline_input(&env, "checks", InputOptions::default()).unwrap(),
            ["build", "", "test"]
        );
        assert!(get_multiline_input(&env, "unset", InputOptions::default())
            .unwrap()
            .is_empty());
        let err = get_multiline_input(&env, "unset", required()).unwrap_err();
        assert_eq!(err.to_string(), "Input required and not supplied: unset");
    }
}
