//! Funding: budget lines (estimate, allocations, commitments, advances, payments, returns),
//! support cases, training classes and settlements. See [`ids`] for the aggregate ids.

mod budget_line;
pub mod ids;
mod purpose;
mod settlement;
mod support_case;
mod training;

pub use budget_line::{
    BudgetLine, BudgetLineAction, BudgetLineCommand, BudgetLineError, BudgetLineEvent,
    BudgetLineEventType, Commitment, EntryKind, LineEntry, LineSnapshot, Spent,
    adjustment_period_end,
};
pub use ids::{BudgetLineId, IdError, Purpose, RecordId, SettlementId, SupportCategory};
pub use purpose::ApprovedPurpose;
pub use settlement::{
    Settlement, SettlementAction, SettlementCommand, SettlementError, SettlementEvent,
    SettlementEventType, SettlementSnapshot,
};
pub use support_case::{
    Eligibility, SupportCase, SupportCaseAction, SupportCaseCommand, SupportCaseError,
    SupportCaseEvent, SupportCaseEventType,
};
pub use training::{
    LEARNERS_PER_CLASS, TrainingClass, TrainingClassAction, TrainingClassCommand,
    TrainingClassError, TrainingClassEvent, TrainingClassEventType,
};
