//! Intake tests (placeholder while the runner is written).
