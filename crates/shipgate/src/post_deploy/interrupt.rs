//! SIGINT and SIGTERM during a long command (`watch`, `verify`'s wait): instead of dying
//! silently, the command stops, reports what it saw so far (its summary, and the Action's
//! outputs) and exits with the shell's code for the signal (`docs/cli.md#exit-codes`).
//!
//! The handlers are installed by [`Interrupt::listen`], before the command's first progress
//! line; from then on the signals no longer kill the process, so the command must watch
//! [`Interrupt::recv`] wherever it waits.

use crate::exit;
use crate::outcome::Failure;

/// The signal that stopped a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C, or the runner cancelling the job (its first signal).
    Interrupt,
    /// SIGTERM: a supervisor, or the runner cancelling the job (its second signal).
    Terminate,
}

impl Signal {
    /// The signal's name, as reports show it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }

    /// The exit code: 128 + the signal's number, as shells report a process killed by it.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => exit::INTERRUPTED,
            Self::Terminate => exit::TERMINATED,
        }
    }
}

/// The listeners of SIGINT and SIGTERM.
#[derive(Debug)]
pub struct Interrupt {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupt {
    /// Installs the handlers (from now on SIGINT and SIGTERM no longer end the process).
    pub fn listen() -> Result<Self, Failure> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind| {
                signal(kind).map_err(|e| Failure::error(format!("cannot listen for signals: {e}")))
            };
            Ok(Self {
                interrupt: listen(SignalKind::interrupt())?,
                terminate: listen(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Waits for the next SIGINT or SIGTERM (one already received is returned at once).
    pub async fn recv(&mut self) -> Signal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Signal::Interrupt,
                _ = self.terminate.recv() => Signal::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Interrupt
        }
    }
}
