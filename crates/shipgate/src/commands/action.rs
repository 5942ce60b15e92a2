//! `shipgate action`: the GitHub Action entry point (placeholder until issue 3).

/// Runs the Action and returns the exit code.
pub async fn run() -> u8 {
    eprintln!("::error::shipgate action is not available yet");
    crate::exit::ERROR
}
