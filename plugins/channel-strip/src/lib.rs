//! Lathe Channel Strip (placeholder while the foundation is built).
