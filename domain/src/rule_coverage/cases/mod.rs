//! The cases, one module per aggregate (the reference aggregates and people together).

pub(super) mod budget_line;
pub(super) mod cooperative;
pub(super) mod reference;
pub(super) mod settlement;
pub(super) mod support_case;
pub(super) mod training_class;
