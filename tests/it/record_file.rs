//! `htx-ledger record --file COMMANDS.jsonl --as USER`: the file recorded as one batch; a bad
//! line (not JSON, no such command, a refusal by a rule) is named by its line number and
//! nothing is written; the same file recorded again writes nothing.

use domain::ledger::Role;
use programme::Programme;
use serde_json::json;

use crate::support::backends::TestLedger;
use crate::support::cli::htx_ledger;
use crate::support::programme::*;
use crate::support::server::{add_person, registration_json};

fn membership_line(code: &str, date: &str, official: u32) -> String {
    json!({"collection": "cooperatives", "id": code, "action": "record-membership", "body": {
        "effective_date": date,
        "members": {"official": official, "associate": 0, "member_cooperatives": 0}
    }})
    .to_string()
}

fn registration_line(code: &str) -> String {
    json!({"collection": "cooperatives", "id": code, "action": "register",
        "body": registration_json(code, "HTX Chuyển Đổi")})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_recorded_whole_bad_lines_are_named_and_a_second_run_writes_nothing() {
    let test = TestLedger::sqlite().await;
    let p = Programme::new(test.ledger.clone());
    seed_units(&p).await;
    add_person(&p, "can.bo.chuyen.doi", Role::Clerk, "htx_test-record").await;
    let before = head_size(&p.ledger).await;
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (code(1), code(2));
    let good = [
        registration_line(one.as_str()),
        membership_line(one.as_str(), "2017-10-01", 9),
        String::new(),
        registration_line(two.as_str()),
        membership_line(two.as_str(), "2017-10-02", 8),
    ]
    .join("\n");
    let run = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let file = path.display().to_string();
        htx_ledger(
            &test.url,
            None,
            &["record", "--file", &file, "--as", "can.bo.chuyen.doi"],
        )
    };

    // Line 4 is not JSON: named, nothing written.
    let not_json = [
        good.lines().take(3).collect::<Vec<_>>().join("\n"),
        "{oops".into(),
    ]
    .join("\n");
    let (code_, out) = run("not-json.jsonl", &not_json);
    assert_eq!(code_, 1, "{out}");
    assert!(out.contains("line 4"), "{out}");
    // Line 2 records members of a cooperative not registered: refused by a rule, named.
    let refused = [
        registration_line(two.as_str()),
        membership_line(one.as_str(), "2017-10-01", 9),
    ]
    .join("\n");
    let (code_, out) = run("refused.jsonl", &refused);
    assert_eq!(code_, 1, "{out}");
    assert!(out.contains("line 2"), "{out}");
    assert!(out.contains("REG-"), "names the rule: {out}");
    // No such command on line 1.
    let unknown =
        json!({"collection": "cooperatives", "id": one.as_str(), "action": "fly", "body": {}})
            .to_string();
    let (code_, out) = run("unknown.jsonl", &unknown);
    assert_eq!(code_, 1, "{out}");
    assert!(out.contains("line 1"), "{out}");
    assert_eq!(
        head_size(&p.ledger).await,
        before,
        "nothing written by a refused file"
    );
    // A person the ledger does not know.
    let path = dir.path().join("good.jsonl");
    std::fs::write(&path, &good).unwrap();
    let (code_, out) = htx_ledger(
        &test.url,
        None,
        &[
            "record",
            "--file",
            &path.display().to_string(),
            "--as",
            "nobody",
        ],
    );
    assert_eq!(code_, 1, "{out}");

    // The good file: four commands, one commit; again: nothing to do.
    let (code_, out) = run("good.jsonl", &good);
    assert_eq!(code_, 0, "{out}");
    assert!(out.contains("4 bút toán (entries) từ 4 lệnh"), "{out}");
    assert_eq!(head_size(&p.ledger).await, before + 4);
    let (code_, out) = run("good.jsonl", &good);
    assert_eq!(code_, 0, "{out}");
    assert!(out.contains("nothing to do"), "{out}");
    assert_eq!(head_size(&p.ledger).await, before + 4);
}
