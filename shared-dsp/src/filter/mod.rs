//! Linear filters: one biquad (RBJ cookbook and Vicanek-matched designs, coefficients separate
//! from state) and Butterworth cascades built from it.

pub mod biquad;
pub mod butterworth;
