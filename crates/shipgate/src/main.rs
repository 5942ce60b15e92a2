//! The `shipgate` binary: everything lives in the library (`crates/shipgate/src/lib.rs`).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(shipgate::main())
}
