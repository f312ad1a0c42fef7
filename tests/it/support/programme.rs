//! The programme's shared set-up steps (`programme::testing`).

pub use programme::testing::*;
