//! The YAML config file (`.github/shipgate.yml`) and overrides.
