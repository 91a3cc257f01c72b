//! Artificial reverberation: the late reverberation of a feedback delay network ([`fdn`]) and
//! the measurements that judge it ([`measure`]).

pub mod absorption;
pub mod fdn;
pub mod measure;
