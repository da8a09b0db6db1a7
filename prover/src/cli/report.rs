//! `bondproof report`: the transparency site for a folder of attestations (see
//! [`bondproof_prover::report`]). The verifying key is established exactly as `verify` does it
//! ([`super::keys::TrustArgs`]); exit 0 when every bundle verified, 1 when any failed (the site
//! is written all the same, listing it as failed), 2 for bad input, with nothing written.

use std::path::PathBuf;

use bondproof_circuits::CircuitKind;
use bondproof_prover::report::{build, default_private_path, PrivateRequest, ReportRequest, Trust};
use bondproof_prover::Error;
use serde_json::{json, Value};

use super::keys::{SetupCheck, TrustArgs};
use super::{print_json, Failure};

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    bondproof report --attestations attestations/ --vk attestation.vk.bin --srs ceremony.ptau --out site\n  \
    bondproof report --attestations attestations/ --vk attestation.vk.bin --allow-unchecked-setup --out site \\\n      \
    --private --commitment commitment.json\n\n\
Exit codes: 0 every bundle verified; 1 a bundle failed verification (the site is written and lists it as failed) \
or the key is refused; 2 bad input (nothing written).")]
pub struct Args {
    /// The folder of attestation bundles: every *.json file in it (not in subfolders) is read as
    /// one, and verified.
    #[arg(long)]
    pub attestations: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The site's folder: index.html, attestations.json, attestation.vk.bin, bundles/.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the custodian's confidential page (maturity ladder, haircuts, limits and
    /// headroom, positions nearest to maturity) from --commitment, outside the site.
    #[arg(long, requires = "commitment")]
    pub private: bool,
    /// The custodian's private commitment.json; its root must be that of a verified attestation.
    #[arg(long, requires = "private")]
    pub commitment: Option<PathBuf>,
    /// Where the confidential page goes (default: beside --out, `<out>-confidential.html`); never
    /// inside the site.
    #[arg(long, requires = "private")]
    pub private_out: Option<PathBuf>,
}

/// The one depth the folder's bundles claim: what `--srs` without `--vk` rebuilds the key at.
fn claimed_depth(dir: &std::path::Path) -> Result<usize, Error> {
    let bad = |m: String| Error::Usage(format!("{}: {m}", dir.display()));
    let mut depths = std::collections::BTreeSet::new();
    for item in std::fs::read_dir(dir).map_err(|e| bad(format!("cannot read the attestations folder: {e}")))? {
        let path = item.map_err(|e| bad(e.to_string()))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let depth = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v.pointer("/circuit/depth").and_then(Value::as_u64));
        depths.extend(depth);
    }
    match depths.len() {
        1 => Ok(depths.into_iter().next().expect("one") as usize),
        0 => Err(bad("no bundle names a tree depth to rebuild the key at; pin the key with --vk".into())),
        _ => Err(bad(format!(
            "the bundles claim several tree depths ({}); one report uses one key: pin it with --vk",
            depths.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        ))),
    }
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    if !a.attestations.is_dir() {
        return Err(Error::Usage(format!("{}: not a folder of attestation bundles", a.attestations.display())).into());
    }
    let trusted = a.trust.key(CircuitKind::Attestation, json, || claimed_depth(&a.attestations))?;
    let trust = match &trusted.check {
        SetupCheck::Ceremony { file, sha256, format } => Trust::Ceremony {
            file_name: file
                .file_name()
                .map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned()),
            sha256: sha256.clone(),
            format: format.name().to_string(),
        },
        SetupCheck::SetupId => Trust::SetupId,
        SetupCheck::Unchecked => Trust::Unchecked,
    };
    let private_out = a.private_out.clone().unwrap_or_else(|| default_private_path(&a.out));
    let private = match (&a.commitment, a.private) {
        (Some(commitment), true) => Some(PrivateRequest { commitment, out: &private_out }),
        _ => None,
    };
    let req = ReportRequest { attestations: &a.attestations, key: &trusted.key, trust, out: &a.out, private };
    let outcome = build(&req)?;

    let failure = (!outcome.failed.is_empty()).then(|| {
        Error::Invalid(format!(
            "{} of {} attestations in {} do not verify; the report lists them as failed: {}",
            outcome.failed.len(),
            outcome.entries,
            a.attestations.display(),
            outcome.failed.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>().join(", ")
        ))
    });
    let latest = outcome.latest.as_ref().map(
        |(file, epoch, ok)| json!({"file": file, "epoch": epoch, "status": if *ok { "verified" } else { "failed" }}),
    );
    if json {
        let t = trusted.json();
        let mut answer = json!({
            "ok": failure.is_none(),
            "attestations": outcome.entries, "verified": outcome.verified,
            "failed": outcome.failed.iter().map(|(f, e)| json!({"file": f, "error": e})).collect::<Vec<_>>(),
            "latest": latest,
            "index": outcome.index, "attestations_json": outcome.history_json, "private": outcome.private,
            "key": t["key"], "setup": t["setup"],
            "seconds": outcome.elapsed.as_secs_f64(),
        });
        if let Some(e) = &failure {
            answer["exit_code"] = json!(e.exit_code());
            answer["error"] = json!(e.to_string());
        }
        print_json(&answer);
    } else {
        let latest_text = match &outcome.latest {
            Some((file, epoch, ok)) => format!(
                "latest {} ({file}) {}",
                epoch.map_or("epoch unknown".into(), |e| format!("epoch {e}")),
                if *ok { "VERIFIED" } else { "FAILED" }
            ),
            None => String::new(),
        };
        println!(
            "bondproof report: {} attestations, {} verified, {} failed; {latest_text}",
            outcome.entries,
            outcome.verified,
            outcome.failed.len()
        );
        for (file, reason) in &outcome.failed {
            println!("  FAILED       {file}: {reason}");
        }
        trusted.print();
        println!(
            "  wrote        {}, {}, attestation.vk.bin and bundles/ ({} files) in {}",
            outcome.index.display(),
            outcome.history_json.display(),
            outcome.entries,
            a.out.display()
        );
        if let Some(p) = &outcome.private {
            println!(
                "  CONFIDENTIAL {} (owner-readable only; not linked from the site: do not publish it)",
                p.display()
            );
        }
        println!("  built in     {:.2} s (every bundle verified)", outcome.elapsed.as_secs_f64());
        if let Ok(abs) = std::path::absolute(&outcome.index) {
            println!("  open it      file://{}", abs.display());
        }
    }
    match failure {
        None => Ok(()),
        Some(error) => Err(Failure { error, reported: json }),
    }
}
