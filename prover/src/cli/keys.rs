//! `bondproof keys`: the verifying key derived from the circuit code and a ceremony file alone,
//! and the trust options every verifying command shares (`--vk`, `--srs`, `--setup-id`,
//! `--allow-unchecked-setup`): which key a verifier uses, and what it checked that key against.
//!
//! A verifying key carries the KZG points and every fixed commitment (selectors, round
//! constants, tables), so a key the custodian hands over vouches for itself: made with a setup
//! whose tau it kept, or with a selector switched off, it verifies forged proofs. The verifier
//! therefore judges the key, never the bundle: with `--srs` it rebuilds the key from the circuit
//! code and the ceremony and refuses a pinned key that differs in a single byte; with
//! `--setup-id` it checks the key's setup (not its fixed commitments); otherwise it refuses the
//! key unless told `--allow-unchecked-setup`, and then says the setup is unchecked.

use std::path::{Path, PathBuf};

use bondproof_circuits::CircuitKind;
use bondproof_prover::ceremony::CeremonyFormat;
use bondproof_prover::keys::{read_setup_record, rebuild_verifying_key, RebuiltKey, SetupRecord};
use bondproof_prover::Error;
use bondproof_verifier::verify::{check_rebuilt_key, check_setup_id};
use bondproof_verifier::vk_file::parse_setup_id;
use bondproof_verifier::VerifierKey;
use serde_json::{json, Value};

use super::{print_json, read_vk, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The ceremony file (snarkjs `.ptau` or halo2 KZG parameters); checked as `setup --srs`
    /// checks it, and cut to the circuit's k.
    #[arg(long)]
    pub srs: PathBuf,
    /// The tree depth the key is for (the bundle's `circuit.depth`).
    #[arg(long)]
    pub depth: usize,
    /// Which circuit: attestation (default) or inclusion.
    #[arg(long, default_value = "attestation", value_parser = parse_circuit)]
    pub circuit: CircuitKind,
    /// Where to write the verifying key.
    #[arg(long)]
    pub out: PathBuf,
}

fn parse_circuit(s: &str) -> Result<CircuitKind, String> {
    CircuitKind::from_name(s).ok_or_else(|| format!("'{s}' is not a circuit (attestation, inclusion)"))
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let pb = spinner(json);
    pb.set_message(format!("deriving the {} key from the circuit code and {}", a.circuit, a.srs.display()));
    let rebuilt = rebuild_verifying_key(a.circuit, &a.srs, a.depth);
    pb.finish_and_clear();
    let RebuiltKey { key, setup_id, file_sha256, format } = rebuilt?;
    bondproof_verifier::atomic::write_atomic(&a.out, &key.bytes).map_err(Error::write(&a.out))?;
    if json {
        print_json(&json!({"ok": true, "out": a.out, "circuit": key.circuit.name(), "depth": key.depth, "k": key.k(),
            "vk_hash": key.hash_hex(), "setup_id": setup_id,
            "ceremony": {"file": a.srs, "sha256": file_sha256, "format": format}}));
        return Ok(());
    }
    println!(
        "wrote {}: the {} verifying key for depth {} (k = {}), from the circuit code and the ceremony alone",
        a.out.display(),
        key.circuit,
        key.depth,
        key.k()
    );
    println!("  key hash     {} (a bundle made for this key carries it as vk_hash)", key.hash_hex());
    println!("  setup id     {setup_id}");
    println!("  ceremony     {} ({}), sha256 {file_sha256}", a.srs.display(), format.name());
    Ok(())
}

/// Which verifying key a verifying command uses, and what the verifier checks it against.
#[derive(clap::Args)]
pub struct TrustArgs {
    /// A verifying key you pin. With --srs it is optional, and must be byte-identical to the key
    /// rebuilt from the circuit code and the ceremony (a bundle only carries a key's hash).
    #[arg(long, required_unless_present = "srs")]
    pub vk: Option<PathBuf>,
    /// The ceremony file you trust (snarkjs `.ptau` or halo2 KZG parameters): the key is
    /// rebuilt from it and the circuit code, so nothing of the custodian's but the proof is used.
    #[arg(long, conflicts_with_all = ["setup_id", "allow_unchecked_setup"])]
    pub srs: Option<PathBuf>,
    /// The id of the setup you trust (`setup` prints it: SHA-256 of tau*G2). Checks the key's
    /// setup but not its fixed commitments; --srs checks both.
    #[arg(long, conflicts_with = "allow_unchecked_setup")]
    pub setup_id: Option<String>,
    /// Accept a key whose setup you have not named (first runs, tests): says that the setup is
    /// unchecked. Without it, --srs or --setup-id, the key is refused (exit 1).
    #[arg(long)]
    pub allow_unchecked_setup: bool,
}

/// What the key was checked against.
pub enum SetupCheck {
    /// Rebuilt from the circuit code and this ceremony file (and a pinned key, if any, was
    /// byte-identical to it).
    Ceremony { file: PathBuf, sha256: String, format: CeremonyFormat },
    /// The key's setup is the one the verifier named; its fixed commitments are unchecked.
    SetupId,
    /// Nothing: `--allow-unchecked-setup`.
    Unchecked,
}

/// The key a verifying command uses, and how it was established.
pub struct TrustedKey {
    pub key: VerifierKey,
    pub pinned: Option<PathBuf>,
    pub check: SetupCheck,
}

impl TrustArgs {
    /// The key to verify with. `depth_of` gives the depth to rebuild at when no key is pinned
    /// (read from the bundle or the proofs); a pinned key's own depth is used otherwise, since
    /// the rebuilt key must equal it.
    pub fn key(
        &self,
        kind: CircuitKind,
        quiet: bool,
        depth_of: impl FnOnce() -> Result<usize, Error>,
    ) -> Result<TrustedKey, Error> {
        let pinned = self.vk.as_deref().map(read_vk).transpose()?;
        if let (Some(key), Some(path)) = (&pinned, &self.vk) {
            if key.circuit != kind {
                return Err(Error::Usage(format!(
                    "{}: this verifying key is for the {} circuit, not {kind}",
                    path.display(),
                    key.circuit
                )));
            }
        }
        if let Some(srs) = &self.srs {
            let depth = match &pinned {
                Some(key) => key.depth as usize,
                None => depth_of()?,
            };
            let RebuiltKey { key, file_sha256, format, .. } = rebuild(kind, srs, depth, quiet)?;
            if let Some(pinned) = &pinned {
                check_rebuilt_key(&key, pinned).map_err(|e| Error::Refused(e.to_string()))?;
            }
            let check = SetupCheck::Ceremony { file: srs.clone(), sha256: file_sha256, format };
            return Ok(TrustedKey { key, pinned: self.vk.clone(), check });
        }
        let key = pinned.expect("clap requires --vk without --srs");
        let check = self.named_setup(&key.setup_id(), key.has_standard_generators())?;
        Ok(TrustedKey { key, pinned: self.vk.clone(), check })
    }

    /// Without `--srs`: a pinned key's setup (`setup`, and whether its generators are the
    /// standard ones) checked against the id the verifier named, or left unchecked when
    /// `--allow-unchecked-setup` says so; refused otherwise. Either way the key's fixed
    /// commitments are the key maker's.
    pub fn named_setup(&self, setup: &str, standard_generators: bool) -> Result<SetupCheck, Error> {
        match (&self.setup_id, self.allow_unchecked_setup) {
            (Some(id), _) => {
                if parse_setup_id(id).is_none() {
                    return Err(Error::Usage(format!("--setup-id '{id}' is not a setup id (64 hex digits)")));
                }
                check_setup_id(setup, standard_generators, id).map_err(|e| Error::Refused(e.to_string()))?;
                Ok(SetupCheck::SetupId)
            }
            (None, true) => Ok(SetupCheck::Unchecked),
            (None, false) => Err(Error::Refused(format!(
                "the verifying key's setup ({setup}) is not checked: name the ceremony you trust with --srs FILE \
                 (which rebuilds the key) or --setup-id ID, or pass --allow-unchecked-setup for a test run"
            ))),
        }
    }
}

/// The trust option a "check it" line suggests for keys made with the parameters at `params`:
/// the ceremony file they were imported from, else their setup id; `--allow-unchecked-setup`
/// for an insecure local setup, which no verifier should name as trusted.
pub fn trust_flag(params: &Path, insecure: bool) -> String {
    if insecure {
        return "--allow-unchecked-setup".into();
    }
    match read_setup_record(params) {
        Some(SetupRecord { ceremony: Some(c), .. }) => format!("--srs {}", c.file),
        Some(record) => format!("--setup-id {}", record.setup_id),
        None => "--srs CEREMONY_FILE".into(),
    }
}

fn rebuild(kind: CircuitKind, srs: &Path, depth: usize, quiet: bool) -> Result<RebuiltKey, Error> {
    let pb = spinner(quiet);
    pb.set_message(format!("rebuilding the {kind} key (depth {depth}) from the circuit code and {}", srs.display()));
    let rebuilt = rebuild_verifying_key(kind, srs, depth);
    pb.finish_and_clear();
    rebuilt
}

impl TrustedKey {
    /// The key and setup lines of a human report.
    pub fn print(&self) {
        self.check.print(&self.key.hash_hex(), &self.key.setup_id(), self.pinned.as_deref());
    }

    /// The same, for `--json`.
    pub fn json(&self) -> Value {
        json!({
            "key": {"vk_hash": self.key.hash_hex(), "circuit": self.key.circuit.name(), "depth": self.key.depth,
                "k": self.key.k(), "pinned": self.pinned,
                "rebuilt": matches!(self.check, SetupCheck::Ceremony { .. })},
            "setup": self.check.json(&self.key.setup_id()),
        })
    }
}

impl SetupCheck {
    /// The key and setup lines of a human report, for a key with this hash and setup id.
    pub fn print(&self, hash: &str, id: &str, pinned: Option<&Path>) {
        let pinned_name = pinned.map(|p| p.display().to_string()).unwrap_or_default();
        match (self, pinned) {
            (SetupCheck::Ceremony { file, .. }, Some(_)) => println!(
                "  key          {hash}, rebuilt from the circuit code and {}; the pinned {pinned_name} is identical",
                file.display(),
            ),
            (SetupCheck::Ceremony { file, .. }, None) => {
                println!("  key          {hash}, rebuilt from the circuit code and {}", file.display())
            }
            (SetupCheck::SetupId, _) => println!(
                "  key          {hash}, pinned ({pinned_name}); its fixed commitments are not rebuilt (--srs rebuilds them)"
            ),
            (SetupCheck::Unchecked, _) => println!("  key          {hash}, pinned ({pinned_name})"),
        }
        match self {
            SetupCheck::Ceremony { file, sha256, format } => println!(
                "  setup        {id}: MATCHES the ceremony you named ({}, {}, sha256 {sha256})",
                file.display(),
                format.name()
            ),
            SetupCheck::SetupId => println!("  setup        {id}: MATCHES the setup id you named"),
            SetupCheck::Unchecked => println!(
                "  setup        {id}: UNCHECKED (--allow-unchecked-setup): matched against no ceremony; whoever made \
                 this setup or key could forge proofs"
            ),
        }
    }

    /// The `setup` object of a `--json` answer.
    pub fn json(&self, id: &str) -> Value {
        let (checked_by, ceremony) = match self {
            SetupCheck::Ceremony { file, sha256, format } => {
                ("srs", json!({"file": file, "sha256": sha256, "format": format}))
            }
            SetupCheck::SetupId => ("setup-id", Value::Null),
            SetupCheck::Unchecked => ("unchecked", Value::Null),
        };
        let checked = !matches!(self, SetupCheck::Unchecked);
        json!({"id": id, "checked": checked, "checked_by": checked_by,
            "matches": if checked { Value::Bool(true) } else { Value::Null }, "ceremony": ceremony})
    }
}
