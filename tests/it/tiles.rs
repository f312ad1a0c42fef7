//! `htx-ledger export --tiles`: the log as C2SP tlog-tiles files, from the stored tree. A
//! second implementation (the `tlog_tiles` crate, a port of Go's x/mod/sumdb/tlog) reads them
//! and gets the signed roots and the very inclusion and consistency proofs the service
//! serves; entry bundles hold the stored bytes; the partial tiles of every signed size exist;
//! an export into a copy of another history is refused.

use std::path::{Path, PathBuf};

use store::{checkpoint, tree};
use tlog::Hash;
use tlog::tiles::{Tile, decode_bundle};

use crate::support::backends::{TestLedger, test_clock};
use crate::support::cli::htx_ledger;
use crate::support::keys::ring;

async fn append(ledger: &TestLedger, from: u64, count: u64) {
    ledger.append_tallies("57006000", 7, from, count).await;
}

/// Tiles read from the exported folder, as another tool would.
struct Files(PathBuf);

impl tlog_tiles::TileReader for Files {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                // Theirs name the height: `tile/8/<L>/<N>`; the spec's paths do not.
                let path = self_path(&t.path());
                std::fs::read(self.0.join(&path))
                    .map_err(|_| tlog_tiles::Error::InvalidInput(format!("no file {path}")))
            })
            .collect()
    }

    fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
}

fn self_path(theirs: &str) -> String {
    theirs.replacen("tile/8/", "tile/", 1)
}

fn theirs(hash: Hash) -> tlog_tiles::Hash {
    tlog_tiles::Hash(*hash.as_bytes())
}

fn ours(hashes: &[tlog_tiles::Hash]) -> Vec<Hash> {
    hashes.iter().map(|h| Hash::from_bytes(h.0)).collect()
}

fn export(url: &str, dir: &Path) -> (i32, String) {
    htx_ledger(url, None, &["export", "--tiles", dir.to_str().unwrap()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_tiles_give_the_signed_roots_and_the_services_proofs() {
    let ledger = TestLedger::sqlite().await;
    let db = ledger.ledger.database();
    let (keys, clock) = (ring(1), test_clock());
    append(&ledger, 0, 300).await;
    let first = checkpoint::create(db, &keys, clock.as_ref())
        .await
        .unwrap()
        .checkpoint;
    append(&ledger, 300, 400).await;
    let second = checkpoint::create(db, &keys, clock.as_ref())
        .await
        .unwrap()
        .checkpoint;
    assert_eq!((first.size, second.size), (300, 700));

    let dir = tempfile::tempdir().unwrap();
    let (code, output) = export(&ledger.url, dir.path());
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("at the checkpoint of size 700"), "{output}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("checkpoint")).unwrap(),
        second.note
    );
    // The partial tiles of both signed sizes, and the full ones.
    for path in [
        "tile/0/000",
        "tile/0/001",
        "tile/0/001.p/44",
        "tile/0/002.p/188",
        "tile/1/000.p/1",
        "tile/1/000.p/2",
        "tile/entries/000",
        "tile/entries/001.p/44",
        "tile/entries/002.p/188",
    ] {
        assert!(dir.path().join(path).is_file(), "{path} is written");
    }

    let files = Files(dir.path().to_path_buf());
    for signed in [&first, &second] {
        let size = signed.size;
        let hashes = tlog_tiles::TileHashReader::new(size, theirs(signed.root), &files);
        let root = tlog_tiles::tree_hash(size, &hashes).expect("the root from the tiles");
        assert_eq!(
            Hash::from_bytes(root.0),
            signed.root,
            "the signed root at {size}"
        );
        for index in [0, 1, 255, 256, size / 2, size - 1] {
            let proof = tlog_tiles::prove_record(size, index, &hashes).expect("a record proof");
            assert_eq!(
                ours(&proof),
                tree::inclusion_proof(db, index, size).await.unwrap(),
                "inclusion of {index} in {size}"
            );
        }
    }
    let hashes = tlog_tiles::TileHashReader::new(700, theirs(second.root), &files);
    for old in [1, 44, 256, 300, 699] {
        let proof = tlog_tiles::prove_tree(700, old, &hashes).expect("a tree proof");
        assert_eq!(
            ours(&proof),
            tree::consistency_proof(db, old, 700).await.unwrap(),
            "consistency {old} → 700"
        );
    }

    // Entry bundles hold the stored entries' bytes, in order.
    let mut exported = Vec::new();
    store::export::export_jsonl(db, &mut exported, |_| {})
        .await
        .unwrap();
    let lines: Vec<&[u8]> = exported
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut bundled = Vec::new();
    for path in [
        "tile/entries/000",
        "tile/entries/001",
        "tile/entries/002.p/188",
    ] {
        let bytes = std::fs::read(dir.path().join(path)).unwrap();
        let tile = Tile::parse(path).unwrap();
        let entries: Vec<Vec<u8>> = decode_bundle(&bytes)
            .unwrap()
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        assert_eq!(entries.len(), usize::from(tile.width), "{path}");
        bundled.extend(entries);
    }
    assert_eq!(bundled.len(), 700);
    assert!(bundled.iter().zip(&lines).all(|(a, b)| a.as_slice() == *b));

    // Exporting again into the same folder changes nothing; a folder holding another
    // history's tile is refused.
    let (code, output) = export(&ledger.url, dir.path());
    assert_eq!(code, 0, "{output}");
    std::fs::write(dir.path().join("tile/0/000"), vec![0u8; 32 * 256]).unwrap();
    let (code, output) = export(&ledger.url, dir.path());
    assert_ne!(code, 0, "{output}");
    assert!(output.contains("another history"), "{output}");
}

#[tokio::test]
async fn a_log_with_no_signed_checkpoint_has_no_tiles_to_export() {
    let ledger = TestLedger::sqlite().await;
    append(&ledger, 0, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, output) = export(&ledger.url, dir.path());
    assert_ne!(code, 0, "{output}");
    assert!(output.contains("no signed checkpoint"), "{output}");
    assert!(!dir.path().join("checkpoint").exists());
}

/// The service serves under `/tlog/` the very files `export --tiles` writes: public level
/// tiles and checkpoint, entry bundles only to those who may read entries; immutable tiles
/// cached for a year, every answer open to any origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_serves_the_exported_tiles() {
    use domain::ledger::Role;
    use reqwest::Method;

    use crate::support::server::TestServer;

    let server = TestServer::postgres().await;
    append(&server.test, 0, 300).await;
    server.sign_checkpoint().await;
    let size = store::read_head(server.test.ledger.database())
        .await
        .unwrap()
        .size;
    let dir = tempfile::tempdir().unwrap();
    let (code, output) = export(&server.test.url, dir.path());
    assert_eq!(code, 0, "{output}");

    let served = server
        .request(Method::GET, None, "/tlog/checkpoint")
        .send()
        .await
        .unwrap();
    assert_eq!(served.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        served.text().await.unwrap(),
        std::fs::read_to_string(dir.path().join("checkpoint")).unwrap()
    );
    for tile in tlog::tiles::tiles_of(size) {
        let path = tile.path();
        let role = matches!(tile.kind, tlog::tiles::TileKind::Entries).then_some(Role::Auditor);
        let response = server
            .request(Method::GET, role, &format!("/tlog/{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        assert_eq!(
            headers["content-type"], "application/octet-stream",
            "{path}"
        );
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers["access-control-allow-origin"], "*");
        let bytes = response.bytes().await.unwrap();
        assert_eq!(
            bytes.as_ref(),
            std::fs::read(dir.path().join(&path)).unwrap(),
            "{path}"
        );
    }
    // Entry bundles name people: not public, and not for every role.
    let bundle = "/tlog/tile/entries/000.p/1";
    for (role, status) in [
        (None, 401),
        (Some(Role::Dashboard), 403),
        (Some(Role::Inspector), 200),
    ] {
        let response = server
            .request(Method::GET, role, bundle)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{role:?}");
    }
    // A tile the log does not hold yet, and a path that names no tile.
    for path in [
        format!("/tlog/tile/0/000.p/{}", size + 1),
        "/tlog/tile/0/x1".to_string(),
    ] {
        let response = server
            .request(Method::GET, None, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    server.stop().await;
}

/// `serve --public-entries`: an operator who decided to publish the entries serves their
/// bundles to anyone; level tiles stay as they are, and the other routes keep their roles.
#[tokio::test]
async fn entry_bundles_are_public_only_when_the_operator_says_so() {
    use reqwest::Method;

    use crate::support::backends::TestLedger;
    use crate::support::server::Prepared;

    let mut options = api::http::ServeOptions::local(std::time::Duration::from_millis(100));
    options.public_entries = true;
    let server = Prepared::new(TestLedger::sqlite().await)
        .await
        .serve(options)
        .await;
    append(&server.test, 0, 3).await;
    server.sign_checkpoint().await;
    let size = store::read_head(server.test.ledger.database())
        .await
        .unwrap()
        .size;
    let bundle = format!(
        "/tlog/{}",
        tlog::tiles::tiles_of(size)
            .into_iter()
            .find(|t| matches!(t.kind, tlog::tiles::TileKind::Entries))
            .unwrap()
            .path()
    );
    let response = server
        .request(Method::GET, None, &bundle)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{bundle}");
    let entries = server
        .request(Method::GET, None, "/api/v1/ledger/entries")
        .send()
        .await
        .unwrap();
    assert_eq!(entries.status(), 401, "the other routes keep their roles");
    server.stop().await;
}
