//! `toCommandValue` of `@actions/core`: how a value becomes the text of an output, a state, a
//! variable or a command property — strings as they are, everything else as `JSON.stringify`
//! would write it (numbers in JavaScript's own notation, so `5.0` is `5` and `1e21` is `1e+21`).

use serde_json::Value;

/// A value that can be written to the runner: an output, a state, a variable, a property.
pub trait CommandValue {
    /// The text `@actions/core`'s `toCommandValue` makes of it.
    fn to_command_value(&self) -> String;

    /// Whether JavaScript would find it truthy; `issueCommand` drops falsy properties
    /// (`''`, `0`, `false`, `NaN`, `null`).
    fn is_truthy(&self) -> bool;
}

impl CommandValue for str {
    fn to_command_value(&self) -> String {
        self.to_owned()
    }
    fn is_truthy(&self) -> bool {
        !self.is_empty()
    }
}

impl CommandValue for String {
    fn to_command_value(&self) -> String {
        self.clone()
    }
    fn is_truthy(&self) -> bool {
        !self.is_empty()
    }
}

impl<T: CommandValue + ?Sized> CommandValue for &T {
    fn to_command_value(&self) -> String {
        (**self).to_command_value()
    }
    fn is_truthy(&self) -> bool {
        (**self).is_truthy()
    }
}

impl<T: CommandValue> CommandValue for Option<T> {
    fn to_command_value(&self) -> String {
        // `toCommandValue(undefined)` is the empty string.
        self.as_ref().map(T::to_command_value).unwrap_or_default()
    }
    fn is_truthy(&self) -> bool {
        self.as_ref().is_some_and(T::is_truthy)
    }
}

impl CommandValue for bool {
    fn to_command_value(&self) -> String {
        self.to_string()
    }
    fn is_truthy(&self) -> bool {
        *self
    }
}

macro_rules! integer_command_value {
    ($($t:ty),*) => {$(
        impl CommandValue for $t {
            fn to_command_value(&self) -> String {
                self.to_string()
            }
            fn is_truthy(&self) -> bool {
                *self != 0
            }
        }
    )*};
}
integer_command_value!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl CommandValue for f64 {
    fn to_command_value(&self) -> String {
        json_number(*self)
    }
    fn is_truthy(&self) -> bool {
        *self != 0.0 && !self.is_nan()
    }
}

impl CommandValue for Value {
    fn to_command_value(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => json_stringify(other),
        }
    }
    fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
            Value::String(s) => !s.is_empty(),
            Value::Array(_) | Value::Object(_) => true,
        }
    }
}

/// `toCommandValue`: strings as they are, anything else as `JSON.stringify` writes it.
pub fn to_command_value(value: &impl CommandValue) -> String {
    value.to_command_value()
}

/// `JSON.stringify` of a JSON value: no spaces, numbers in JavaScript notation.
///
/// Object keys come out in the order the map holds them (sorted, with `serde_json`'s default
/// map), where JavaScript keeps insertion order.
pub fn json_stringify(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value);
    out
}

fn write_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&json_number(n.as_f64().unwrap_or(f64::NAN)));
            }
        }
        Value::String(s) => out.push_str(&json_string(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_string(key));
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal escaped as `JSON.stringify` escapes it (serde_json escapes the same
/// set: quote, backslash, `\b \f \n \r \t`, other controls as lowercase `\u00xx`).
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// `JSON.stringify` of a number: `null` when not finite, otherwise `Number.prototype.toString`.
pub fn json_number(x: f64) -> String {
    if x.is_finite() {
        js_number_to_string(x)
    } else {
        String::from("null")
    }
}

/// `Number.prototype.toString()` (ECMA-262 Number::toString, radix 10) of a finite number.
fn js_number_to_string(x: f64) -> String {
    if x == 0.0 {
        // Both +0 and -0 print as "0".
        return String::from("0");
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's `{:e}` prints the shortest digits that round-trip, as JavaScript does; only the
    // layout around them differs.
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exponent.parse::<i32>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e_sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{e_sign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{e_sign}{}", e.abs())
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_pass_through_and_null_is_empty() {
        assert_eq!("a\nb".to_command_value(), "a\nb");
        assert_eq!(Value::Null.to_command_value(), "");
        assert_eq!(None::<&str>.to_command_value(), "");
        assert_eq!(json!("x y").to_command_value(), "x y");
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let cases: &[(f64, &str)] = &[
            (5.0, "5"),
            (1.01, "1.01"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (2.5e25, "2.5e+25"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
        ];
        for (x, expected) in cases {
            assert_eq!(x.to_command_value(), *expected, "for {x:?}");
        }
    }

    #[test]
    fn json_values_stringify_like_javascript() {
        let value = json!({"test": "object", "n": 5.0, "list": [1, true, null, "q\"\n"]});
        assert_eq!(
            value.to_command_value(),
            r#"{"list":[1,true,null,"q\"\n"],"n":5,"test":"object"}"#
        );
        assert_eq!(json!(false).to_command_value(), "false");
        assert_eq!(json!(1.01).to_command_value(), "1.01");
    }

    #[test]
    fn truthiness_follows_javascript() {
        assert!(!"".is_truthy());
        assert!("0".is_truthy());
        assert!(!0u32.is_truthy());
        assert!(5u32.is_truthy());
        assert!(!false.is_truthy());
        assert!(!f64::NAN.is_truthy());
        assert!(!None::<u32>.is_truthy());
        assert!(!Value::Null.is_truthy());
        assert!(json!({}).is_truthy());
    }
}
