//! Artificial reverberation: the late reverberation of a feedback delay network ([`fdn`]).

pub mod fdn;
