//! Live gate evaluation against GitHub (placeholder until issue 3).
