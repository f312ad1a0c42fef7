//! Given/when/then tests of every cooperative command: the accepted path and each refusal.

mod dissolution;
mod every;
mod lifecycle;
mod members;
mod merger;
mod records;
mod register;
mod reorganisation;
mod reports;
mod reregister;

use std::sync::Arc;

use cqrs_es::test::TestFramework;

use crate::testing::InMemoryLookups;

use super::Cooperative;

pub(super) fn with(lookups: &Arc<InMemoryLookups>) -> TestFramework<Cooperative> {
    TestFramework::with(lookups.services())
}

pub(super) fn seeded() -> TestFramework<Cooperative> {
    with(&InMemoryLookups::seeded())
}
