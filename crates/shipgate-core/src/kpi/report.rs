//! Rendering of the KPI report as Markdown (with Mermaid) and JSON.
