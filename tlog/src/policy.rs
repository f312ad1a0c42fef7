//! C2SP tlog-policy: which logs, which witnesses, and the quorum of cosignatures a checkpoint
//! needs before a relying party accepts it. The file an inspector is handed with a proof.
//!
//! ```text
//! log <vkey> [<url>]
//! witness <name> <vkey> [<url>]
//! group <name> all|any|<k> <member>...
//! quorum <name>|none
//! ```
//!
//! The file is read as the spec says: items separated by ASCII spaces and tabs only, `#`
//! comments and blank lines ignored, names defined before they are used (so no group can
//! contain itself), each name a member of one group at most once, exactly one quorum line,
//! no two logs and no two witnesses with the same public key. Names are compared as bytes.

use std::collections::{HashMap, HashSet};

use thiserror::Error;

use crate::cosignature::{self, Cosigned, WitnessKey};
use crate::note::{self, Checkpoint, NoteError, VerifierKey};

/// The predefined name of the quorum that needs no cosignature.
pub const NONE: &str = "none";

/// A log the policy accepts: its checkpoint key, and where it may be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLog {
    pub key: VerifierKey,
    pub url: Option<String>,
}

/// A witness the policy knows: its name in the policy, its cosigning key, and its
/// submission prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyWitness {
    pub name: String,
    pub key: WitnessKey,
    pub url: Option<String>,
}

/// A member of a group or the quorum: a witness or a group defined before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    Witness(usize),
    Group(usize),
}

/// A group: witnessed when at least `threshold` of its members are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    name: String,
    threshold: usize,
    members: Vec<Member>,
}

/// What the quorum line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quorum {
    None,
    Of(Member),
}

/// A parsed tlog-policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    logs: Vec<PolicyLog>,
    witnesses: Vec<PolicyWitness>,
    groups: Vec<Group>,
    quorum: Quorum,
}

/// Why a policy file was refused: the line (from 1) and what is wrong with it.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("policy line {line}: {problem}")]
pub struct PolicyError {
    pub line: usize,
    pub problem: PolicyProblem,
}

/// What is wrong with a policy line.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PolicyProblem {
    #[error("byte 0x{0:02x} is a control character other than tab and newline")]
    ControlCharacter(u8),
    #[error("unknown keyword {0:?} (log, witness, group, quorum)")]
    UnknownKeyword(String),
    #[error("{keyword} takes {expected}")]
    WrongItems {
        keyword: &'static str,
        expected: &'static str,
    },
    #[error("the log key does not read: {0}")]
    LogKey(note::KeyError),
    #[error("the witness key does not read: {0}")]
    WitnessKey(cosignature::WitnessKeyError),
    #[error("a log with this public key is already listed")]
    DuplicateLog,
    #[error("a witness with this public key is already listed")]
    DuplicateWitness,
    #[error("the name {0:?} is already defined")]
    DuplicateName(String),
    #[error("{0:?} is not a witness or group defined on an earlier line")]
    UndefinedName(String),
    #[error("{0:?} is listed twice in the group")]
    RepeatedMember(String),
    #[error("\"none\" cannot be a group's name or member")]
    NoneInGroup,
    #[error("the threshold {found:?} is not all, any or a decimal number from 1 to {members}")]
    InvalidThreshold { found: String, members: usize },
    #[error("a second quorum line")]
    SecondQuorum,
    #[error("the policy has no quorum line")]
    NoQuorum,
}

/// Why a checkpoint did not satisfy a policy.
#[derive(Debug, Error)]
pub enum PolicyRefusal {
    #[error("no log of the policy signed the checkpoint: {0}")]
    NotSignedByLog(NoteError),
    #[error(
        "the quorum does not hold: cosigned by {} of the policy's {known} witnesses ({})",
        cosigned.len(),
        names(cosigned)
    )]
    NoQuorum {
        cosigned: Vec<Cosigned>,
        known: usize,
    },
}

fn names(cosigned: &[Cosigned]) -> String {
    if cosigned.is_empty() {
        return "none".into();
    }
    cosigned
        .iter()
        .map(|c| c.witness.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A checkpoint that satisfies a policy: signed by one of its logs and cosigned by a quorum.
#[derive(Debug, Clone)]
pub struct Witnessed {
    pub checkpoint: Checkpoint,
    /// The name of the log key that signed it.
    pub log: String,
    /// Every policy witness whose cosignature verified, with the time it states.
    pub cosigned: Vec<Cosigned>,
    /// Policy witnesses whose line was there but whose signature did not verify.
    pub bad_cosignatures: Vec<String>,
}

impl Policy {
    /// Parses a policy file.
    ///
    /// # Errors
    /// [`PolicyError`]: the first line that breaks the spec, and how.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut parser = Parser::default();
        for (number, line) in text.split('\n').enumerate() {
            let at = |problem| PolicyError {
                line: number + 1,
                problem,
            };
            if let Some(&byte) = line
                .as_bytes()
                .iter()
                .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
            {
                return Err(at(PolicyProblem::ControlCharacter(byte)));
            }
            let items: Vec<&str> = line
                .split([' ', '\t'])
                .filter(|item| !item.is_empty())
                .collect();
            match items.first() {
                None => {}
                Some(first) if first.starts_with('#') => {}
                Some(_) => parser.line(&items).map_err(at)?,
            }
        }
        let lines = text.split('\n').count();
        let quorum = parser.quorum.ok_or(PolicyError {
            line: lines,
            problem: PolicyProblem::NoQuorum,
        })?;
        Ok(Policy {
            logs: parser.logs,
            witnesses: parser.witnesses,
            groups: parser.groups,
            quorum,
        })
    }

    /// The logs the policy accepts.
    pub fn logs(&self) -> &[PolicyLog] {
        &self.logs
    }

    /// The witnesses the policy knows.
    pub fn witnesses(&self) -> &[PolicyWitness] {
        &self.witnesses
    }

    /// Whether the quorum needs no cosignature (`quorum none`).
    pub fn needs_no_cosignature(&self) -> bool {
        self.quorum == Quorum::None
    }

    /// Whether the witnesses named in `cosigned` (by their policy names) make the quorum.
    pub fn quorum_holds<'a>(&self, cosigned: impl IntoIterator<Item = &'a str>) -> bool {
        let cosigned: HashSet<&str> = cosigned.into_iter().collect();
        match self.quorum {
            Quorum::None => true,
            Quorum::Of(member) => self.witnessed(member, &cosigned),
        }
    }

    fn witnessed(&self, member: Member, cosigned: &HashSet<&str>) -> bool {
        match member {
            Member::Witness(i) => cosigned.contains(self.witnesses[i].name.as_str()),
            Member::Group(i) => {
                let group = &self.groups[i];
                group
                    .members
                    .iter()
                    .filter(|m| self.witnessed(**m, cosigned))
                    .count()
                    >= group.threshold
            }
        }
    }

    /// Checks a checkpoint note against the policy: signed by one of its logs (its origin the
    /// log key's name), and cosigned by a quorum of its witnesses. Signature lines of keys the
    /// policy does not list, or of other types, are ignored.
    ///
    /// # Errors
    /// [`PolicyRefusal`]: no log signed it, or the quorum does not hold.
    pub fn check(&self, note_text: &str) -> Result<Witnessed, PolicyRefusal> {
        let mut last_error = NoteError::NoKnownSignature {
            signers: String::from("(the policy lists no log)"),
        };
        for log in &self.logs {
            match note::open_checkpoint(
                note_text,
                std::slice::from_ref(&log.key),
                Some(log.key.name()),
            ) {
                Ok(opened) => return self.cosigned(note_text, opened.checkpoint, log),
                Err(error) => last_error = error,
            }
        }
        Err(PolicyRefusal::NotSignedByLog(last_error))
    }

    fn cosigned(
        &self,
        note_text: &str,
        checkpoint: Checkpoint,
        log: &PolicyLog,
    ) -> Result<Witnessed, PolicyRefusal> {
        let (text, signatures) = note::split(note_text).map_err(PolicyRefusal::NotSignedByLog)?;
        let keys: Vec<WitnessKey> = self.witnesses.iter().map(|w| w.key.clone()).collect();
        let (by_key, bad) = cosignature::verify_all(text, &signatures, &keys);
        // Cosignatures are found by key name; the policy names its witnesses itself.
        let policy_name: HashMap<&str, &str> = self
            .witnesses
            .iter()
            .map(|w| (w.key.name(), w.name.as_str()))
            .collect();
        let rename = |name: &str| policy_name.get(name).map_or(name, |n| n).to_owned();
        let cosigned: Vec<Cosigned> = by_key
            .into_iter()
            .map(|c| Cosigned {
                witness: rename(&c.witness),
                timestamp: c.timestamp,
            })
            .collect();
        if !self.quorum_holds(cosigned.iter().map(|c| c.witness.as_str())) {
            return Err(PolicyRefusal::NoQuorum {
                cosigned,
                known: self.witnesses.len(),
            });
        }
        Ok(Witnessed {
            checkpoint,
            log: log.key.name().to_owned(),
            cosigned,
            bad_cosignatures: bad.iter().map(|n| rename(n)).collect(),
        })
    }
}

#[derive(Default)]
struct Parser {
    logs: Vec<PolicyLog>,
    witnesses: Vec<PolicyWitness>,
    groups: Vec<Group>,
    quorum: Option<Quorum>,
    names: HashMap<String, Member>,
}

impl Parser {
    fn line(&mut self, items: &[&str]) -> Result<(), PolicyProblem> {
        match items[0] {
            "log" => self.log(&items[1..]),
            "witness" => self.witness(&items[1..]),
            "group" => self.group(&items[1..]),
            "quorum" => self.quorum(&items[1..]),
            other => Err(PolicyProblem::UnknownKeyword(other.to_owned())),
        }
    }

    fn log(&mut self, items: &[&str]) -> Result<(), PolicyProblem> {
        let (key, url) = match items {
            [key] => (*key, None),
            [key, url] => (*key, Some((*url).to_owned())),
            _ => {
                return Err(PolicyProblem::WrongItems {
                    keyword: "log",
                    expected: "a verifier key and an optional URL",
                });
            }
        };
        let key = VerifierKey::parse(key).map_err(PolicyProblem::LogKey)?;
        if self
            .logs
            .iter()
            .any(|l| l.key.public_key() == key.public_key())
        {
            return Err(PolicyProblem::DuplicateLog);
        }
        self.logs.push(PolicyLog { key, url });
        Ok(())
    }

    fn witness(&mut self, items: &[&str]) -> Result<(), PolicyProblem> {
        let (name, key, url) = match items {
            [name, key] => (*name, *key, None),
            [name, key, url] => (*name, *key, Some((*url).to_owned())),
            _ => {
                return Err(PolicyProblem::WrongItems {
                    keyword: "witness",
                    expected: "a name, a verifier key and an optional URL",
                });
            }
        };
        let key = WitnessKey::parse(key).map_err(PolicyProblem::WitnessKey)?;
        if self
            .witnesses
            .iter()
            .any(|w| w.key.public_key() == key.public_key())
        {
            return Err(PolicyProblem::DuplicateWitness);
        }
        self.define(name, Member::Witness(self.witnesses.len()))?;
        self.witnesses.push(PolicyWitness {
            name: name.to_owned(),
            key,
            url,
        });
        Ok(())
    }

    fn group(&mut self, items: &[&str]) -> Result<(), PolicyProblem> {
        let [name, threshold, members @ ..] = items else {
            return Err(PolicyProblem::WrongItems {
                keyword: "group",
                expected: "a name, all, any or a threshold, and at least one member",
            });
        };
        if members.is_empty() {
            return Err(PolicyProblem::WrongItems {
                keyword: "group",
                expected: "a name, all, any or a threshold, and at least one member",
            });
        }
        let mut seen = HashSet::new();
        let mut resolved = Vec::with_capacity(members.len());
        for member in members {
            if *member == NONE {
                return Err(PolicyProblem::NoneInGroup);
            }
            if !seen.insert(*member) {
                return Err(PolicyProblem::RepeatedMember((*member).to_owned()));
            }
            resolved.push(self.resolve(member)?);
        }
        let n = members.len();
        let threshold = match *threshold {
            "all" => n,
            "any" => 1,
            digits => digits
                .parse::<usize>()
                .ok()
                .filter(|k| (1..=n).contains(k) && !digits.starts_with('+'))
                .ok_or_else(|| PolicyProblem::InvalidThreshold {
                    found: digits.to_owned(),
                    members: n,
                })?,
        };
        self.define(name, Member::Group(self.groups.len()))?;
        self.groups.push(Group {
            name: (*name).to_owned(),
            threshold,
            members: resolved,
        });
        Ok(())
    }

    fn quorum(&mut self, items: &[&str]) -> Result<(), PolicyProblem> {
        let [name] = items else {
            return Err(PolicyProblem::WrongItems {
                keyword: "quorum",
                expected: "one name: a witness, a group or none",
            });
        };
        if self.quorum.is_some() {
            return Err(PolicyProblem::SecondQuorum);
        }
        let quorum = if *name == NONE {
            Quorum::None
        } else {
            Quorum::Of(self.resolve(name)?)
        };
        self.quorum = Some(quorum);
        Ok(())
    }

    fn define(&mut self, name: &str, member: Member) -> Result<(), PolicyProblem> {
        if name == NONE {
            return Err(PolicyProblem::NoneInGroup);
        }
        if self.names.contains_key(name) {
            return Err(PolicyProblem::DuplicateName(name.to_owned()));
        }
        self.names.insert(name.to_owned(), member);
        Ok(())
    }

    fn resolve(&self, name: &str) -> Result<Member, PolicyProblem> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| PolicyProblem::UndefinedName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::CosignerKey;
    use crate::note::SigningKey;

    const ORIGIN: &str = "example.org/htx-ledger-test";

    fn log() -> SigningKey {
        SigningKey::from_seed(ORIGIN, &[1; 32]).unwrap()
    }

    fn witness(n: u8) -> CosignerKey {
        CosignerKey::from_seed(&format!("witness.example/w{n}"), &[10 + n; 32]).unwrap()
    }

    fn two_of_three() -> String {
        format!(
            "# the programme's witnesses\nlog {} https://log.example/\n\twitness W1 {}\nwitness W2 {} https://w2.example/\nwitness  W3\t{}\ngroup G 2 W1 W2 W3\nquorum G\n",
            log().verifier_key(),
            witness(1).witness_key(),
            witness(2).witness_key(),
            witness(3).witness_key(),
        )
    }

    fn checkpoint(size: u64) -> String {
        Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: crate::Hash::from_bytes([size as u8; 32]),
            extensions: Vec::new(),
        }
        .sign(&[&log()])
        .unwrap()
    }

    /// The note with each of `witnesses`' cosignature lines added.
    fn cosigned(note_text: &str, witnesses: &[u8]) -> String {
        let (text, _) = note::split(note_text).unwrap();
        let mut out = note_text.to_owned();
        for &n in witnesses {
            out.push_str(&witness(n).cosign(text, 1_700_000_000 + u64::from(n)));
            out.push('\n');
        }
        out
    }

    #[test]
    fn the_specs_example_shape_parses_and_its_quorum_is_two_levels_deep() {
        let keys: Vec<String> = (1..=6)
            .map(|n| witness(n).witness_key().to_string())
            .collect();
        let text = format!(
            "log {}\n\nwitness X1 {}\nwitness X2 {}\nwitness X3 {}\ngroup X-witnesses 2 X1 X2 X3\n\nwitness Y1 {}\nwitness Y2 {}\nwitness Y3 {}\ngroup Y-witnesses any Y1 Y2 Y3\n\ngroup X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n",
            log().verifier_key(),
            keys[0],
            keys[1],
            keys[2],
            keys[3],
            keys[4],
            keys[5]
        );
        let policy = Policy::parse(&text).unwrap();
        assert_eq!(policy.logs().len(), 1);
        assert_eq!(policy.witnesses().len(), 6);
        assert!(policy.quorum_holds(["X1", "X3", "Y2"]));
        assert!(!policy.quorum_holds(["X1", "Y1", "Y2", "Y3"]));
        assert!(!policy.quorum_holds(["X1", "X2", "X3"]));
        assert!(!policy.quorum_holds([]));
    }

    #[test]
    fn a_checkpoint_needs_the_log_and_the_quorum() {
        let policy = Policy::parse(&two_of_three()).unwrap();
        assert_eq!(
            policy.witnesses()[1].url.as_deref(),
            Some("https://w2.example/")
        );
        let note_text = checkpoint(5);
        let witnessed = policy.check(&cosigned(&note_text, &[1, 3])).unwrap();
        assert_eq!(witnessed.log, ORIGIN);
        assert_eq!(witnessed.checkpoint.size, 5);
        let names: Vec<_> = witnessed
            .cosigned
            .iter()
            .map(|c| c.witness.as_str())
            .collect();
        assert_eq!(names, ["W1", "W3"]);
        assert_eq!(witnessed.cosigned[1].timestamp, 1_700_000_003);

        match policy.check(&cosigned(&note_text, &[2])) {
            Err(PolicyRefusal::NoQuorum { cosigned, known }) => {
                assert_eq!(cosigned.len(), 1);
                assert_eq!(known, 3);
            }
            other => panic!("one of three is no quorum: {other:?}"),
        }
        // Another log's key, however many cosignatures.
        let other = SigningKey::from_seed(ORIGIN, &[2; 32]).unwrap();
        let forged = Checkpoint::parse(note::split(&note_text).unwrap().0)
            .unwrap()
            .sign(&[&other])
            .unwrap();
        assert!(matches!(
            policy.check(&cosigned(&forged, &[1, 2, 3])),
            Err(PolicyRefusal::NotSignedByLog(_))
        ));
    }

    #[test]
    fn unknown_signature_lines_are_ignored_and_a_cosignature_of_another_checkpoint_does_not_count()
    {
        let policy = Policy::parse(&two_of_three()).unwrap();
        let stranger = CosignerKey::from_seed("stranger.example/w", &[99; 32]).unwrap();
        let note_text = checkpoint(5);
        let (text, _) = note::split(&note_text).unwrap();
        let mut with_stranger = cosigned(&note_text, &[1]);
        with_stranger.push_str(&stranger.cosign(text, 1));
        with_stranger.push('\n');
        assert!(matches!(
            policy.check(&with_stranger),
            Err(PolicyRefusal::NoQuorum { .. })
        ));
        // W2's line, taken from a cosignature over another checkpoint.
        let other_note = checkpoint(6);
        let (other_text, _) = note::split(&other_note).unwrap();
        let mut moved = cosigned(&note_text, &[1]);
        moved.push_str(&witness(2).cosign(other_text, 7));
        moved.push('\n');
        match policy.check(&moved) {
            Err(PolicyRefusal::NoQuorum { cosigned, .. }) => assert_eq!(cosigned.len(), 1),
            other => panic!("a moved cosignature counted: {other:?}"),
        }
        with_stranger.push_str(&witness(2).cosign(text, 2));
        with_stranger.push('\n');
        let witnessed = policy.check(&with_stranger).unwrap();
        assert_eq!(witnessed.cosigned.len(), 2);
    }

    #[test]
    fn quorum_none_needs_no_witness_and_a_single_witness_may_be_the_quorum() {
        let none = Policy::parse(&format!("log {}\nquorum none\n", log().verifier_key())).unwrap();
        assert!(none.needs_no_cosignature());
        assert!(none.check(&checkpoint(1)).is_ok());
        let one = Policy::parse(&format!(
            "log {}\nwitness A {}\nquorum A",
            log().verifier_key(),
            witness(1).witness_key()
        ))
        .unwrap();
        assert!(one.check(&checkpoint(1)).is_err());
        assert!(one.check(&cosigned(&checkpoint(1), &[1])).is_ok());
    }

    /// A test of the problem a malformed policy must give.
    type IsProblem = fn(&PolicyProblem) -> bool;

    #[test]
    fn every_broken_rule_names_its_line() {
        let log_key = log().verifier_key().to_string();
        let w1 = witness(1).witness_key().to_string();
        let w2 = witness(2).witness_key().to_string();
        let same_key_other_name = CosignerKey::from_seed("other.example/w", &[11; 32])
            .unwrap()
            .witness_key()
            .to_string();
        let cases: Vec<(String, usize, IsProblem)> = vec![
            (format!("log {log_key}\n"), 2, |p| {
                *p == PolicyProblem::NoQuorum
            }),
            (format!("log {log_key}\r\nquorum none\n"), 1, |p| {
                *p == PolicyProblem::ControlCharacter(b'\r')
            }),
            ("logs x\nquorum none".into(), 1, |p| {
                matches!(p, PolicyProblem::UnknownKeyword(_))
            }),
            (format!("log {log_key} u extra\nquorum none"), 1, |p| {
                matches!(p, PolicyProblem::WrongItems { keyword: "log", .. })
            }),
            (
                format!("log {log_key}\nlog {log_key}\nquorum none"),
                2,
                |p| *p == PolicyProblem::DuplicateLog,
            ),
            (format!("log {w1}\nquorum none"), 1, |p| {
                matches!(p, PolicyProblem::LogKey(_))
            }),
            (format!("witness A {log_key}\nquorum none"), 1, |p| {
                matches!(p, PolicyProblem::WitnessKey(_))
            }),
            (
                format!("witness A {w1}\nwitness B {same_key_other_name}\nquorum A"),
                2,
                |p| *p == PolicyProblem::DuplicateWitness,
            ),
            (
                format!("witness A {w1}\nwitness A {w2}\nquorum A"),
                2,
                |p| matches!(p, PolicyProblem::DuplicateName(_)),
            ),
            (format!("witness A {w1}\ngroup A any A\nquorum A"), 2, |p| {
                matches!(p, PolicyProblem::DuplicateName(_))
            }),
            (format!("group G any A\nwitness A {w1}\nquorum G"), 1, |p| {
                matches!(p, PolicyProblem::UndefinedName(_))
            }),
            (
                format!("witness A {w1}\ngroup G any A A\nquorum G"),
                2,
                |p| matches!(p, PolicyProblem::RepeatedMember(_)),
            ),
            (
                format!("witness A {w1}\ngroup G any A none\nquorum G"),
                2,
                |p| *p == PolicyProblem::NoneInGroup,
            ),
            (format!("witness none {w1}\nquorum none"), 1, |p| {
                *p == PolicyProblem::NoneInGroup
            }),
            (format!("witness A {w1}\ngroup G any\nquorum G"), 2, |p| {
                matches!(
                    p,
                    PolicyProblem::WrongItems {
                        keyword: "group",
                        ..
                    }
                )
            }),
            (
                format!("witness A {w1}\nwitness B {w2}\ngroup G 3 A B\nquorum G"),
                3,
                |p| matches!(p, PolicyProblem::InvalidThreshold { .. }),
            ),
            (format!("witness A {w1}\ngroup G 0 A\nquorum G"), 2, |p| {
                matches!(p, PolicyProblem::InvalidThreshold { .. })
            }),
            (format!("witness A {w1}\ngroup G +1 A\nquorum G"), 2, |p| {
                matches!(p, PolicyProblem::InvalidThreshold { .. })
            }),
            ("quorum none\nquorum none".into(), 2, |p| {
                *p == PolicyProblem::SecondQuorum
            }),
            ("quorum X".into(), 1, |p| {
                matches!(p, PolicyProblem::UndefinedName(_))
            }),
            ("quorum".into(), 1, |p| {
                matches!(
                    p,
                    PolicyProblem::WrongItems {
                        keyword: "quorum",
                        ..
                    }
                )
            }),
        ];
        for (text, line, is) in cases {
            let error = Policy::parse(&text).expect_err(&text);
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(is(&error.problem), "{text:?}: {error}");
        }
    }

    #[test]
    fn only_ascii_space_and_tab_separate_items() {
        // U+3000 is whitespace to Rust but not to the spec: the key then does not read.
        let text = format!("log\u{3000}{}\nquorum none", log().verifier_key());
        assert!(matches!(
            Policy::parse(&text),
            Err(PolicyError {
                line: 1,
                problem: PolicyProblem::UnknownKeyword(_)
            })
        ));
    }
}
