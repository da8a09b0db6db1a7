//! How a proved statement reads, for people (`prove`, `attest`, `verify`) and for scripts
//! (`--json`). Only [`AttestationStatement`] fields are shown as proved; everything else a
//! bundle carries is shown under "unverified".

use bondproof_circuits::policy::{PolicyInstance, DAYS_MAX};
use bondproof_circuits::statement::{domain_kind, DomainKind};
use bondproof_circuits::{AttestationStatement, Deployment};
use bondproof_prover::attestation::usd;
use bondproof_prover::ingest::iso_day;
use bondproof_verifier::bundle::{address_hex, domain_json, fr_hex, fr_to_decimal, Metadata};
use serde_json::{json, Value};

fn days_bound(d: u64) -> String {
    if d >= DAYS_MAX {
        "none".into()
    } else {
        format!("{d} days")
    }
}

/// The policy's proved parameters in one line.
pub fn policy_parameters(p: &PolicyInstance) -> String {
    // Unused slots repeat the last bucket: show each distinct bucket once.
    let mut buckets: Vec<(u64, u64)> = Vec::new();
    for &b in &p.buckets {
        if buckets.last() != Some(&b) {
            buckets.push(b);
        }
    }
    let haircuts = if buckets.iter().all(|&(_, bps)| bps == 0) {
        "none".to_string()
    } else {
        let mut previous = None;
        let mut parts = Vec::new();
        for &(d, bps) in &buckets {
            parts.push(match (d >= DAYS_MAX, previous) {
                (false, _) => format!("{bps} bps to {d} days"),
                (true, Some(p)) => format!("{bps} bps after {p} days"),
                (true, None) => format!("{bps} bps at any maturity"),
            });
            previous = Some(d);
        }
        parts.join(", ")
    };
    format!(
        "eligible {}, max maturity {}, haircuts {haircuts}, max WAM {}, weekly liquidity {}",
        p.eligible.name(),
        days_bound(p.max_maturity_days),
        if p.wam_enabled { format!("{} days", p.max_wam_days) } else { "none".into() },
        if p.weekly_enabled { format!(">= {} bps", p.min_weekly_liquid_bps) } else { "none".into() },
    )
}

/// What a slot's domain names: "chain 1, registry 0x…", "book entry, register 0".
pub fn domain_text(d: &Deployment) -> String {
    match domain_kind(&d.domain) {
        DomainKind::Unused => "unused".into(),
        DomainKind::Chain { chain_id, registry } => format!("chain {chain_id}, registry {}", address_hex(&registry)),
        DomainKind::BookEntry { register } => format!("book entry, register {register}"),
        DomainKind::Other => format!("unrecognised domain {}", fr_to_decimal(&d.domain)),
    }
}

/// The custodian, and what a zero address means.
pub fn custodian_text(c: &[u8; 20]) -> String {
    if *c == [0; 20] {
        format!(
            "{} (zero address: no registry will accept this attestation; prove with --custodian 0x...)",
            address_hex(c)
        )
    } else {
        address_hex(c)
    }
}

/// Counted reserves as a percentage of liabilities, two decimals (counted is in 1/10000 cent).
pub fn coverage_pct(counted_scaled: u128, liabilities_cents: u128) -> f64 {
    counted_scaled as f64 / 100.0 / liabilities_cents.max(1) as f64
}

/// The proved statement, decoded, as JSON.
pub fn statement_json(s: &AttestationStatement) -> Value {
    let deployments: Vec<Value> = s
        .used_deployments()
        .map(|(slot, d)| {
            json!({"slot": slot, "domain": fr_to_decimal(&d.domain), "decoded": domain_json(&d.domain),
                "supply_cents": d.supply_cents.to_string()})
        })
        .collect();
    json!({
        "root": fr_hex(&s.root),
        "epoch": s.epoch,
        "custodian": address_hex(&s.custodian),
        "as_of_days": s.as_of_days,
        "as_of": iso_day(s.as_of_days),
        "ratio_bps": s.ratio_bps,
        "policy": bondproof_verifier::bundle::PolicyJson::from_instance(&s.policy),
        "policy_summary": policy_parameters(&s.policy),
        "registry_policy_id": format!("0x{}", hex::encode(bondproof_verifier::solidity::policy_id(&s.policy))),
        "liabilities_cents": s.liabilities_cents().to_string(),
        "deployments": deployments,
    })
}

/// The proved statement for people: each line a public input (or a sum of them).
pub fn print_statement(s: &AttestationStatement) {
    println!("  root         {}", fr_hex(&s.root));
    println!("  epoch        {}", s.epoch);
    println!("  custodian    {}", custodian_text(&s.custodian));
    println!("  as of        {} (day {})", iso_day(s.as_of_days), s.as_of_days);
    println!("  ratio        {} bps ({:.2}%)", s.ratio_bps, f64::from(s.ratio_bps) / 100.0);
    println!("  policy       {}", policy_parameters(&s.policy));
    println!("               registry policy id 0x{}", hex::encode(bondproof_verifier::solidity::policy_id(&s.policy)));
    println!("  liabilities  {}, the sum of:", usd(s.liabilities_cents()));
    for (slot, d) in s.used_deployments() {
        println!("    slot {slot:<2}    {}: {}", domain_text(d), usd(d.supply_cents));
    }
}

/// The bundle's metadata, for people, under its "unverified" heading.
pub fn print_unverified(m: &Metadata) {
    println!("Unverified metadata (the custodian's labels; the proof does not bind them):");
    println!("  policy name  {}", m.policy);
    println!("  as of        {}", m.as_of);
    println!("  created at   {}", m.created_at);
    if let Some(c) = &m.custodian {
        println!("  custodian    {c}");
    }
    for d in &m.deployments {
        let what = match (d.kind.as_str(), d.chain_id, &d.token) {
            ("chain", Some(chain), Some(token)) => match (d.block_number, &d.block_hash) {
                (Some(n), Some(h)) => format!("chain {chain}, token {token}, supply read at block {n} ({h})"),
                _ => format!("chain {chain}, token {token}"),
            },
            ("book-entry", _, _) => format!("book entry, register {}", d.register.unwrap_or(0)),
            (kind, _, _) => kind.to_string(),
        };
        println!("  slot {:<2}      {what}", d.slot);
    }
    println!("  prover       {}", m.prover);
    // The bundle's own word on its setup: a forger would say false. What counts is the setup
    // line above, which the verifier checked itself.
    println!(
        "  setup claim  {} (the bundle's insecure_setup; the setup line above is what was checked)",
        if m.insecure_setup { "insecure local setup" } else { "not an insecure local setup" }
    );
}
