//! Deployment records, KPIs and DORA metrics over a deployment history (issue 6).
