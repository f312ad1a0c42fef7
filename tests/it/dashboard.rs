//! The dashboard (issue 8) end to end, in headless Chromium driven by chromedriver, against
//! the service on a PostgreSQL ledger loaded with the demo scenario: signing in (and a wrong
//! token refused), the plan-progress figures read from the page equal the API's, switching
//! the language, the registry as of 31/12/2017, a cooperative's history, a proof downloaded
//! from the page that `htx-ledger verify-proof` accepts, what a clerk may not see, signing
//! out. Screenshots of the main pages go to `target/e2e-screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them): without them
//! the test fails and says so.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use domain::ledger::Role;
use fantoccini::{Client, ClientBuilder, Locator};
use scenario::{self, Options};
use serde_json::{Value, json};

use crate::support::backends::TestLedger;
use crate::support::cli::htx_ledger;
use crate::support::server::TestServer;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The demo's scale: small enough for a debug build, every kind of event still there.
const SCALE: f64 = 0.3;

/// chromedriver on a free port, stopped on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Driver {
    for program in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(program).exists(),
            "{program} is missing: the dashboard's end-to-end test needs Debian's chromium and \
             chromium-driver (apt-get install -y chromium chromium-driver; .ci/run does it)"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    let driver = Driver { child, url };
    let started = Instant::now();
    loop {
        if let Ok(answer) = reqwest::get(format!("{}/status", driver.url)).await
            && answer.status().is_success()
        {
            return driver;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "chromedriver does not answer"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Headless Chromium, downloading into `downloads`.
async fn browser(driver: &Driver, downloads: &Path) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,900",
                     "--lang=vi"],
            "prefs": {
                "download.default_directory": downloads.to_str().expect("a UTF-8 path"),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
            },
        }
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Waits until the page says `view` is completely drawn.
async fn rendered(client: &Client, view: &str) {
    let started = Instant::now();
    loop {
        let state = client
            .execute(
                "return [document.body.dataset.rendered, document.body.dataset.view]",
                vec![],
            )
            .await
            .expect("run a script");
        if state == json!(["1", view]) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the page did not render {view}: {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("its text")
}

async fn script(client: &Client, code: &str) -> Value {
    client.execute(code, vec![]).await.expect("run a script")
}

async fn click(client: &Client, testid: &str) {
    client
        .find(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{testid}: {e}"))
        .click()
        .await
        .expect("click");
}

async fn type_into(client: &Client, testid: &str, value: &str) {
    let input = client
        .find(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{testid}: {e}"));
    input.clear().await.expect("clear");
    input.send_keys(value).await.expect("type");
}

/// "1.234.567 đ" → 1234567.
fn figure(text: &str) -> i64 {
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("not a figure: {text:?}"))
}

pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots")
}

async fn screenshot(client: &Client, name: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("save the screenshot");
}

async fn sign_in(client: &Client, token: &str) {
    type_into(client, "token", token).await;
    click(client, "signin").await;
}

async fn go(client: &Client, section: &str) {
    click(client, &format!("nav-{section}")).await;
    rendered(client, section).await;
}

/// Waits for a finished download named `name` in `dir`.
async fn downloaded(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{name} was not downloaded into {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    path
}

async fn api_json(server: &TestServer, role: Role, path: &str) -> Value {
    let response = server.get(role, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("JSON")
}

async fn demo_server() -> TestServer {
    let test = TestLedger::postgres_filled(|url| async move {
        let demo = scenario::open(&url).await.expect("open the demo ledger");
        let options = Options {
            seed: 1,
            scale: SCALE,
            until: None,
        };
        scenario::run(&demo, &options, |_| {})
            .await
            .expect("the demo scenario runs");
        demo.programme.ledger.database().close().await;
    })
    .await;
    let server = TestServer::start(test).await;
    let signed = server
        .post(Role::Admin, "/api/v1/ledger/checkpoint", json!({}))
        .await;
    assert_eq!(signed.status(), 201, "a checkpoint is signed");
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_chromium_shows_the_demo_as_the_api_does() {
    let driver = start_driver().await;
    let server = demo_server().await;
    let downloads = tempfile::tempdir().expect("a download folder");
    let client = browser(&driver, downloads.path()).await;

    // Signing in: a wrong token is refused on the page, the auditor's opens plan progress.
    client.goto(&format!("{}/", server.base)).await.unwrap();
    rendered(&client, "signin").await;
    assert_eq!(
        script(&client, "return document.documentElement.lang").await,
        "vi"
    );
    screenshot(&client, "01-sign-in").await;
    sign_in(&client, "htx_not-a-token").await;
    rendered(&client, "signin").await;
    assert!(!text(&client, "[data-testid=signin-error]").await.is_empty());
    sign_in(&client, &server.tokens[&Role::Auditor]).await;
    rendered(&client, "plan").await;
    assert!(text(&client, "[data-testid=who]").await.contains("auditor"));

    // Plan progress: the page's figures are the API's.
    let plan = api_json(
        &server,
        Role::Dashboard,
        "/api/v1/projections/plan_progress/plan_progress?unit=province",
    )
    .await;
    let measures = [
        "cooperatives_year_end",
        "new_registrations",
        "dissolved",
        "re_registrations",
        "training_classes",
        "training_funds_assigned",
    ];
    let mut compared = 0;
    for row in plan["rows"].as_array().unwrap() {
        let year = row["year"].as_i64().unwrap();
        for measure in measures {
            let shown = text(&client, &format!("[data-testid=plan-{year}-{measure}]")).await;
            assert_eq!(
                figure(&shown),
                row[measure].as_i64().unwrap(),
                "{year} {measure}: the page shows {shown}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 4 * measures.len(), "2017-2020 on the page");
    let money = text(&client, "[data-testid=plan-2018-training_funds_assigned]").await;
    assert!(money.ends_with(" đ") && money.contains('.'), "{money}");
    assert_eq!(
        figure(&text(&client, "[data-testid=plan-target-cooperatives_year_end]").await),
        542
    );
    let district = &api_json(
        &server,
        Role::Dashboard,
        "/api/v1/projections/plan_progress/plan_progress?year=2020&unit=205",
    )
    .await["rows"][0];
    assert_eq!(
        figure(&text(&client, "[data-testid=plan-2020-205-cooperatives_year_end]").await),
        district["cooperatives_year_end"].as_i64().unwrap()
    );
    screenshot(&client, "02-plan-progress").await;

    // The language: English on the switch, Vietnamese back.
    click(&client, "lang-switch").await;
    rendered(&client, "plan").await;
    assert_eq!(
        script(&client, "return document.documentElement.lang").await,
        "en"
    );
    assert_eq!(
        text(&client, "[data-testid=nav-plan]").await,
        "Plan progress"
    );
    screenshot(&client, "03-plan-progress-en").await;
    click(&client, "lang-switch").await;
    rendered(&client, "plan").await;
    assert_eq!(
        script(&client, "return document.documentElement.lang").await,
        "vi"
    );
    assert_eq!(
        text(&client, "[data-testid=nav-plan]").await,
        "Tiến độ kế hoạch"
    );

    // The registry, live, with a search that folds diacritics.
    go(&client, "registry").await;
    let live = api_json(
        &server,
        Role::Dashboard,
        "/api/v1/projections/registry/registry?limit=1",
    )
    .await;
    assert_eq!(
        figure(&text(&client, "[data-testid=registry-count]").await),
        live["total"].as_i64().unwrap()
    );
    screenshot(&client, "04-registry").await;
    type_into(&client, "registry-search", "quan ly cho").await;
    let names = script(
        &client,
        "return [...document.querySelectorAll('[data-testid=registry-row] td:nth-child(2)')].map(td => td.textContent)",
    )
    .await;
    let names = names.as_array().unwrap();
    assert!(!names.is_empty(), "no cooperative found for 'quan ly cho'");
    assert!(
        names
            .iter()
            .all(|n| n.as_str().unwrap().contains("Quản lý chợ")),
        "{names:?}"
    );
    // Emptied as a person does (WebDriver's clear sends no input event).
    script(
        &client,
        "const s = document.querySelector('[data-testid=registry-search]');
         s.value = ''; s.dispatchEvent(new Event('input'));",
    )
    .await;
    assert_eq!(
        figure(&text(&client, "[data-testid=registry-count]").await),
        live["total"].as_i64().unwrap()
    );
    // The sector filter reads the registry's `sector` column: only Thủy sản rows, some.
    script(
        &client,
        "const s = document.querySelector('[data-testid=filter-sector]');
         s.value = 'fishing'; s.dispatchEvent(new Event('change'));",
    )
    .await;
    let sectors = script(
        &client,
        "return [...document.querySelectorAll('[data-testid=registry-row] td:nth-child(5)')].map(td => td.textContent)",
    )
    .await;
    let sectors = sectors.as_array().unwrap();
    assert!(!sectors.is_empty(), "no cooperative of the fishing sector");
    assert!(
        sectors.iter().all(|s| s.as_str().unwrap() == "Thủy sản"),
        "{sectors:?}"
    );
    let fishing = figure(&text(&client, "[data-testid=registry-count]").await);
    assert!(fishing > 0 && fishing < live["total"].as_i64().unwrap());
    script(
        &client,
        "const s = document.querySelector('[data-testid=filter-sector]');
         s.value = ''; s.dispatchEvent(new Event('change'));",
    )
    .await;
    assert_eq!(
        figure(&text(&client, "[data-testid=registry-count]").await),
        live["total"].as_i64().unwrap()
    );

    // As of 31/12/2017: the 2017 registry.
    type_into(&client, "asof-input", "31/12/2017").await;
    click(&client, "asof-apply").await;
    rendered(&client, "registry").await;
    assert!(
        text(&client, "[data-testid=state-banner]")
            .await
            .contains("31/12/2017")
    );
    assert_eq!(
        script(
            &client,
            "return document.querySelector('[data-testid=page-state]').dataset.state"
        )
        .await,
        "as_of_date=2017-12-31"
    );
    let in_2017 = api_json(
        &server,
        Role::Dashboard,
        "/api/v1/projections/registry/registry?limit=1&as_of_date=2017-12-31",
    )
    .await;
    let shown_2017 = figure(&text(&client, "[data-testid=registry-count]").await);
    assert_eq!(shown_2017, in_2017["total"].as_i64().unwrap());
    assert!(shown_2017 < live["total"].as_i64().unwrap());
    let dates = script(
        &client,
        "return [...document.querySelectorAll('[data-testid=registered-on]')].map(td => td.textContent)",
    )
    .await;
    for date in dates.as_array().unwrap() {
        let year: i32 = date.as_str().unwrap()[6..].parse().unwrap();
        assert!(year <= 2017, "registered {date} in the 2017 registry");
    }
    screenshot(&client, "05-registry-as-of-2017-12-31").await;

    // A cooperative's history, entry by entry, as in the log.
    let code = text(&client, "[data-testid=coop-link]").await;
    click(&client, "coop-link").await;
    rendered(&client, "coop").await;
    let history = api_json(
        &server,
        Role::Dashboard,
        &format!("/api/v1/cooperatives/{code}/history"),
    )
    .await;
    let entries = history["entries"].as_array().unwrap();
    let rows = script(
        &client,
        "return [...document.querySelectorAll('[data-testid=history-row]')].map(r => Number(r.dataset.position))",
    )
    .await;
    let positions: Vec<Value> = entries.iter().map(|e| e["position"].clone()).collect();
    assert_eq!(rows.as_array().unwrap(), &positions);
    assert!(
        text(&client, "[data-testid=coop-title]")
            .await
            .contains(&code)
    );
    screenshot(&client, "06-cooperative-history").await;

    // Back to the live state; the money pages.
    click(&client, "asof-clear").await;
    rendered(&client, "coop").await;
    go(&client, "dissolution").await;
    screenshot(&client, "07-dissolution").await;
    go(&client, "balances").await;
    assert!(
        !text(&client, "[data-testid=state-banner]")
            .await
            .contains("31/12/2017")
    );
    let estimate = text(&client, "[data-testid=balance-total-estimate]").await;
    assert!(estimate.ends_with(" đ"), "{estimate}");
    screenshot(&client, "08-balances").await;
    go(&client, "findings").await;
    screenshot(&client, "09-findings").await;

    // Integrity: run a verification, then download a proof and check it offline.
    go(&client, "integrity").await;
    // Served without a policy: the page says the checkpoints carry the log's signature only.
    assert_eq!(
        script(
            &client,
            "return document.querySelector('[data-testid=witnessed-size]').dataset.value",
        )
        .await,
        "no-policy"
    );
    click(&client, "run-verification").await;
    let started = Instant::now();
    while script(
        &client,
        "return document.querySelector('[data-testid=verification-result]').dataset.value",
    )
    .await
        != "intact"
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no verification"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let last = api_json(&server, Role::Clerk, "/api/v1/ledger/verification").await;
    assert_eq!(last["intact"], true);
    let position = positions[0].as_u64().unwrap();
    type_into(&client, "proof-position", &position.to_string()).await;
    click(&client, "proof-download").await;
    let proof = downloaded(downloads.path(), &format!("entry-{position}.tlog-proof")).await;
    click(&client, "entry-download").await;
    let entry = downloaded(downloads.path(), &format!("entry-{position}.json")).await;
    screenshot(&client, "10-integrity").await;
    // Let Chromium finish writing the files.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, output) = htx_ledger(
        "sqlite://unused",
        None,
        &[
            "verify-proof",
            proof.to_str().unwrap(),
            "--vkey",
            server.vkey.to_str().unwrap(),
            "--entry",
            entry.to_str().unwrap(),
        ],
    );
    assert_eq!(status, 0, "{output}");
    assert!(
        output.contains(&format!("VALID: entry {position}")),
        "{output}"
    );

    // Signing out forgets the token; a clerk sees only the registry side.
    click(&client, "signout").await;
    rendered(&client, "signin").await;
    assert_eq!(
        script(&client, "return sessionStorage.getItem('htx.token')").await,
        Value::Null
    );
    sign_in(&client, &server.tokens[&Role::Clerk]).await;
    rendered(&client, "plan").await;
    assert!(
        client
            .find(Locator::Css("[data-testid=nav-balances]"))
            .await
            .is_err(),
        "a clerk is offered the balances"
    );
    client
        .goto(&format!("{}/#/balances", server.base))
        .await
        .unwrap();
    rendered(&client, "error").await;
    assert!(!text(&client, "[data-testid=forbidden]").await.is_empty());

    client.close().await.expect("close the browser");
    server.stop().await;
}
