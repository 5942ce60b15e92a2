//! Post-deploy probes and metric sources: health checks, Prometheus (issue 5).
