//! Cases: a command run on a given history (or its address checked), and what it must show
//! for a rule; or the name of an existing test that shows it. Every case goes through
//! [`Cases::record`], which keeps the (rule, command) pair it covers and any failure, with the
//! case's place in the source.

use std::fmt::Debug;
use std::panic::Location;

use cqrs_es::Aggregate;
use cqrs_es::test::TestFramework;
use serde::Serialize;

use crate::address::Addressed;
use crate::command::Command;
use crate::cooperative::CooperativeEvent;
use crate::funding::{BudgetLineEvent, SettlementEvent, SupportCaseEvent, TrainingClassEvent};
use crate::people::PersonEvent;
use crate::reference::{
    AdministrativeUnitEvent, LegalDocumentEvent, RegionMappingEvent, SupportRuleSetEvent,
};
use crate::rules::{Finding, Refused, RuleCode, RuleError, RuleKind};

use super::table::{CommandName, shown};

/// The findings an event records (`ComplianceFindingRaised`).
pub(super) trait RaisesFindings {
    fn finding(&self) -> Option<&Finding> {
        None
    }
}

impl RaisesFindings for CooperativeEvent {
    fn finding(&self) -> Option<&Finding> {
        match self {
            CooperativeEvent::ComplianceFindingRaised { finding, .. } => Some(finding),
            _ => None,
        }
    }
}

impl RaisesFindings for BudgetLineEvent {
    fn finding(&self) -> Option<&Finding> {
        match self {
            BudgetLineEvent::ComplianceFindingRaised { finding, .. } => Some(finding),
            _ => None,
        }
    }
}

impl RaisesFindings for TrainingClassEvent {
    fn finding(&self) -> Option<&Finding> {
        match self {
            TrainingClassEvent::ComplianceFindingRaised { finding } => Some(finding),
            _ => None,
        }
    }
}

impl RaisesFindings for SettlementEvent {
    fn finding(&self) -> Option<&Finding> {
        match self {
            SettlementEvent::ComplianceFindingRaised { finding } => Some(finding),
            _ => None,
        }
    }
}

impl RaisesFindings for SupportCaseEvent {}
impl RaisesFindings for LegalDocumentEvent {}
impl RaisesFindings for SupportRuleSetEvent {}
impl RaisesFindings for AdministrativeUnitEvent {}
impl RaisesFindings for RegionMappingEvent {}
impl RaisesFindings for PersonEvent {}

/// The name of the command an action is: `aggregate.Variant`, the variant as serde writes it
/// (a unit variant as a string, the others as an object's one key).
pub(super) fn command_name<A: Aggregate, Act: Serialize>(action: &Act) -> CommandName {
    let value = serde_json::to_value(action).expect("an action serialises");
    let variant = match value {
        serde_json::Value::String(name) => name,
        serde_json::Value::Object(map) if map.len() == 1 => {
            map.keys().next().cloned().unwrap_or_default()
        }
        other => panic!("not an externally tagged action: {other}"),
    };
    (A::TYPE.to_string(), variant)
}

/// What a case's command led to.
pub(super) enum Outcome {
    /// Refused under this rule (`None`: a technical error), with the message.
    Refused(Option<RuleCode>, String),
    /// Accepted, raising findings under these rules.
    Accepted(Vec<RuleCode>),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Refused(rule, message) => write!(f, "refused under {rule:?}: {message}"),
            Outcome::Accepted(findings) => write!(f, "accepted with findings {findings:?}"),
        }
    }
}

/// How a pair is covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum How {
    Ran,
    /// By the test function of this name (in the file named), checked to exist and to mention
    /// the rule.
    Named {
        file: &'static str,
        test: &'static str,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Evidence {
    pub rule: RuleCode,
    pub command: CommandName,
    pub how: How,
    pub at: &'static Location<'static>,
}

/// A test source file, read at compile time.
#[derive(Clone, Copy)]
pub(super) struct Source {
    pub path: &'static str,
    pub text: &'static str,
}

/// The cases recorded so far.
#[derive(Default)]
pub(super) struct Cases {
    pub evidence: Vec<Evidence>,
    pub failures: Vec<String>,
}

/// The cases of one aggregate type, run with the services `services` makes unless a case
/// brings its own (closures lose `#[track_caller]`, so cases call these methods directly).
pub(super) struct On<'c, A: Aggregate> {
    pub cases: &'c mut Cases,
    services: Box<dyn Fn() -> A::Services + 'c>,
}

impl<A, Act, E> On<'_, A>
where
    A: Aggregate<Command = Command<Act>, Error = Refused<E>>,
    A::Event: RaisesFindings,
    Act: Serialize,
    E: RuleError + Debug,
{
    /// [`Cases::applies`] with the default services.
    #[track_caller]
    pub(super) fn run(&mut self, rule: RuleCode, given: Vec<A::Event>, command: Command<Act>) {
        let services = (self.services)();
        self.cases
            .applies::<A, Act, E>(rule, services, given, command);
    }

    /// [`Cases::applies`] with `services`.
    #[track_caller]
    pub(super) fn run_with(
        &mut self,
        rule: RuleCode,
        services: A::Services,
        given: Vec<A::Event>,
        command: Command<Act>,
    ) {
        self.cases
            .applies::<A, Act, E>(rule, services, given, command);
    }
}

impl Cases {
    /// The cases of aggregate `A`, with the services `services` makes.
    pub(super) fn on<'c, A: Aggregate>(
        &'c mut self,
        services: impl Fn() -> A::Services + 'c,
    ) -> On<'c, A> {
        On {
            cases: self,
            services: Box::new(services),
        }
    }

    /// Runs `command` on an aggregate with the history `given` (given/when of cqrs-es's
    /// `TestFramework`): it must be refused under `rule` (kind R), accepted with a finding under
    /// `rule` (kind F), or either (kind R/F).
    #[track_caller]
    pub(super) fn applies<A, Act, E>(
        &mut self,
        rule: RuleCode,
        services: A::Services,
        given: Vec<A::Event>,
        command: Command<Act>,
    ) where
        A: Aggregate<Command = Command<Act>, Error = Refused<E>>,
        A::Event: RaisesFindings,
        Act: Serialize,
        E: RuleError + Debug,
    {
        let name = command_name::<A, Act>(&command.action);
        let result = TestFramework::<A>::with(services)
            .given(given)
            .when(command)
            .inspect_result();
        let outcome = match result {
            Ok(events) => Outcome::Accepted(
                events
                    .iter()
                    .filter_map(RaisesFindings::finding)
                    .map(|f| f.rule)
                    .collect(),
            ),
            Err(refused) => Outcome::Refused(refused.rule(), refused.to_string()),
        };
        self.record(rule, name, How::Ran, Some(outcome));
    }

    /// Checks the address `id` of `command` (`Addressed::check_address`, which the command side
    /// runs before every command): it must be refused under `rule`.
    #[track_caller]
    pub(super) fn address<A, Act, E>(&mut self, rule: RuleCode, id: &str, command: Command<Act>)
    where
        A: Addressed<Command = Command<Act>, Error = Refused<E>>,
        Act: Serialize,
        E: RuleError + Debug,
    {
        let name = command_name::<A, Act>(&command.action);
        let outcome = match A::check_address(id, &command) {
            Ok(()) => Outcome::Accepted(Vec::new()),
            Err(refused) => Outcome::Refused(refused.rule(), refused.to_string()),
        };
        self.record(rule, name, How::Ran, Some(outcome));
    }

    /// The test `test` of `source` shows `rule` on `command` (`aggregate.Action`): it must exist
    /// and mention the rule (`RuleCode::…` or its code).
    #[track_caller]
    pub(super) fn named(
        &mut self,
        rule: RuleCode,
        command: &str,
        source: Source,
        test: &'static str,
    ) {
        let (aggregate, action) = command.split_once('.').unwrap_or((command, ""));
        let name = (aggregate.to_string(), action.to_string());
        let how = How::Named {
            file: source.path,
            test,
        };
        match function_body(source.text, test) {
            None => self.fail(format!("{} has no test fn {test}", source.path)),
            Some(body) => {
                let path = format!("RuleCode::{rule:?}");
                if !body.contains(&path) && !body.contains(rule.as_str()) {
                    self.fail(format!(
                        "{}::{test} does not mention {path} or {rule}",
                        source.path
                    ));
                }
            }
        }
        self.record(rule, name, how, None);
    }

    /// Keeps the pair and checks `outcome` against the rule's kind.
    #[track_caller]
    pub(super) fn record(
        &mut self,
        rule: RuleCode,
        command: CommandName,
        how: How,
        outcome: Option<Outcome>,
    ) {
        if let Some(outcome) = outcome {
            let refused = matches!(outcome, Outcome::Refused(Some(r), _) if r == rule);
            let found = matches!(&outcome, Outcome::Accepted(rules) if rules.contains(&rule));
            let shows = match rule.kind() {
                RuleKind::Refusal => refused,
                RuleKind::Finding => found,
                RuleKind::RefusalAndFinding => refused || found,
            };
            if !shows {
                self.fail(format!(
                    "{rule} on {}: expected {}, got: {outcome}",
                    shown(&command),
                    match rule.kind() {
                        RuleKind::Refusal => "a refusal under that rule",
                        RuleKind::Finding => "a finding under that rule",
                        RuleKind::RefusalAndFinding => "a refusal or a finding under that rule",
                    }
                ));
            }
        }
        self.evidence.push(Evidence {
            rule,
            command,
            how,
            at: Location::caller(),
        });
    }

    #[track_caller]
    fn fail(&mut self, message: String) {
        let at = Location::caller();
        self.failures.push(format!("{at}: {message}"));
    }
}

/// The text of `fn name(…) { … }` in `source`: from its `fn` to the closing brace at the
/// indentation of its first line.
pub(super) fn function_body<'a>(source: &'a str, name: &str) -> Option<&'a str> {
    let signature = format!("fn {name}(");
    let start = source.find(&signature)?;
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = source[line_start..start]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let end_marker = format!("\n{indent}}}\n");
    let end = source[start..].find(&end_marker)? + start + end_marker.len();
    Some(&source[start..end])
}
