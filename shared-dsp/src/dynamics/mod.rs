//! Dynamics: level detectors and ballistics, static gain curves, the gate/expander, and the
//! [`compressor::Compressor`] composite shared by the channel strip and the bus compressor.

pub mod compressor;
pub mod envelope;
pub mod gain_computer;
pub mod gate;
pub mod limiter;
