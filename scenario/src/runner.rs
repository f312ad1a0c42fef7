//! Plays the scenario's steps through the programme's command path.

use chrono::Datelike;
use cqrs_es::{Aggregate, AggregateError};
use domain::address::Addressed;
use domain::command::Command;
use domain::ledger::EventMetadata;
use domain::rules::{Refused, RuleCode, RuleError};
use futures::StreamExt;
use store::{read_head, stream_log};

use super::step::{Expect, Step, StepCommand};
use super::{Demo, Options, Progress, Refusal, Report, Scenario, ScenarioError};
use programme::{Batch, Commands, Programme, execute};

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
    let mut batch = Batched::new(&demo.programme);
    'years: for year in scenario.years() {
        for step in year? {
            if step.index < resumed_at {
                continue;
            }
            if options.until.is_some_and(|until| step.recorded_on > until) {
                break 'years;
            }
            // A batch holds one plan year's steps, so that a year's progress is its own.
            if batch
                .steps
                .last()
                .is_some_and(|last| last.recorded_on.year() != step.recorded_on.year())
            {
                batch.flush(&mut report, &mut progress).await?;
            }
            if step.expect == Expect::Accepted {
                let decided = decide(&mut batch.batch, &demo.programme, options, &step).await;
                batch.steps.push(progress_of(&step, steps_total));
                if let Err(error) = decided {
                    // The steps before it are the scenario's: written, so that a rerun resumes.
                    batch.steps.pop();
                    batch.flush(&mut report, &mut progress).await?;
                    return Err(error);
                }
                if batch.steps.len() >= BATCH_STEPS {
                    batch.flush(&mut report, &mut progress).await?;
                }
                continue;
            }
            // A refusal the scenario plays on purpose writes nothing: played alone, after the
            // steps before it are written, with the clock where it stood.
            batch.flush(&mut report, &mut progress).await?;
            demo.clock.advance_to(step.recorded_at);
            if let Some(refusal) = play(&demo.programme, options, &step).await? {
                report.refusals.push(refusal);
            }
            report.steps_run += 1;
            progress(Progress {
                entries_written: batch.entries_written,
                ..progress_of(&step, steps_total)
            });
        }
    }
    batch.flush(&mut report, &mut progress).await?;
    report.entries_after = read_head(database).await?.size;
    report.complete = resumed_at + report.steps_run == steps_total;
    Ok(report)
}

/// How many of the scenario's steps go into one durable commit.
const BATCH_STEPS: usize = 1_000;

fn progress_of(step: &Step, total: u64) -> Progress {
    Progress {
        done: step.index + 1,
        total,
        recorded_on: step.recorded_on,
        entries_written: 0,
    }
}

/// The steps decided and not yet written, and where each one leaves the run.
struct Batched<'p> {
    programme: &'p Programme,
    batch: Batch,
    steps: Vec<Progress>,
    /// Entries this run has written so far.
    entries_written: u64,
}

impl<'p> Batched<'p> {
    fn new(programme: &'p Programme) -> Self {
        Batched {
            programme,
            batch: programme.batch(),
            steps: Vec::new(),
            entries_written: 0,
        }
    }

    /// Writes the steps decided so far in one commit, then reports them.
    async fn flush(
        &mut self,
        report: &mut Report,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), ScenarioError> {
        let batch = std::mem::replace(&mut self.batch, self.programme.batch());
        let steps = std::mem::take(&mut self.steps);
        if batch.is_empty() {
            return Ok(());
        }
        let written = batch.commit(None).await?;
        self.entries_written += written.iter().map(Vec::len).sum::<usize>() as u64;
        report.steps_run += steps.len() as u64;
        for step in steps {
            progress(Progress {
                entries_written: self.entries_written,
                ..step
            });
        }
        Ok(())
    }
}

/// Decides one step the scenario expects to be accepted into `batch`, recorded no earlier
/// than the step's time: what it would have got alone.
async fn decide(
    batch: &mut Batch,
    programme: &Programme,
    options: &Options,
    step: &Step,
) -> Result<(), ScenarioError> {
    let metadata = step_metadata(options, step);
    let (m, at) = (&metadata, Some(step.recorded_at));
    let p = programme;
    let answer = match &step.command {
        StepCommand::Unit(id, c) => into(batch, &p.units, id, c, m, at).await,
        StepCommand::Region(id, c) => into(batch, &p.regions, id, c, m, at).await,
        StepCommand::LegalDocument(id, c) => into(batch, &p.legal_documents, id, c, m, at).await,
        StepCommand::RuleSet(id, c) => into(batch, &p.rule_sets, id, c, m, at).await,
        StepCommand::Cooperative(id, c) => into(batch, &p.cooperatives, id, c, m, at).await,
        StepCommand::BudgetLine(id, c) => into(batch, &p.budget_lines, id, c, m, at).await,
        StepCommand::SupportCase(id, c) => into(batch, &p.support_cases, id, c, m, at).await,
        StepCommand::TrainingClass(id, c) => into(batch, &p.training_classes, id, c, m, at).await,
        StepCommand::Settlement(id, c) => into(batch, &p.settlements, id, c, m, at).await,
    };
    let (aggregate_type, aggregate_id) = step.command.target();
    let target = format!("{aggregate_type} {aggregate_id}");
    match answer {
        Answer::Accepted => Ok(()),
        Answer::Refused(_, message) => Err(ScenarioError::Refused {
            step: step.index,
            target,
            message,
        }),
        Answer::Failed(message) => Err(ScenarioError::Technical {
            step: step.index,
            target,
            message,
        }),
    }
}

async fn into<A, X, E>(
    batch: &mut Batch,
    commands: &Commands<A>,
    id: &str,
    command: &Command<X>,
    metadata: &EventMetadata,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Answer
where
    A: Addressed + Aggregate<Command = Command<X>, Error = Refused<E>> + Clone + 'static,
    A::Services: programme::ServicesOf,
    X: Clone,
    E: RuleError,
{
    match batch
        .decide(commands, id, command.clone(), metadata, at)
        .await
    {
        Ok(_) => Answer::Accepted,
        Err(AggregateError::UserError(error)) => Answer::Refused(error.rule(), error.to_string()),
        Err(other) => Answer::Failed(format!("{other:?}")),
    }
}

fn step_metadata(options: &Options, step: &Step) -> EventMetadata {
    EventMetadata::new(step.command.actor().clone(), step.command.effective_date())
        .with_legal_basis(PLAN)
        .with_idempotency_key(&options.key(step.index))
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
    let metadata = step_metadata(options, step);
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
