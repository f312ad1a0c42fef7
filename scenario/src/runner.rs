//! Plays the scenario's steps through the programme's command path.

use cqrs_es::{Aggregate, AggregateError};
use domain::address::Addressed;
use domain::command::Command;
use domain::ledger::EventMetadata;
use domain::rules::{Refused, RuleCode, RuleError};
use futures::StreamExt;
use store::{read_head, stream_log};

use super::step::{Expect, Step, StepCommand};
use super::{Demo, Options, Progress, Refusal, Report, Scenario, ScenarioError};
use programme::{Commands, Programme, execute};

/// The legal basis every step names.
const PLAN: &str = "31/KH-UBND";

/// Plays the scenario of `options` on `demo`'s ledger, from where the ledger stands, up to
/// `options.until` or the end. Nothing is written when the ledger holds anything else.
///
/// # Errors
/// A ledger holding something else, a scale out of range, a step the domain answered
/// otherwise than the scenario expects (a bug: the run stops there), a store failure.
pub async fn run(
    demo: &Demo,
    options: &Options,
    mut progress: impl FnMut(Progress),
) -> Result<Report, ScenarioError> {
    let scenario = Scenario::new(options.seed, options.scale)?;
    let database = demo.programme.ledger.database();
    let entries_before = read_head(database).await?.size;
    let resumed_at = resume_point(demo, options, entries_before).await?;
    let mut steps_total = 0;
    for year in scenario.years() {
        steps_total += year?.len() as u64;
    }
    let mut report = Report {
        options: options.clone(),
        steps_total,
        resumed_at,
        steps_run: 0,
        entries_before,
        entries_after: entries_before,
        refusals: Vec::new(),
        complete: false,
    };
    'years: for year in scenario.years() {
        for step in year? {
            if step.index < resumed_at {
                continue;
            }
            if options.until.is_some_and(|until| step.recorded_on > until) {
                break 'years;
            }
            demo.clock.advance_to(step.recorded_at);
            if let Some(refusal) = play(&demo.programme, options, &step).await? {
                report.refusals.push(refusal);
            }
            report.steps_run += 1;
            progress(Progress {
                done: step.index + 1,
                total: steps_total,
                recorded_on: step.recorded_on,
            });
        }
    }
    report.entries_after = read_head(database).await?.size;
    report.complete = resumed_at + report.steps_run == steps_total;
    Ok(report)
}

/// The first step to play: 0 on an empty ledger, else the one after the step of the last
/// entry, which must be this scenario's.
async fn resume_point(demo: &Demo, options: &Options, size: u64) -> Result<u64, ScenarioError> {
    if size == 0 {
        return Ok(0);
    }
    let database = demo.programme.ledger.database();
    let mut rows = stream_log(database, size - 1);
    let key = match rows.next().await {
        Some(row) => last_key(&row?.bytes),
        None => None,
    };
    let foreign = || ScenarioError::ForeignLedger { entries: size };
    let key = key.ok_or_else(foreign)?;
    let Some(rest) = key.strip_prefix("demo:") else {
        return Err(foreign());
    };
    // `v<version>:<seed>:<scale>:<step>`; version 1 wrote no version.
    let (version, rest) = match rest.strip_prefix('v').and_then(|r| r.split_once(':')) {
        Some((version, rest)) => (version.parse().map_err(|_| foreign())?, rest),
        None => (1, rest),
    };
    if version != super::VERSION {
        return Err(ScenarioError::OtherVersion {
            found: version,
            asked: super::VERSION,
        });
    }
    let Some(index) = key.strip_prefix(&options.key_prefix()) else {
        let found = rest.rsplit_once(':').map_or(rest, |(s, _)| s);
        let (seed, scale) = found.split_once(':').unwrap_or((found, "?"));
        return Err(ScenarioError::OtherScenario {
            found: format!("seed {seed}, scale {scale}"),
            asked: format!("seed {}, scale {}", options.seed, options.scale),
        });
    };
    let index: u64 = index.parse().map_err(|_| foreign())?;
    Ok(index + 1)
}

/// The idempotency key in an entry's metadata.
fn last_key(bytes: &[u8]) -> Option<String> {
    let entry: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    entry["metadata"]["idempotency_key"]
        .as_str()
        .map(str::to_string)
}

/// How the domain answered one command.
enum Answer {
    Accepted,
    Refused(Option<RuleCode>, String),
    Failed(String),
}

async fn send<A, X, E>(
    commands: &Commands<A>,
    id: &str,
    command: &Command<X>,
    metadata: &EventMetadata,
) -> Answer
where
    A: Addressed + Aggregate<Command = Command<X>, Error = Refused<E>> + Clone,
    X: Clone,
    E: RuleError,
{
    match execute(commands, id, command.clone(), metadata).await {
        Ok(_) => Answer::Accepted,
        Err(AggregateError::UserError(error)) => Answer::Refused(error.rule(), error.to_string()),
        Err(other) => Answer::Failed(format!("{other:?}")),
    }
}

async fn play(
    programme: &Programme,
    options: &Options,
    step: &Step,
) -> Result<Option<Refusal>, ScenarioError> {
    let metadata = EventMetadata::new(step.command.actor().clone(), step.command.effective_date())
        .with_legal_basis(PLAN)
        .with_idempotency_key(&options.key(step.index));
    let p = programme;
    let m = &metadata;
    let answer = match &step.command {
        StepCommand::Unit(id, c) => send(&p.units, id, c, m).await,
        StepCommand::Region(id, c) => send(&p.regions, id, c, m).await,
        StepCommand::LegalDocument(id, c) => send(&p.legal_documents, id, c, m).await,
        StepCommand::RuleSet(id, c) => send(&p.rule_sets, id, c, m).await,
        StepCommand::Cooperative(id, c) => send(&p.cooperatives, id, c, m).await,
        StepCommand::BudgetLine(id, c) => send(&p.budget_lines, id, c, m).await,
        StepCommand::SupportCase(id, c) => send(&p.support_cases, id, c, m).await,
        StepCommand::TrainingClass(id, c) => send(&p.training_classes, id, c, m).await,
        StepCommand::Settlement(id, c) => send(&p.settlements, id, c, m).await,
    };
    let (aggregate_type, aggregate_id) = step.command.target();
    let target = format!("{aggregate_type} {aggregate_id}");
    match (answer, step.expect) {
        (Answer::Accepted, Expect::Accepted) => Ok(None),
        (Answer::Refused(Some(rule), message), Expect::Refused(expected)) if rule == expected => {
            Ok(Some(Refusal {
                step: step.index,
                effective_date: step.command.effective_date(),
                aggregate_type,
                aggregate_id: aggregate_id.to_string(),
                rule,
                message,
            }))
        }
        (Answer::Accepted, Expect::Refused(rule)) => Err(ScenarioError::NotRefused {
            step: step.index,
            target,
            rule,
        }),
        (Answer::Refused(_, message), _) => Err(ScenarioError::Refused {
            step: step.index,
            target,
            message,
        }),
        (Answer::Failed(message), _) => Err(ScenarioError::Technical {
            step: step.index,
            target,
            message,
        }),
    }
}
