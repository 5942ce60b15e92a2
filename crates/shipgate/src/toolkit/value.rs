//! `toCommandValue` of `@actions/core` for the values shipgate writes: how a value becomes the
//! text of an output or a command property, and whether JavaScript would find it truthy (a
//! falsy property is left out of a workflow command).

/// A value that can be written to the runner: an output, a command message, a property.
pub trait CommandValue {
    /// The text `@actions/core`'s `toCommandValue` makes of it.
    fn to_command_value(&self) -> String;

    /// Whether JavaScript would find it truthy; `issueCommand` drops falsy properties
    /// (`''`, `0`, `undefined`).
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

impl CommandValue for u32 {
    fn to_command_value(&self) -> String {
        self.to_string()
    }
    fn is_truthy(&self) -> bool {
        *self != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_pass_through_and_none_is_empty() {
        assert_eq!("a\nb".to_command_value(), "a\nb");
        assert_eq!(String::from("x y").to_command_value(), "x y");
        assert_eq!(None::<&str>.to_command_value(), "");
        assert_eq!(Some(5u32).to_command_value(), "5");
    }

    #[test]
    fn truthiness_follows_javascript() {
        assert!(!"".is_truthy());
        assert!("0".is_truthy());
        assert!(!0u32.is_truthy());
        assert!(5u32.is_truthy());
        assert!(!None::<u32>.is_truthy());
        assert!(!Some("").is_truthy());
        assert!(Some(7u32).is_truthy());
    }
}
