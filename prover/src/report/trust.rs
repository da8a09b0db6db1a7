//! What the report's verifying key was checked against, for the page and for
//! `attestations.json`: the CLI establishes the key (`--srs`, `--setup-id`,
//! `--allow-unchecked-setup`, as `verify` does) and says here how.

use serde_json::{json, Value};

use super::page::esc;

/// How the verifying key the report used was established.
#[derive(Clone, Debug)]
pub enum Trust {
    /// Rebuilt from the circuit code and this ceremony file (a pinned key, if any, was
    /// byte-identical to it).
    Ceremony {
        /// The file's name (not its path on the publisher's machine).
        file_name: String,
        sha256: String,
        format: String,
    },
    /// The key's setup is the one the publisher named; its fixed commitments were not rebuilt.
    SetupId,
    /// Nothing: `--allow-unchecked-setup`.
    Unchecked,
}

impl Trust {
    pub fn json(&self) -> Value {
        match self {
            Trust::Ceremony { file_name, sha256, format } => json!({"checked_by": "srs", "rebuilt": true,
                "ceremony": {"file": file_name, "sha256": sha256, "format": format}}),
            Trust::SetupId => json!({"checked_by": "setup-id", "rebuilt": false}),
            Trust::Unchecked => json!({"checked_by": "unchecked", "rebuilt": false}),
        }
    }

    /// One sentence for the page: what the publisher checked the key against.
    pub fn html_sentence(&self, setup_id: &str) -> String {
        match self {
            Trust::Ceremony { file_name, sha256, format } => format!(
                "The key was rebuilt, while this page was built, from the circuit code and the ceremony file \
                 <code>{}</code> ({}, SHA-256 <code>{}</code>), and is byte-identical to the published one.",
                esc(file_name),
                esc(format),
                esc(sha256)
            ),
            Trust::SetupId => format!(
                "The key's setup is the one the publisher named (setup id <code>{}</code>); its fixed commitments \
                 were not rebuilt from a ceremony file. Rebuild the key yourself with the commands below.",
                esc(setup_id)
            ),
            Trust::Unchecked => "The publisher did <strong>not</strong> check this key's setup against any ceremony \
                (<code>--allow-unchecked-setup</code>). Whoever made the setup or the key could forge proofs that \
                verify against it: trust these attestations only after checking the key yourself."
                .to_string(),
        }
    }

    /// The trust flags a reader passes to `bondproof verify` to check as the publisher did.
    pub fn verify_flags(&self, setup_id: &str) -> String {
        match self {
            Trust::Ceremony { file_name, .. } => format!("--vk attestation.vk.bin --srs {}", shell_word(file_name)),
            Trust::SetupId => format!("--vk attestation.vk.bin --setup-id {setup_id}"),
            Trust::Unchecked => "--vk attestation.vk.bin --allow-unchecked-setup".into(),
        }
    }
}

/// A file name as one shell word: as is when it is plain, else single-quoted.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/+".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
