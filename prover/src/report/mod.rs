//! `bondproof report`: a static transparency site for one fund, built from a folder of
//! attestation bundles, every one verified while the site is built.
//!
//! The site (`--out`) holds `index.html` (HTML with inline SVG and CSS: no script, no external
//! resource, a Content-Security-Policy that forbids both, so it opens from `file://` offline),
//! `attestations.json` (the same history for dashboards), `attestation.vk.bin` (the key every
//! bundle was checked against) and `bundles/` (the bytes that were verified, for readers to
//! check themselves). A bundle that fails verification is listed as failed, with the reason,
//! never dropped. With a commitment, a confidential desk page is written too: outside the site,
//! owner-readable only, never linked (see [`private`]).
//!
//! One concept per module: [`history`] (reading and verifying the folder), [`trust`] (what the
//! key was checked against), [`policy_text`] (a proved policy in words), [`charts`] (SVG),
//! [`page`] (the HTML shell and style), [`public`] and [`private`] (the two pages).

pub mod charts;
pub mod history;
pub mod page;
pub mod policy_text;
pub mod private;
pub mod public;
pub mod trust;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bondproof_verifier::atomic::{write_atomic, write_atomic_private, write_json};
use bondproof_verifier::bundle::fr_hex;
use bondproof_verifier::VerifierKey;

use crate::commitment::Commitment;
use crate::error::{Error, Result};
pub use history::{Entry, Outcome};
pub use trust::Trust;

/// What to build.
pub struct ReportRequest<'a> {
    /// The folder of bundles: every `*.json` in it (not in subfolders) is an attestation.
    pub attestations: &'a Path,
    /// The key every bundle is verified against, already established by the caller.
    pub key: &'a VerifierKey,
    /// How the caller established it.
    pub trust: Trust,
    /// The site's folder.
    pub out: &'a Path,
    pub private: Option<PrivateRequest<'a>>,
}

/// The confidential page: the custodian's commitment, and where to write the page.
pub struct PrivateRequest<'a> {
    pub commitment: &'a Path,
    /// Must not be inside the site's folder.
    pub out: &'a Path,
}

/// What was built.
pub struct ReportOutcome {
    pub entries: usize,
    pub verified: usize,
    /// (file, reason) of every bundle that failed verification.
    pub failed: Vec<(String, String)>,
    /// The latest entry: its file, epoch (proved, or claimed if it failed) and whether it verified.
    pub latest: Option<(String, Option<u64>, bool)>,
    pub index: PathBuf,
    pub history_json: PathBuf,
    pub private: Option<PathBuf>,
    pub elapsed: Duration,
}

/// Where the confidential page goes by default: beside the site, never in it
/// (`site/` -> `site-confidential.html`).
pub fn default_private_path(out: &Path) -> PathBuf {
    let name = out.file_name().map_or("report".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!("{name}-confidential.html"))
}

fn absolute(p: &Path) -> PathBuf {
    // Resolve symlinks where the path exists, so `site` and `./link-to-site` compare equal.
    std::fs::canonicalize(p).unwrap_or_else(|_| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
}

/// Builds the site (and the confidential page if asked). Input problems (an unreadable or empty
/// folder, a commitment that matches no verified attestation, an output inside the input) are
/// errors before anything is written; a bundle that does not verify is not an error here but a
/// failed entry, which the caller turns into its exit code after the site is written.
pub fn build(req: &ReportRequest) -> Result<ReportOutcome> {
    let start = Instant::now();
    let out = absolute(req.out);
    if out == absolute(req.attestations) {
        return Err(Error::Usage(format!(
            "--out {}: the site must not be written into the attestations folder (its attestations.json would be read \
             as a bundle next time)",
            req.out.display()
        )));
    }
    if let Some(p) = &req.private {
        let private = absolute(p.out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")))
            .join(p.out.file_name().unwrap_or_default());
        if private.starts_with(&out) {
            return Err(Error::Usage(format!(
                "--private-out {}: the confidential page must not be written inside the public site {}",
                p.out.display(),
                req.out.display()
            )));
        }
    }

    let entries = history::load(req.attestations, req.key)?;
    let generated_at = crate::attestation::created_at();

    // Everything is rendered before anything is written: a bad commitment writes nothing.
    let private_page = match &req.private {
        None => None,
        Some(p) => {
            let (commitment, leaves, tree) = Commitment::read(p.commitment)?;
            let root = tree.root();
            let Some((statement, _)) = entries.iter().rev().filter_map(|e| e.verified()).find(|(s, _)| s.root == root)
            else {
                return Err(Error::Usage(format!(
                    "{}: its root {} (epoch {}) is not the root of any attestation in {} that verifies; the \
                     confidential page describes a proved attestation only",
                    p.commitment.display(),
                    fr_hex(&root),
                    commitment.epoch,
                    req.attestations.display()
                )));
            };
            let name = p.commitment.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
            Some((p.out, private::render(statement, &leaves, &name, &generated_at)))
        }
    };
    let index_html = public::render(&public::PublicPage {
        entries: &entries,
        key: req.key,
        trust: &req.trust,
        generated_at: &generated_at,
    });
    let history = history::history_json(&entries, req.key, &req.trust);

    // The index last: a reader never finds an index whose bundles or key are not there yet.
    let bundles = req.out.join("bundles");
    for e in &entries {
        if let Some(bytes) = &e.bytes {
            let path = bundles.join(&e.file);
            write_atomic(&path, bytes).map_err(Error::write(&path))?;
        }
    }
    // A bundle an earlier build published but this folder no longer holds would sit beside the
    // history unlisted, and the page's check-every-bundle command would still check it.
    if let Ok(listing) = std::fs::read_dir(&bundles) {
        let published: std::collections::HashSet<&str> =
            entries.iter().filter(|e| e.bytes.is_some()).map(|e| e.file.as_str()).collect();
        for stale in listing.flatten().map(|d| d.path()) {
            let name = stale.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if stale.is_file() && !published.contains(name.as_str()) {
                std::fs::remove_file(&stale).map_err(Error::write(&stale))?;
            }
        }
    }
    let vk = req.out.join("attestation.vk.bin");
    write_atomic(&vk, &req.key.bytes).map_err(Error::write(&vk))?;
    let history_json = req.out.join("attestations.json");
    write_json(&history_json, &history).map_err(Error::write(&history_json))?;
    let index = req.out.join("index.html");
    write_atomic(&index, index_html.as_bytes()).map_err(Error::write(&index))?;
    let private = match private_page {
        None => None,
        Some((path, html)) => {
            write_atomic_private(path, html.as_bytes()).map_err(Error::write(path))?;
            Some(path.to_path_buf())
        }
    };

    let failed: Vec<(String, String)> = entries
        .iter()
        .filter_map(|e| match &e.outcome {
            Outcome::Failed { reason, .. } => Some((e.file.clone(), reason.clone())),
            Outcome::Verified { .. } => None,
        })
        .collect();
    Ok(ReportOutcome {
        entries: entries.len(),
        verified: entries.len() - failed.len(),
        failed,
        latest: history::latest(&entries).map(|e| (e.file.clone(), e.epoch(), e.is_verified())),
        index,
        history_json,
        private,
        elapsed: start.elapsed(),
    })
}
