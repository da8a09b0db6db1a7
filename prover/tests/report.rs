//! `bondproof report`: a history of seven real attestations (coverage varying, one epoch under
//! another policy), made here, rendered into the site and loaded in headless Chromium: no
//! console error, one point per epoch, the latest verified; a tampered bundle stays in the
//! history as failed; the HTML parses without errors; labels the proof does not bind are
//! escaped and marked unverified; the confidential page exists only with `--private`, outside
//! the site; the verifying key's setup must be named, as for `verify`.
//!
//! Chromium is required: `apt-get update && apt-get install -y chromium` (see `browser`).
//! `cargo test -p bondproof-prover --test report readme_screenshot -- --ignored` regenerates the
//! README's screenshot, docs/report.png.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bondproof_prover::attestation::{prove_attestation, ProveRequest};
use bondproof_prover::commitment::commit;
use bondproof_prover::ingest::{aggregate_by_cusip, load_holdings};
use chrono::NaiveDate;
use serde_json::Value;

mod browser;
mod common;

use browser::Browser;

const CUSTODIAN: [u8; 20] = [0x42; 20];
/// (liabilities per mille of the fixture's, proved ratio in bps, policy preset): epoch i+1.
const EPOCHS: [(u128, u32, &str); 7] = [
    (980, 10_000, "par"),
    (990, 10_050, "par"),
    (1000, 10_100, "par"),
    (970, 10_030, "par"),
    (995, 10_080, "par"),
    (1000, 10_000, "money-fund-sec"),
    (985, 10_020, "par"),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

struct History {
    /// `epoch-N.json` for N = 1..=7, and nothing else.
    attestations: PathBuf,
    vk: PathBuf,
    /// The commitment of each epoch (custodian-private), index N - 1.
    commitments: Vec<PathBuf>,
    /// Every CUSIP in the holdings: none may appear on the public site.
    cusips: Vec<String>,
}

/// The money-fund fixtures as of 2026-12-06 + i, with their token supplies scaled and the ratio
/// varied per epoch; epoch 6 under the money-fund-sec policy, the others under par.
fn build_history(root: &Path) -> History {
    let holdings_path = fixtures().join("money-fund/holdings.csv");
    let liabilities: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("money-fund/liabilities.json")).unwrap())
            .unwrap();
    let work = root.join("work");
    let attestations = root.join("attestations");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&attestations).unwrap();
    let mut commitments = Vec::new();
    let mut cusips = Vec::new();
    for (i, (per_mille, ratio, policy)) in EPOCHS.iter().enumerate() {
        let epoch = i as u64 + 1;
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap() + chrono::Days::new(i as u64);
        let positions = load_holdings(&holdings_path, as_of).unwrap();
        let holdings = aggregate_by_cusip(&positions, &holdings_path).unwrap();
        cusips = holdings.iter().map(|h| h.cusip.to_string()).collect();
        let (c, _, _) = commit(&holdings, epoch, as_of, None, &holdings_path).unwrap();
        let commitment = work.join(format!("commitment-{epoch}.json"));
        c.write(&commitment).unwrap();
        let mut l = liabilities.clone();
        for d in l["deployments"].as_array_mut().unwrap() {
            let supply: u128 = d["total_supply"].as_str().unwrap().parse().unwrap();
            d["total_supply"] = Value::String((supply * per_mille / 1000).to_string());
        }
        let liabilities_path = work.join(format!("liabilities-{epoch}.json"));
        std::fs::write(&liabilities_path, serde_json::to_vec_pretty(&l).unwrap()).unwrap();
        let policy_path = fixtures().join(format!("policies/{policy}.json"));
        let out = work.join(format!("epoch-{epoch}.json"));
        let req = ProveRequest {
            commitment: &commitment,
            liabilities: &liabilities_path,
            params: common::shared_params(),
            out: &out,
            ratio_bps: Some(*ratio),
            policy: Some(&policy_path),
            custodian: CUSTODIAN,
            custodian_label: Some("Example Custodian Trust".into()),
            transcript: bondproof_verifier::bundle::Transcript::Keccak,
        };
        prove_attestation(&req, &|_| {}).unwrap_or_else(|e| panic!("epoch {epoch}: {e}"));
        std::fs::copy(&out, attestations.join(format!("epoch-{epoch}.json"))).unwrap();
        commitments.push(commitment);
    }
    History { attestations, vk: work.join("epoch-7.vk.bin"), commitments, cusips }
}

/// One history for every test of this binary (proving is the slow part).
fn history() -> &'static History {
    static H: OnceLock<History> = OnceLock::new();
    H.get_or_init(|| {
        let root = tempfile::Builder::new().prefix("report-history-").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        build_history(&root.keep())
    })
}

/// A copy of the history's bundles in a fresh folder, to tamper with.
fn copy_attestations(to: &Path) -> PathBuf {
    let dir = to.join("attestations");
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(&history().attestations).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir
}

fn edit_bundle(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `bondproof report` with the history's key and an unchecked setup, plus `extra`.
fn report(dir: &Path, attestations: &Path, out: &Path, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "report",
        "--attestations",
        s(attestations),
        "--vk",
        s(&history().vk),
        "--allow-unchecked-setup",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    common::bondproof(dir, &args)
}

fn count(b: &mut Browser, selector: &str) -> u64 {
    b.eval(&format!("document.querySelectorAll({}).length", Value::String(selector.into()))).as_u64().unwrap()
}

fn text(b: &mut Browser, selector: &str) -> String {
    b.eval(&format!("document.querySelector({}).textContent", Value::String(selector.into())))
        .as_str()
        .unwrap_or_else(|| panic!("no element {selector}"))
        .to_string()
}

fn html_errors(html: &str) -> Vec<String> {
    scraper::Html::parse_document(html).errors.iter().map(|e| e.to_string()).collect()
}

#[test]
fn the_site_renders_in_chromium_with_a_point_per_epoch_and_the_latest_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let run = report(tmp.path(), &history().attestations, &site, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(run.stdout.contains("7 attestations, 7 verified, 0 failed"), "{}", run.describe());

    let mut b = Browser::launch();
    b.viewport(1200, 900, "screen");
    b.open(&site.join("index.html"));
    assert!(b.errors.is_empty(), "the page logged errors: {:?}", b.errors);
    assert_eq!(count(&mut b, "#chart-reserves circle.pt-reserves"), 7);
    assert_eq!(count(&mut b, "#chart-reserves circle.pt-liabilities"), 7);
    assert_eq!(count(&mut b, "#chart-coverage circle.pt-coverage"), 7);
    assert_eq!(count(&mut b, "#chart-supply g.bar"), 7);
    assert_eq!(count(&mut b, ".failed-mark"), 0);
    assert_eq!(count(&mut b, "#history-table tbody tr[data-status=verified]"), 7);
    assert_eq!(text(&mut b, "#latest-status"), "Verified");
    assert_eq!(b.eval("document.querySelector('#latest-status').dataset.status"), "verified");
    // The points follow the proved ratios: epoch 3 (101.00%) highest, epochs 1 and 6 lowest.
    let ys =
        b.eval("[...document.querySelectorAll('#chart-coverage circle.pt-coverage')].map(c => +c.getAttribute('cy'))");
    let ys: Vec<f64> = ys.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let highest = ys.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(ys[2], highest, "{ys:?}");
    assert_eq!(ys[0], ys[5]);
    // One epoch under another policy: the page shows the change.
    assert_eq!(count(&mut b, "#policy-history tbody tr"), 3);
    // No script, and nothing loaded from anywhere: the page is static.
    assert_eq!(count(&mut b, "script"), 0);
    assert_eq!(b.eval("performance.getEntriesByType('resource').length"), 0, "the page loaded a resource");
    // Every chart has its table.
    for chart in ["chart-reserves", "chart-coverage", "chart-supply"] {
        let table =
            b.eval(&format!("document.getElementById('{chart}').closest('figure').getAttribute('aria-describedby')"));
        let table = table.as_str().unwrap().to_string();
        assert_eq!(count(&mut b, &format!("table#{table}")), 1, "{chart} -> {table}");
    }
    let shot = tmp.path().join("report.png");
    b.screenshot(&shot, 1200, None);
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "screenshot of {} bytes", png.len());

    // A narrow window: nothing but the tables' own scroll boxes is wider than the screen.
    b.viewport(360, 800, "screen");
    b.open(&site.join("index.html"));
    let width = b.eval("document.documentElement.scrollWidth").as_u64().unwrap();
    assert!(width <= 360, "the page is {width} px wide in a 360 px window");

    // Print: on A4 and Letter (12 mm margins) every chart fits the page's width and height.
    for (paper, w_in, h_in) in [("A4", 8.27, 11.69), ("Letter", 8.5, 11.0)] {
        let (w, h) = (((w_in - 2.0 * 12.0 / 25.4) * 96.0) as u32, ((h_in - 2.0 * 12.0 / 25.4) * 96.0) as u32);
        b.viewport(w, h, "print");
        b.open(&site.join("index.html"));
        let boxes = b.eval(
            "[...document.querySelectorAll('svg.chart')].map(s => { const r = s.getBoundingClientRect(); return [r.left, r.right, r.height]; })",
        );
        for r in boxes.as_array().unwrap() {
            let r: Vec<f64> = r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert!(r[0] >= 0.0 && r[1] <= f64::from(w) + 0.5, "{paper}: a chart spans {r:?}, page width {w}");
            assert!(r[2] <= f64::from(h), "{paper}: a chart is {} px high, page height {h}", r[2]);
        }
        let pdf = b.print_pdf(w_in, h_in);
        assert!(pdf.starts_with(b"%PDF"), "{paper}: not a PDF");
    }
    assert!(b.errors.is_empty(), "errors: {:?}", b.errors);
}

#[test]
fn a_tampered_bundle_reads_as_failed_and_stays_in_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let attestations = copy_attestations(tmp.path());
    // A claim of more coverage than was proved.
    edit_bundle(&attestations.join("epoch-3.json"), |v| v["public_inputs"]["ratio_bps"] = "10200".into());
    let site = tmp.path().join("site");
    let run = report(tmp.path(), &attestations, &site, &[]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.contains("epoch-3.json"), "{}", run.describe());
    assert!(run.stdout.contains("7 attestations, 6 verified, 1 failed"), "{}", run.describe());
    // Listed, not dropped: the bundle is published and in the machine-readable history.
    assert!(site.join("bundles/epoch-3.json").is_file());
    let json: Value = serde_json::from_str(&std::fs::read_to_string(site.join("attestations.json")).unwrap()).unwrap();
    let entries = json["attestations"].as_array().unwrap();
    assert_eq!(entries.len(), 7);
    assert_eq!(entries[2]["status"], "failed");
    assert_eq!(entries[2]["claimed_epoch_unverified"], 3);
    assert!(entries[2].get("proved").is_none());
    assert_eq!(json["summary"]["failed"], 1);

    let mut b = Browser::launch();
    b.viewport(1200, 900, "screen");
    b.open(&site.join("index.html"));
    assert!(b.errors.is_empty(), "the page logged errors: {:?}", b.errors);
    assert_eq!(count(&mut b, "#history-table tr[data-status=failed]"), 1);
    assert_eq!(b.eval("document.querySelector('#history-table tr[data-status=failed]').dataset.epoch"), "3");
    assert_eq!(text(&mut b, "#history-table tr[data-epoch='3'] td.status"), "Failed verification");
    assert_eq!(count(&mut b, "#chart-reserves circle.pt-reserves"), 6);
    assert_eq!(count(&mut b, "#chart-reserves circle.pt-reserves[data-epoch='3']"), 0);
    assert_eq!(count(&mut b, "#chart-reserves .failed-mark[data-epoch='3']"), 1);
    assert_eq!(count(&mut b, "#failed-summary"), 1);
    assert_eq!(text(&mut b, "#latest-status"), "Verified");
    b.screenshot(&tmp.path().join("tampered.png"), 1200, Some(2000));
}

#[test]
fn a_tampered_latest_bundle_makes_the_latest_status_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let attestations = copy_attestations(tmp.path());
    edit_bundle(&attestations.join("epoch-7.json"), |v| {
        let proof = v["proof"].as_str().unwrap().to_string();
        // One byte of the proof changed.
        let flipped = if &proof[10..12] == "00" { "01" } else { "00" };
        v["proof"] = format!("{}{flipped}{}", &proof[..10], &proof[12..]).into();
    });
    let site = tmp.path().join("site");
    let run = report(tmp.path(), &attestations, &site, &["--json"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    let answer: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(answer["ok"], false);
    assert_eq!(answer["latest"]["status"], "failed");
    assert_eq!(answer["latest"]["epoch"], 7);
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let status = doc.select(&scraper::Selector::parse("#latest-status").unwrap()).next().unwrap();
    assert_eq!(status.text().collect::<String>(), "Failed verification");
    assert_eq!(status.value().attr("data-status"), Some("failed"));
    // The last attestation that verifies is still shown, as such.
    assert!(html.contains("The most recent attestation that verifies: epoch 6"), "{html}");
}

#[test]
fn the_html_parses_without_errors_and_the_history_json_matches() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let run = report(
        tmp.path(),
        &history().attestations,
        &site,
        &["--private", "--commitment", s(&history().commitments[6])],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert_eq!(html_errors(&index), Vec::<String>::new(), "index.html");
    let private = std::fs::read_to_string(tmp.path().join("site-confidential.html")).unwrap();
    assert_eq!(html_errors(&private), Vec::<String>::new(), "site-confidential.html");
    // The parser does report errors (so an empty list means something).
    assert!(!html_errors("<!DOCTYPE html><html><body><p></div></body></html>").is_empty());

    let json: Value = serde_json::from_str(&std::fs::read_to_string(site.join("attestations.json")).unwrap()).unwrap();
    let entries = json["attestations"].as_array().unwrap();
    assert_eq!(entries.len(), 7);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["status"], "verified");
        assert_eq!(e["proved"]["epoch"], i as u64 + 1);
        assert_eq!(e["proved"]["ratio_bps"], EPOCHS[i].1);
        assert_eq!(e["unverified"]["policy"], EPOCHS[i].2);
    }
    assert_ne!(entries[5]["proved"]["registry_policy_id"], entries[4]["proved"]["registry_policy_id"]);
    assert_eq!(json["verifying_key"]["setup_check"]["checked_by"], "unchecked");
    let vk = std::fs::read(&history().vk).unwrap();
    assert_eq!(std::fs::read(site.join("attestation.vk.bin")).unwrap(), vk);
    assert_eq!(
        std::fs::read(site.join("bundles/epoch-1.json")).unwrap(),
        std::fs::read(history().attestations.join("epoch-1.json")).unwrap()
    );
}

#[test]
fn a_rebuilt_site_publishes_only_this_folders_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    let attestations = copy_attestations(tmp.path());
    let site = tmp.path().join("site");
    assert_eq!(report(tmp.path(), &attestations, &site, &[]).code, 0);
    assert!(site.join("bundles/epoch-2.json").exists());
    // Withdrawn from the folder: the next build neither lists nor publishes it.
    std::fs::remove_file(attestations.join("epoch-2.json")).unwrap();
    let run = report(tmp.path(), &attestations, &site, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(!site.join("bundles/epoch-2.json").exists(), "a stale bundle stays published");
    assert!(site.join("bundles/epoch-3.json").exists());
}

#[test]
fn the_confidential_page_is_written_only_with_private_and_never_in_the_site() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let confidential = tmp.path().join("site-confidential.html");
    let run = report(tmp.path(), &history().attestations, &site, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(!confidential.exists(), "written without --private");
    let public: Vec<(PathBuf, String)> = walk(&site);
    for (path, content) in &public {
        assert!(!content.contains("CONFIDENTIAL"), "{}", path.display());
        for cusip in &history().cusips {
            assert!(!content.contains(cusip.as_str()), "{} shows the private position {cusip}", path.display());
        }
    }

    // --commitment alone is refused (clap), and so is a confidential page inside the site.
    let run = report(tmp.path(), &history().attestations, &site, &["--commitment", s(&history().commitments[6])]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(!confidential.exists());
    let inside = site.join("desk.html");
    let run = report(
        tmp.path(),
        &history().attestations,
        &site,
        &["--private", "--commitment", s(&history().commitments[6]), "--private-out", s(&inside)],
    );
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("must not be written inside the public site"), "{}", run.describe());
    assert!(!inside.exists());
    // A commitment whose root is no verified attestation's: exit 2, nothing written.
    let other = tmp.path().join("other-commitment.json");
    let holdings_path = fixtures().join("money-fund/holdings.csv");
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
    let holdings = aggregate_by_cusip(&load_holdings(&holdings_path, as_of).unwrap(), &holdings_path).unwrap();
    commit(&holdings, 7, as_of, None, &holdings_path).unwrap().0.write(&other).unwrap();
    let run = report(
        tmp.path(),
        &history().attestations,
        &tmp.path().join("site2"),
        &["--private", "--commitment", s(&other)],
    );
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(
        run.stderr.contains("other-commitment.json") && run.stderr.contains("is not the root of any"),
        "{}",
        run.describe()
    );
    assert!(!tmp.path().join("site2").exists() && !tmp.path().join("site2-confidential.html").exists());

    // With --private: beside the site, owner-readable, marked, not linked.
    let run = report(
        tmp.path(),
        &history().attestations,
        &site,
        &["--private", "--commitment", s(&history().commitments[6])],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let page = std::fs::read_to_string(&confidential).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&confidential).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!std::fs::read_to_string(site.join("index.html")).unwrap().contains("confidential.html"));
    assert!(!walk(&site).iter().any(|(p, _)| p.to_string_lossy().contains("confidential")));

    let mut b = Browser::launch();
    for (media, width) in [("screen", 1200), ("screen", 360), ("print", 700)] {
        b.viewport(width, 900, media);
        b.open(&confidential);
        assert!(b.errors.is_empty(), "{media}: {:?}", b.errors);
        // The marking is fixed to the top of every screen (and, printed, of every page).
        assert!(text(&mut b, ".banner").starts_with("CONFIDENTIAL"));
        assert_eq!(b.eval("getComputedStyle(document.querySelector('.banner')).position"), "fixed", "{media}");
        b.eval("window.scrollTo(0, document.body.scrollHeight)");
        let top = b.eval("document.querySelector('.banner').getBoundingClientRect().top").as_f64().unwrap();
        assert_eq!(top, 0.0, "{media}: the banner scrolled away");
    }
    b.viewport(1200, 900, "screen");
    b.open(&confidential);
    // The positions nearest to maturity: the bill maturing on 2026-12-17 first, 5 days out.
    assert_eq!(text(&mut b, "#nearest-table tbody tr td code"), "912797VH7");
    assert_eq!(text(&mut b, "#nearest-table tbody tr td:nth-child(3)"), "5");
    // Ladder, haircut buckets (par: one), limits.
    assert_eq!(count(&mut b, "#chart-ladder g.bar"), 9);
    assert_eq!(count(&mut b, "#haircut-buckets tbody tr"), 1);
    assert!(text(&mut b, "#limits-table").contains("Weighted average maturity"));
    b.screenshot(&tmp.path().join("confidential.png"), 1200, None);
    assert!(page.contains("CONFIDENTIAL"));

    // Under the money-fund policy (epoch 6) the limits have headroom figures.
    let run = report(
        tmp.path(),
        &history().attestations,
        &site,
        &["--private", "--commitment", s(&history().commitments[5])],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let page = std::fs::read_to_string(&confidential).unwrap();
    assert!(page.contains("&le; 60 days") && page.contains("&ge; 50.00%"), "{page}");
    assert_eq!(html_errors(&page), Vec::<String>::new());
}

/// Every file under `dir`, with its content (lossy).
fn walk(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push((p.clone(), String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned()));
        }
    }
    out
}

#[test]
fn labels_the_proof_does_not_bind_are_escaped_and_marked_unverified() {
    let tmp = tempfile::tempdir().unwrap();
    let attestations = copy_attestations(tmp.path());
    let evil = "STRICT (150% minimum)<script>alert(1)</script><img src=x onerror=alert(2)>";
    edit_bundle(&attestations.join("epoch-7.json"), |v| {
        v["metadata"]["policy"] = evil.into();
        v["metadata"]["custodian"] = "<b>Trusted</b> \"Custodian\"".into();
    });
    let site = tmp.path().join("site");
    let run = report(tmp.path(), &attestations, &site, &[]);
    // The metadata is not bound: the proof still verifies.
    assert_eq!(run.code, 0, "{}", run.describe());
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert_eq!(html_errors(&html), Vec::<String>::new());
    let doc = scraper::Html::parse_document(&html);
    let sel = |q: &str| scraper::Selector::parse(q).unwrap();
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(doc.select(&sel("img")).count(), 0);
    assert_eq!(doc.select(&sel("b")).count(), 0);
    // Shown as text, beside the unverified marker; the proved ratio is the proof's.
    let policy_name = doc
        .select(&sel("#latest dl.facts dd"))
        .find(|dd| dd.text().collect::<String>().contains("STRICT"))
        .expect("the policy name is shown");
    assert!(policy_name.text().collect::<String>().contains(evil));
    assert_eq!(policy_name.select(&sel(".tag.unverified")).count(), 1);
    assert!(html.contains("100.20%") && !html.contains("150.00%"));

    let mut b = Browser::launch();
    b.open(&site.join("index.html"));
    assert!(b.errors.is_empty(), "{:?}", b.errors);
}

#[test]
fn the_key_s_setup_must_be_named_as_for_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let a = s(&history().attestations);
    let vk = s(&history().vk);
    let run = common::bondproof(tmp.path(), &["report", "--attestations", a, "--vk", vk, "--out", s(&site)]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.contains("--allow-unchecked-setup"), "{}", run.describe());
    assert!(!site.exists());
    let other = "ab".repeat(32);
    let run = common::bondproof(
        tmp.path(),
        &["report", "--attestations", a, "--vk", vk, "--setup-id", &other, "--out", s(&site)],
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(!site.exists());
    // The shared test parameters are the ceremony here: the key is rebuilt from them and the
    // circuit code, and the page tells readers to do the same.
    let srs = s(common::shared_params());
    let run =
        common::bondproof(tmp.path(), &["report", "--attestations", a, "--vk", vk, "--srs", srs, "--out", s(&site)]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    let name = common::shared_params().file_name().unwrap().to_str().unwrap();
    assert!(html.contains(&format!("bondproof keys --srs {name} --depth 3")), "{html}");
    assert!(html.contains(&format!("--vk attestation.vk.bin --srs {name}")));
    assert!(html.contains("byte-identical"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(site.join("attestations.json")).unwrap()).unwrap();
    assert_eq!(json["verifying_key"]["setup_check"]["checked_by"], "srs");
}

#[test]
fn bad_input_exits_2_naming_the_file_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let missing = tmp.path().join("no-such-folder");
    let run = report(tmp.path(), &missing, &site, &[]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("no-such-folder"), "{}", run.describe());
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = report(tmp.path(), &empty, &site, &[]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("empty") && run.stderr.contains("no attestation bundles"), "{}", run.describe());
    let attestations = copy_attestations(tmp.path());
    let run = report(tmp.path(), &attestations, &attestations, &[]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(!attestations.join("index.html").exists());
    assert!(!site.exists());
    // The custodian's commitment in the folder: refused (the folder's files are published).
    std::fs::copy(&history().commitments[6], attestations.join("commitment.json")).unwrap();
    let run = report(tmp.path(), &attestations, &site, &[]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("commitment.json") && run.stderr.contains("private commitment"), "{}", run.describe());
    assert!(!site.exists());
    std::fs::remove_file(attestations.join("commitment.json")).unwrap();
    // A file that is not a bundle is listed as failed, never skipped, and not published.
    std::fs::write(attestations.join("notes.json"), "{\"hello\": 1}").unwrap();
    let run = report(tmp.path(), &attestations, &site, &[]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stdout.contains("notes.json: not a proof bundle"), "{}", run.describe());
    assert!(site.join("bundles/epoch-1.json").is_file() && !site.join("bundles/notes.json").exists());
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("notes.json <span class=\"muted\">(not published"), "{index}");
}

#[test]
fn the_browser_check_does_see_console_errors() {
    // The harness itself: a page that logs an error and loads a missing file is caught, so an
    // empty error list above means a clean page, not a deaf listener.
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><title>t</title></head><body><script>console.error('boom')</script><img src=\"missing.png\"></body></html>",
    )
    .unwrap();
    let mut b = Browser::launch();
    b.open(&page);
    assert!(b.errors.iter().any(|e| e.contains("boom")), "{:?}", b.errors);
    assert!(b.errors.iter().any(|e| e.contains("missing.png")), "{:?}", b.errors);
}

/// Regenerates the README's screenshot, docs/report.png, from the money-fund fixtures' history:
/// `cargo test -p bondproof-prover --test report readme_screenshot -- --ignored`
#[test]
#[ignore = "writes docs/report.png; run it to regenerate the README screenshot"]
fn readme_screenshot() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let run = report(tmp.path(), &history().attestations, &site, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let mut b = Browser::launch();
    b.viewport(1100, 900, "screen");
    b.open(&site.join("index.html"));
    assert!(b.errors.is_empty(), "{:?}", b.errors);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/report.png");
    b.screenshot(&out, 1100, Some(2350));
    println!("wrote {}", out.display());
}

/// The time to build the report for a year of daily attestations: 365 real proofs (depth 2,
/// coverage varying), each verified while the site is built. Proving them takes minutes; they
/// are kept in cargo's temporary folder for later runs.
/// `cargo test --release -p bondproof-prover --test report a_year_of_daily_attestations -- --ignored --nocapture`
#[test]
#[ignore = "proves 365 attestations first; run it to measure the report's build time"]
fn a_year_of_daily_attestations() {
    use bondproof_prover::report::{build, ReportRequest, Trust};
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-year");
    let attestations = root.join("attestations");
    let work = root.join("work");
    std::fs::create_dir_all(&attestations).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let holdings_path = work.join("holdings.csv");
    std::fs::write(
        &holdings_path,
        "cusip,face_value_usd,maturity\n912810TW8,200000000.00,2043-11-15\n912810TJ7,150000000.00,2052-08-15\n\
         912810TT5,100000000.00,2053-08-15\n912810TV0,60000000.00,2053-11-15\n",
    )
    .unwrap();
    let liabilities = fixtures().join("money-fund/liabilities.json");
    let proving = std::time::Instant::now();
    for i in 0..365u64 {
        let epoch = i + 1;
        let bundle = attestations.join(format!("epoch-{epoch:03}.json"));
        if bundle.exists() {
            continue;
        }
        let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(i);
        let holdings = aggregate_by_cusip(&load_holdings(&holdings_path, as_of).unwrap(), &holdings_path).unwrap();
        let commitment = work.join("commitment.json");
        commit(&holdings, epoch, as_of, None, &holdings_path).unwrap().0.write(&commitment).unwrap();
        let out = work.join("attestation.json");
        let req = ProveRequest {
            commitment: &commitment,
            liabilities: &liabilities,
            params: common::shared_params(),
            out: &out,
            ratio_bps: Some(10_000 + (i as u32 * 37) % 180),
            policy: None,
            custodian: CUSTODIAN,
            custodian_label: None,
            transcript: bondproof_verifier::bundle::Transcript::Keccak,
        };
        prove_attestation(&req, &|_| {}).unwrap_or_else(|e| panic!("epoch {epoch}: {e}"));
        std::fs::rename(&out, &bundle).unwrap();
        std::fs::rename(work.join("attestation.vk.bin"), work.join("year.vk.bin")).unwrap();
    }
    println!("proving (what was missing): {:.1} s", proving.elapsed().as_secs_f64());
    let key = bondproof_verifier::VerifierKey::read(&work.join("year.vk.bin")).unwrap();
    let site = tempfile::tempdir().unwrap();
    let req = ReportRequest {
        attestations: &attestations,
        key: &key,
        trust: Trust::Unchecked,
        out: &site.path().join("site"),
        private: None,
    };
    let mut times = Vec::new();
    for _ in 0..3 {
        let outcome = build(&req).unwrap();
        assert_eq!((outcome.entries, outcome.verified), (365, 365));
        times.push(outcome.elapsed.as_secs_f64());
    }
    println!("report for 365 daily attestations, every one verified: {times:.2?} s (three runs)");
}
