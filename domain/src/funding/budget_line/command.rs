//! What a programme or finance officer records on a budget line.

use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::document::DocumentNumber;
use crate::funding::ids::{BudgetLineId, Purpose};
use crate::money::Dong;

pub type BudgetLineCommand = Command<BudgetLineAction>;

/// What one budget line (dòng dự toán) is asked to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BudgetLineAction {
    /// Giao dự toán. The first estimate names the line; later ones must name the same.
    AssignEstimate {
        line: BudgetLineId,
        amount: Dong,
        decision: DocumentNumber,
    },
    /// Phân bổ to a recipient: a district (GSO code) or a unit code.
    Allocate { recipient: String, amount: Dong },
    /// Cam kết chi: commit the approved amount of `purpose` against `recipient`'s allocation.
    Commit { purpose: Purpose, recipient: String },
    /// Tạm ứng.
    PayAdvance {
        purpose: Purpose,
        amount: Dong,
        reference: String,
    },
    /// Thanh toán tạm ứng: turn (part of) advance `advance_entry` into a payment.
    SettleAdvance { advance_entry: u32, amount: Dong },
    /// Thanh toán.
    MakePayment {
        purpose: Purpose,
        amount: Dong,
        voucher: String,
    },
    /// Nộp trả: money paid or advanced under `against_entry` comes back.
    ReturnFunds {
        against_entry: u32,
        amount: Dong,
        document: String,
    },
    /// Bút toán điều chỉnh: undo entry `entry` exactly. The original stays in the ledger.
    Reverse { entry: u32, reason: String },
    /// Raise FIN-06 findings for advances still outstanding after 31/01 of the next year.
    ReviewAdvances,
}
