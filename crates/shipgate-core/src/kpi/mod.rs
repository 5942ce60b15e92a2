//! Deployment records, KPIs and DORA metrics over a deployment history.
//!
//! [`history`] is the model of an environment's deployments (read from GitHub or from a history
//! file), [`audit`] the record `shipgate record` writes for every deploy, [`metrics`] the pure
//! arithmetic of the flow's KPIs and DORA's four keys, [`levels`] DORA's performance levels of
//! those keys, and [`report`] their rendering. The
//! definitions of every metric are in `docs/report.md`; this code follows them exactly.

pub mod audit;
pub mod history;
pub mod levels;
pub mod metrics;
pub mod report;

pub use audit::AuditRecord;
pub use history::{History, HistoryDeployment};
pub use levels::{Level, Levels};
pub use metrics::{compute, Kpis, LeadTimeBasis, Period};
