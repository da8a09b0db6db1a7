//! The public page (`index.html`): the latest attestation and its verdict, the history charts
//! with their tables, the proved policy in plain words, and how to check every attestation
//! without trusting the page. Values a proof binds are shown as proved only when that proof
//! verified while the page was built; the bundles' labels are marked unverified.

use std::collections::BTreeMap;
use std::fmt::Write;

use bondproof_circuits::statement::{domain_kind, DomainKind};
use bondproof_circuits::{AttestationStatement, Fr};
use bondproof_verifier::bundle::{address_hex, fr_hex, Metadata};
use bondproof_verifier::VerifierKey;

use super::charts::{self, Band, Frame, Line, Stack, PALETTE};
use super::history::{latest, proven_minimum_cents, Entry, Outcome};
use super::page::{bps_pct, cents_f64, document, esc, href_path, usd_compact, PROVED, UNVERIFIED};
use super::policy_text;
use super::trust::{shell_word, Trust};
use crate::error::usd;
use crate::ingest::iso_day;

/// Everything the public page shows.
pub struct PublicPage<'a> {
    pub entries: &'a [Entry],
    pub key: &'a VerifierKey,
    pub trust: &'a Trust,
    /// When the page was built (RFC 3339), shown as such.
    pub generated_at: &'a str,
}

/// Names of a few chains by id: our own table, applied to the proved chain id (the bundle
/// names no chain).
fn chain_name(id: u64) -> Option<&'static str> {
    Some(match id {
        1 => "Ethereum",
        10 => "OP Mainnet",
        56 => "BNB Smart Chain",
        100 => "Gnosis",
        137 => "Polygon PoS",
        8453 => "Base",
        42161 => "Arbitrum One",
        43114 => "Avalanche C-Chain",
        11155111 => "Sepolia",
        _ => return None,
    })
}

fn short_address(a: &[u8; 20]) -> String {
    let h = address_hex(a);
    format!("{}\u{2026}{}", &h[..6], &h[h.len() - 4..])
}

/// What a proved domain says, decoded (no label involved).
pub fn domain_text(d: &Fr, short: bool) -> String {
    match domain_kind(d) {
        DomainKind::Unused => "unused slot".into(),
        DomainKind::Chain { chain_id, registry } => {
            let chain = chain_name(chain_id).map_or(format!("chain {chain_id}"), |n| format!("{n} (chain {chain_id})"));
            let reg = if short { short_address(&registry) } else { address_hex(&registry) };
            format!("{chain}, registry {reg}")
        }
        DomainKind::BookEntry { register } => format!("book-entry shares, register {register}"),
        DomainKind::Other => "unrecognised domain".into(),
    }
}

/// Stacking order: chains by id (then registry), then book entry, then anything else.
fn domain_order(d: &Fr) -> (u8, u64, [u8; 20]) {
    match domain_kind(d) {
        DomainKind::Chain { chain_id, registry } => (0, chain_id, registry),
        DomainKind::BookEntry { register } => (1, register, [0; 20]),
        DomainKind::Unused => (3, 0, [0; 20]),
        DomainKind::Other => (2, 0, bondproof_circuits::statement::fr_to_be_bytes(d)[12..].try_into().expect("20")),
    }
}

/// A link to the published bundle, or the bare name of a file that is not published.
fn file_link(e: &Entry) -> String {
    match e.bytes {
        Some(_) => format!("<a href=\"{}\">{}</a>", href_path("bundles/", &e.file), esc(&e.file)),
        None => format!("{} <span class=\"muted\">(not published: not an attestation bundle)</span>", esc(&e.file)),
    }
}

fn epoch_label(e: &Entry) -> String {
    e.epoch().map_or("?".into(), |n| n.to_string())
}

pub fn render(p: &PublicPage) -> String {
    let entries = p.entries;
    let last_verified: Option<(&Entry, &AttestationStatement, &Metadata)> =
        entries.iter().rev().find_map(|e| e.verified().map(|(s, m)| (e, s, m)));
    let verified = entries.iter().filter(|e| e.is_verified()).count();
    let failed = entries.len() - verified;
    let mut b = String::new();

    // Heading: the custodian's proved address, and its name as a label.
    let custodian = last_verified.map(|(_, s, m)| (address_hex(&s.custodian), m.custodian.clone()));
    let _ = writeln!(b, "<header>\n<h1>Proof of reserves: attestation history</h1>");
    match &custodian {
        Some((addr, label)) => {
            let _ = write!(b, "<p>Custodian <code>{}</code> {PROVED}", esc(addr));
            if let Some(l) = label {
                let _ = write!(b, " &middot; named &ldquo;{}&rdquo; {UNVERIFIED}", esc(l));
            }
            b.push_str("</p>\n");
        }
        None => b.push_str("<p class=\"alert\">No attestation in this history verifies.</p>\n"),
    }
    let _ = writeln!(
        b,
        "<p class=\"muted\">{} attestations: {verified} verified, {failed} failed. Every bundle was checked against \
         the verifying key below when this page was built ({}). Values marked {PROVED} are public inputs of a proof \
         that verified; values marked {UNVERIFIED} are labels the proof does not bind.</p>\n</header>",
        entries.len(),
        esc(p.generated_at)
    );
    if failed > 0 {
        let _ = writeln!(
            b,
            "<p class=\"alert\" id=\"failed-summary\"><strong>{failed} of {} attestations failed verification.</strong> \
             They are listed in the history below with the reason; no value of theirs is shown as proved.</p>",
            entries.len()
        );
    }
    duplicate_warning(&mut b, entries);

    latest_section(&mut b, entries, last_verified);
    charts_section(&mut b, entries);
    history_table(&mut b, entries);
    supply_table(&mut b, entries);
    if let Some((_, s, m)) = last_verified {
        policy_section(&mut b, entries, s, m);
    }
    check_section(&mut b, p, entries);
    what_is_proved(&mut b);
    let _ = writeln!(
        b,
        "<footer class=\"muted\"><p>Built by {} at {}.</p></footer>",
        esc(crate::attestation::PROVER),
        esc(p.generated_at)
    );
    document("Proof of reserves: attestation history", None, &b)
}

fn duplicate_warning(b: &mut String, entries: &[Entry]) {
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for e in entries.iter().filter_map(|e| e.verified()) {
        *seen.entry(e.0.epoch).or_default() += 1;
    }
    let dups: Vec<String> = seen.iter().filter(|(_, n)| **n > 1).map(|(e, _)| e.to_string()).collect();
    if !dups.is_empty() {
        let _ = writeln!(
            b,
            "<p class=\"warning\">Epoch {} is proved by more than one bundle. A registry accepts each epoch once: \
             ask the publisher which one it submitted.</p>",
            esc(&dups.join(", "))
        );
    }
}

fn statement_facts(b: &mut String, s: &AttestationStatement, m: &Metadata) {
    let min = proven_minimum_cents(s);
    let _ = writeln!(
        b,
        "<dl class=\"facts\">\n\
         <dt>Epoch</dt><dd>{epoch} {PROVED}</dd>\n\
         <dt>Valued as of</dt><dd>{as_of} {PROVED}</dd>\n\
         <dt>Liabilities</dt><dd>{liab} {PROVED} <span class=\"muted\">(the sum of the deployment table below)</span></dd>\n\
         <dt>Proved coverage ratio</dt><dd>{ratio} {PROVED}</dd>\n\
         <dt>Proven minimum reserves</dt><dd>{min} {PROVED} <span class=\"muted\">(liabilities &times; ratio: reserves counted \
         after the policy's haircuts are at least this)</span></dd>\n\
         <dt>Commitment root</dt><dd><code>{root}</code> {PROVED}</dd>\n\
         <dt>Custodian address</dt><dd><code>{cust}</code> {PROVED}{zero}</dd>\n\
         <dt>Registry policy id</dt><dd><code>0x{pid}</code> {PROVED} <span class=\"muted\">(a hash of the proved policy parameters)</span></dd>\n\
         <dt>Policy name</dt><dd>{pname} {UNVERIFIED}</dd>\n\
         <dt>Created at</dt><dd>{created} {UNVERIFIED}</dd>\n\
         </dl>",
        epoch = s.epoch,
        as_of = iso_day(s.as_of_days),
        liab = usd(s.liabilities_cents()),
        ratio = bps_pct(u64::from(s.ratio_bps)),
        min = usd(min),
        root = fr_hex(&s.root),
        cust = address_hex(&s.custodian),
        zero = if s.custodian == [0; 20] {
            " <span class=\"muted\">(the zero address: no registry accepts this attestation)</span>"
        } else {
            ""
        },
        pid = hex::encode(bondproof_verifier::solidity::policy_id(&s.policy)),
        pname = esc(&m.policy),
        created = esc(&m.created_at),
    );
    b.push_str("<div class=\"scroll\"><table id=\"latest-deployments\"><caption>Where the fund's shares live: the proved deployment table</caption>\n");
    let _ = writeln!(
        b,
        "<thead><tr><th>Slot</th><th>Deployment (decoded from the proved domain) {PROVED}</th><th class=\"num\">Supply {PROVED}</th><th>Token {UNVERIFIED}</th></tr></thead><tbody>"
    );
    for (slot, d) in s.used_deployments() {
        let token = m
            .deployments
            .iter()
            .find(|l| l.slot == slot)
            .and_then(|l| l.token.clone())
            .map_or("&mdash;".to_string(), |t| format!("<code>{}</code>", esc(&t)));
        let _ = writeln!(
            b,
            "<tr><td>{slot}</td><td>{}</td><td class=\"num\">{}</td><td>{token}</td></tr>",
            esc(&domain_text(&d.domain, false)),
            usd(d.supply_cents)
        );
    }
    let _ = writeln!(
        b,
        "</tbody><tfoot><tr><th></th><th>Liabilities (sum)</th><th class=\"num\">{}</th><th></th></tr></tfoot></table></div>",
        usd(s.liabilities_cents())
    );
}

fn latest_section(
    b: &mut String,
    entries: &[Entry],
    last_verified: Option<(&Entry, &AttestationStatement, &Metadata)>,
) {
    b.push_str("<section id=\"latest\" aria-labelledby=\"latest-h\">\n<h2 id=\"latest-h\">Latest attestation</h2>\n");
    let Some(latest) = latest(entries) else {
        b.push_str("</section>\n");
        return;
    };
    match &latest.outcome {
        Outcome::Verified { .. } => {
            let _ = writeln!(
                b,
                "<p>Status: <span id=\"latest-status\" class=\"badge verified\" data-status=\"verified\">Verified</span> \
                 <span class=\"muted\">epoch {}, bundle {}</span></p>",
                epoch_label(latest),
                file_link(latest)
            );
        }
        Outcome::Failed { reason, .. } => {
            let _ = writeln!(
                b,
                "<p>Status: <span id=\"latest-status\" class=\"badge failed\" data-status=\"failed\">Failed verification</span> \
                 <span class=\"muted\">bundle {}, claiming epoch {} {UNVERIFIED}</span></p>\n\
                 <p class=\"alert\">The most recent bundle does not verify: {}</p>",
                file_link(latest),
                esc(&epoch_label(latest)),
                esc(reason)
            );
        }
    }
    if let Some((e, s, m)) = last_verified {
        if !std::ptr::eq(e, latest) {
            let _ = writeln!(b, "<h3>The most recent attestation that verifies: epoch {}</h3>", s.epoch);
        } else {
            b.push_str(
                "<p>The custodian's positions, committed under the root below and valued as of the proved date, are \
                 eligible under the policy described further down and, counted after its haircuts, are worth at least \
                 the proved ratio times the fund's liabilities on every chain and register listed. The positions \
                 themselves stay private.</p>\n",
            );
        }
        statement_facts(b, s, m);
    }
    b.push_str("</section>\n");
}

fn bands(entries: &[Entry]) -> Vec<Band> {
    entries.iter().map(|e| Band { label: epoch_label(e), failed: !e.is_verified() }).collect()
}

fn charts_section(b: &mut String, entries: &[Entry]) {
    let bands = bands(entries);
    let any_failed = bands.iter().any(|b| b.failed);
    b.push_str("<section id=\"charts\" aria-labelledby=\"charts-h\">\n<h2 id=\"charts-h\">History</h2>\n");

    let liabilities: Vec<Option<f64>> =
        entries.iter().map(|e| e.verified().map(|(s, _)| cents_f64(s.liabilities_cents()))).collect();
    let minimum: Vec<Option<f64>> =
        entries.iter().map(|e| e.verified().map(|(s, _)| cents_f64(proven_minimum_cents(s)))).collect();
    let frame = Frame {
        id: "chart-reserves",
        title: "Proven minimum reserves and liabilities per epoch",
        description: "For each verified attestation: the liabilities (the sum of the proved deployment table) and the \
                      proven minimum reserves (liabilities times the proved ratio). Failed attestations are marked with \
                      a cross and have no value.",
        table_id: "history-table",
        bands: &bands,
        x_label: "epoch",
        y_label: "US dollars",
        y_format: usd_compact,
    };
    let lines = [
        Line { name: "proven minimum reserves", key: "reserves", colour: PALETTE[0], values: minimum },
        Line { name: "liabilities", key: "liabilities", colour: PALETTE[1], values: liabilities },
    ];
    let _ = writeln!(
        b,
        "<figure aria-describedby=\"history-table\">\n<figcaption>Proven minimum reserves and liabilities {PROVED}</figcaption>\n{}{}\
         <p class=\"muted\">Table: <a href=\"#history-table\">attestation history</a>.</p></figure>",
        charts::line_chart(&frame, &lines, None, true),
        charts::legend(&[(PALETTE[0], "proven minimum reserves (liabilities × ratio)".into()), (PALETTE[1], "liabilities".into())], any_failed)
    );

    let ratio: Vec<Option<f64>> =
        entries.iter().map(|e| e.verified().map(|(s, _)| f64::from(s.ratio_bps) / 100.0)).collect();
    let frame = Frame {
        id: "chart-coverage",
        title: "Proved coverage ratio per epoch",
        description: "For each verified attestation: the ratio of counted reserves to liabilities that the proof \
                      establishes as a lower bound, in percent. The dashed line is 100%.",
        table_id: "history-table",
        bands: &bands,
        x_label: "epoch",
        y_label: "percent of liabilities",
        y_format: |v| format!("{v:.2}%"),
    };
    let lines = [Line { name: "proved coverage ratio", key: "coverage", colour: PALETTE[2], values: ratio }];
    let _ = writeln!(
        b,
        "<figure aria-describedby=\"history-table\">\n<figcaption>Proved coverage ratio {PROVED}</figcaption>\n{}{}\
         <p class=\"muted\">Table: <a href=\"#history-table\">attestation history</a>, column &ldquo;Proved ratio&rdquo;.</p></figure>",
        charts::line_chart(&frame, &lines, Some((100.0, "100%")), false),
        charts::legend(&[(PALETTE[2], "proved coverage ratio".into())], any_failed)
    );

    let domains = series_domains(entries);
    let stacks: Vec<Stack> = domains
        .iter()
        .enumerate()
        .map(|(j, d)| Stack {
            name: domain_text(d, true),
            colour: PALETTE[j % PALETTE.len()],
            values: entries
                .iter()
                .map(|e| {
                    e.verified().map(|(s, _)| {
                        s.deployments.iter().filter(|x| x.domain == *d).map(|x| cents_f64(x.supply_cents)).sum()
                    })
                })
                .collect(),
        })
        .collect();
    let frame = Frame {
        id: "chart-supply",
        title: "Each deployment's proved supply per epoch, stacked by chain",
        description:
            "For each verified attestation: one bar segment per deployment (a token on a chain, or book-entry \
                      shares), ordered by chain id; the bar's height is the liabilities.",
        table_id: "supply-table",
        bands: &bands,
        x_label: "epoch",
        y_label: "US dollars",
        y_format: usd_compact,
    };
    let legend: Vec<(&str, String)> = stacks.iter().map(|s| (s.colour, s.name.clone())).collect();
    let _ = writeln!(
        b,
        "<figure aria-describedby=\"supply-table\">\n<figcaption>Supply per deployment, stacked by chain {PROVED}</figcaption>\n{}{}\
         <p class=\"muted\">Table: <a href=\"#supply-table\">supply per deployment</a>.</p></figure>",
        charts::stacked_bars(&frame, &stacks),
        charts::legend(&legend, any_failed)
    );
    b.push_str("</section>\n");
}

/// Every domain any verified attestation proves a line for, in stacking order.
fn series_domains(entries: &[Entry]) -> Vec<Fr> {
    let mut domains: Vec<Fr> = Vec::new();
    for (s, _) in entries.iter().filter_map(|e| e.verified()) {
        for (_, d) in s.used_deployments() {
            if !domains.contains(&d.domain) {
                domains.push(d.domain);
            }
        }
    }
    domains.sort_by_key(domain_order);
    domains
}

fn history_table(b: &mut String, entries: &[Entry]) {
    let _ = writeln!(
        b,
        "<section aria-labelledby=\"history-h\">\n<h2 id=\"history-h\">Every attestation</h2>\n\
         <div class=\"scroll\"><table id=\"history-table\"><caption>Attestation history, oldest first; the table behind \
         the charts above</caption>\n<thead><tr><th>Epoch</th><th>As of {PROVED}</th><th>Status</th>\
         <th class=\"num\">Liabilities {PROVED}</th><th class=\"num\">Proven minimum reserves {PROVED}</th>\
         <th class=\"num\">Proved ratio {PROVED}</th><th>Policy id {PROVED} and name {UNVERIFIED}</th><th>Bundle</th>\
         <th>Created at {UNVERIFIED}</th></tr></thead>\n<tbody>"
    );
    for e in entries {
        let link = file_link(e);
        match &e.outcome {
            Outcome::Verified { statement: s, metadata: m } => {
                let _ = writeln!(
                    b,
                    "<tr data-status=\"verified\" data-epoch=\"{epoch}\"><td>{epoch}</td><td class=\"nowrap\">{as_of}</td>\
                     <td class=\"status verified\">Verified</td><td class=\"num\">{liab}</td><td class=\"num\">{min}</td>\
                     <td class=\"num\">{ratio}</td><td class=\"nowrap\"><code>0x{pid}</code> {pname}</td>\
                     <td class=\"nowrap\">{link}</td><td class=\"nowrap\">{created}</td></tr>",
                    epoch = s.epoch,
                    as_of = iso_day(s.as_of_days),
                    liab = usd(s.liabilities_cents()),
                    min = usd(proven_minimum_cents(s)),
                    ratio = bps_pct(u64::from(s.ratio_bps)),
                    pid = &hex::encode(bondproof_verifier::solidity::policy_id(&s.policy))[..12],
                    pname = esc(&m.policy),
                    created = esc(&m.created_at),
                );
            }
            Outcome::Failed { reason, claimed_epoch } => {
                let _ = writeln!(
                    b,
                    "<tr class=\"failed\" data-status=\"failed\" data-epoch=\"{epoch}\"><td>{epoch_cell}</td><td>&mdash;</td>\
                     <td class=\"status failed\">Failed verification</td><td colspan=\"4\">{reason}</td><td>{link}</td><td>&mdash;</td></tr>",
                    epoch = claimed_epoch.map_or("?".into(), |n| n.to_string()),
                    epoch_cell = claimed_epoch
                        .map_or("unknown".into(), |n| format!("{n} <span class=\"muted\">(claimed)</span> {UNVERIFIED}")),
                    reason = esc(reason),
                );
            }
        }
    }
    b.push_str("</tbody></table></div>\n</section>\n");
}

fn supply_table(b: &mut String, entries: &[Entry]) {
    let domains = series_domains(entries);
    let _ = write!(
        b,
        "<section aria-labelledby=\"supply-h\">\n<h3 id=\"supply-h\">Supply per deployment</h3>\n<div class=\"scroll\">\
         <table id=\"supply-table\"><caption>Each deployment's proved supply per epoch (the stacked chart's numbers)</caption>\n\
         <thead><tr><th>Epoch</th>"
    );
    for d in &domains {
        let _ = write!(b, "<th class=\"num\">{}</th>", esc(&domain_text(d, true)));
    }
    b.push_str("<th class=\"num\">Total</th></tr></thead>\n<tbody>\n");
    for e in entries {
        match e.verified() {
            Some((s, _)) => {
                let _ = write!(b, "<tr data-status=\"verified\"><td>{}</td>", s.epoch);
                for d in &domains {
                    let v: Option<u128> =
                        s.deployments.iter().filter(|x| x.domain == *d).map(|x| x.supply_cents).reduce(|a, b| a + b);
                    let _ = write!(b, "<td class=\"num\">{}</td>", v.map_or("&mdash;".into(), usd));
                }
                let _ = writeln!(b, "<td class=\"num\">{}</td></tr>", usd(s.liabilities_cents()));
            }
            None => {
                let _ = writeln!(
                    b,
                    "<tr class=\"failed\" data-status=\"failed\"><td>{}</td><td colspan=\"{}\">failed verification: no value</td></tr>",
                    esc(&epoch_label(e)),
                    domains.len() + 1
                );
            }
        }
    }
    b.push_str("</tbody></table></div>\n</section>\n");
}

fn policy_section(b: &mut String, entries: &[Entry], s: &AttestationStatement, m: &Metadata) {
    let p = &s.policy;
    let _ = writeln!(
        b,
        "<section id=\"policy\" aria-labelledby=\"policy-h\">\n<h2 id=\"policy-h\">The policy, in plain words</h2>\n\
         <p>What the latest verified attestation (epoch {epoch}) proves about every position. The parameters are public \
         inputs of the proof {PROVED}; the policy's name, &ldquo;{name}&rdquo;, is a label {UNVERIFIED}.</p>\n\
         <dl class=\"facts\">\n<dt>Eligibility</dt><dd>{elig}</dd>\n<dt>Maturity bound</dt><dd>{mat}</dd>\n\
         <dt>Weighted average maturity</dt><dd>{wam}</dd>\n<dt>Weekly liquidity</dt><dd>{weekly}</dd>\n\
         <dt>Coverage</dt><dd>Reserves counted after the haircuts below are at least {ratio} of liabilities.</dd>\n</dl>",
        epoch = s.epoch,
        name = esc(&m.policy),
        elig = esc(&policy_text::eligibility(p)),
        mat = esc(&policy_text::maturity(p)),
        wam = esc(&policy_text::wam(p)),
        weekly = esc(&policy_text::weekly(p)),
        ratio = bps_pct(u64::from(s.ratio_bps)),
    );
    b.push_str(
        "<div class=\"scroll\"><table id=\"haircut-table\"><caption>Haircut schedule: by remaining maturity</caption>\n\
         <thead><tr><th>Remaining maturity</th><th class=\"num\">Haircut</th><th class=\"num\">A position counts for</th></tr></thead><tbody>\n",
    );
    for bucket in policy_text::buckets(p) {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td class=\"num\">{} bps</td><td class=\"num\">{} of face value</td></tr>",
            esc(&bucket.range_text()),
            bucket.bps,
            policy_text::counts_as(bucket.bps)
        );
    }
    b.push_str("</tbody></table></div>\n");

    // Policy history: runs of consecutive verified attestations under the same parameters.
    let mut runs: Vec<(u64, u64, &AttestationStatement, &Metadata)> = Vec::new();
    for (st, md) in entries.iter().filter_map(|e| e.verified()) {
        match runs.last_mut() {
            Some(run) if run.2.policy == st.policy => run.1 = st.epoch,
            _ => runs.push((st.epoch, st.epoch, st, md)),
        }
    }
    if runs.len() > 1 {
        b.push_str(
            "<div class=\"scroll\"><table id=\"policy-history\"><caption>The policy changed over the history</caption>\n\
             <thead><tr><th>Epochs</th><th>Policy id</th><th>Name</th><th>Parameters</th></tr></thead><tbody>\n",
        );
        for (from, to, st, md) in runs {
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td><code>0x{}</code> {PROVED}</td><td>{} {UNVERIFIED}</td><td>{} {PROVED}</td></tr>",
                if from == to { from.to_string() } else { format!("{from}&ndash;{to}") },
                &hex::encode(bondproof_verifier::solidity::policy_id(&st.policy))[..12],
                esc(&md.policy),
                esc(&policy_text::summary(&st.policy)),
            );
        }
        b.push_str("</tbody></table></div>\n");
    }
    b.push_str("</section>\n");
}

fn check_section(b: &mut String, p: &PublicPage, entries: &[Entry]) {
    let key = p.key;
    let setup_id = key.setup_id();
    let flags = p.trust.verify_flags(&setup_id);
    let _ = writeln!(
        b,
        "<section id=\"check\" aria-labelledby=\"check-h\">\n<h2 id=\"check-h\">Check it yourself</h2>\n\
         <dl class=\"facts\">\n<dt>Verifying key</dt><dd><a href=\"attestation.vk.bin\">attestation.vk.bin</a>, SHA-256 \
         <code id=\"vk-hash\">{hash}</code></dd>\n<dt>Circuit</dt><dd>{circuit}, tree depth {depth}, k = {k}</dd>\n\
         <dt>Setup id</dt><dd><code id=\"setup-id\">{setup_id}</code></dd>\n</dl>\n<p{cls}>{sentence}</p>",
        hash = esc(&key.hash_hex()),
        circuit = key.circuit.name(),
        depth = key.depth,
        k = key.k(),
        cls = if matches!(p.trust, Trust::Unchecked) { " class=\"warning\"" } else { "" },
        sentence = p.trust.html_sentence(&setup_id),
    );
    let mut cmds = String::new();
    let _ = writeln!(
        cmds,
        "# In a copy of this folder (index.html, attestation.vk.bin, bundles/), with bondproof installed:"
    );
    let _ = writeln!(cmds, "sha256sum attestation.vk.bin   # must print {}", key.hash_hex().trim_start_matches("0x"));
    if let Trust::Ceremony { file_name, sha256, .. } = p.trust {
        let _ = writeln!(
            cmds,
            "# the ceremony file, from its publisher (not from this site): sha256sum must print {sha256}"
        );
        let _ = writeln!(
            cmds,
            "bondproof keys --srs {} --depth {} --out rebuilt.vk.bin && cmp rebuilt.vk.bin attestation.vk.bin",
            shell_word(file_name),
            key.depth
        );
    }
    let _ = writeln!(cmds, "# every attestation (exit 0 valid, 1 invalid):");
    let _ = writeln!(
        cmds,
        "for f in bundles/*.json; do bondproof verify --attestation \"$f\" {flags} >/dev/null && echo \"verified $f\" || echo \"FAILED   $f\"; done"
    );
    if let Some(path) = latest(entries).and_then(Entry::published_path) {
        let _ = writeln!(cmds, "# the latest one, with everything it proves:");
        let _ = writeln!(cmds, "bondproof verify --attestation {} {flags}", shell_word(&path));
    }
    let _ = writeln!(b, "<pre id=\"commands\"><code>{}</code></pre>", esc(&cmds));
    b.push_str(
        "<p>The machine-readable history is <a href=\"attestations.json\">attestations.json</a>: each bundle's \
         status, its proved statement, and apart from it the labels the proof does not bind.</p>\n</section>\n",
    );
}

fn what_is_proved(b: &mut String) {
    b.push_str(
        "<section aria-labelledby=\"scope-h\">\n<h2 id=\"scope-h\">What the proofs do and do not show</h2>\n<ul>\n\
         <li>Proved: the committed positions are real CUSIPs eligible under the policy, each counted once, maturing \
         within its bounds, and, after the haircuts, worth at least the ratio times the liabilities in the deployment \
         table; the epoch, valuation date, custodian address and every number marked proved.</li>\n\
         <li>Not proved: that the custodian holds the committed positions (an auditor checks that with inclusion \
         proofs and the custodian's statements); that each deployment's supply is the live on-chain supply (each \
         chain's registry checks its own line when the attestation is submitted); the names, dates and token \
         addresses marked unverified.</li>\n\
         <li>Face value, not market value: haircuts are the policy's, by remaining maturity.</li>\n</ul>\n</section>\n",
    );
}
