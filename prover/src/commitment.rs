//! The custodian's private commitment file: every leaf with its salt, from which anyone holding
//! it can recompute the root.

use std::path::Path;

use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::Fr;
use bondproof_verifier::bundle::parse_root;
use chrono::NaiveDate;
use ff::Field;
use serde::{Deserialize, Serialize};

use crate::ingest::{Cusip, Holding, InputError, Location};
use crate::tree::MerkleSumTree;

pub const FORMAT_VERSION: u32 = 1;
/// Trees deeper than this do not fit a circuit this machine class can prove.
pub const MAX_DEPTH: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountShare {
    pub account: Option<String>,
    pub face_value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeafRecord {
    /// "" for a padding leaf.
    pub cusip: String,
    /// US cents, decimal string.
    pub face_value: String,
    pub maturity: String,
    /// 0x-hex, 32 bytes big-endian.
    pub salt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountShare>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    pub format_version: u32,
    pub epoch: u64,
    pub as_of: String,
    pub depth: usize,
    pub root: String,
    pub total_face_value: String,
    pub positions: usize,
    pub leaves: Vec<LeafRecord>,
}

/// A parsed leaf: what the circuit hashes.
#[derive(Clone, Debug)]
pub struct CommittedLeaf {
    pub cusip: Option<Cusip>,
    pub face_value: u64,
    pub maturity: NaiveDate,
    pub salt: Fr,
}

impl CommittedLeaf {
    pub fn to_leaf(&self) -> Leaf {
        let cusip = self.cusip.map_or(Fr::ZERO, |c| c.to_field());
        Leaf::new(cusip, self.face_value, days_since_epoch(self.maturity), self.salt)
    }
}

pub use crate::ingest::{days_since_epoch, epoch_date};

pub use bondproof_verifier::bundle::fr_hex;

/// The smallest depth whose tree holds `n` leaves (at least 1).
pub fn depth_for(n: usize) -> usize {
    n.max(2).next_power_of_two().trailing_zeros() as usize
}

/// Builds the commitment: one leaf per CUSIP in increasing order, then zero-value padding
/// leaves, each with a fresh salt from the OS CSPRNG.
pub fn commit(
    holdings: &[Holding],
    epoch: u64,
    as_of: NaiveDate,
    depth: Option<usize>,
    file: &Path,
) -> Result<(Commitment, Vec<CommittedLeaf>, MerkleSumTree), InputError> {
    let needed = depth_for(holdings.len());
    let depth = depth.unwrap_or(needed);
    if depth < needed || depth == 0 {
        return Err(InputError::new(
            file,
            format!(
                "{} positions do not fit a tree of depth {depth} ({} leaves); use --depth {needed} or more",
                holdings.len(),
                1usize << depth.min(63)
            ),
        ));
    }
    if depth > MAX_DEPTH {
        return Err(InputError::new(file, format!("--depth {depth} is above the supported maximum {MAX_DEPTH}")));
    }
    let mut rng = rand::rngs::OsRng;
    let mut leaves: Vec<CommittedLeaf> = holdings
        .iter()
        .map(|h| CommittedLeaf {
            cusip: Some(h.cusip),
            face_value: h.face_value,
            maturity: h.maturity,
            salt: Fr::random(&mut rng),
        })
        .collect();
    leaves.resize_with(1 << depth, || CommittedLeaf {
        cusip: None,
        face_value: 0,
        maturity: epoch_date(),
        salt: Fr::random(&mut rng),
    });
    let tree = build_tree(&leaves);
    let records = leaves
        .iter()
        .enumerate()
        .map(|(i, l)| LeafRecord {
            cusip: l.cusip.map(|c| c.to_string()).unwrap_or_default(),
            face_value: l.face_value.to_string(),
            maturity: l.maturity.format("%Y-%m-%d").to_string(),
            salt: fr_hex(&l.salt),
            accounts: holdings
                .get(i)
                .map(|h| {
                    h.accounts
                        .iter()
                        .map(|(a, v)| AccountShare { account: a.clone(), face_value: v.to_string() })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let commitment = Commitment {
        format_version: FORMAT_VERSION,
        epoch,
        as_of: as_of.format("%Y-%m-%d").to_string(),
        depth,
        root: fr_hex(&tree.root()),
        total_face_value: tree.total().to_string(),
        positions: holdings.len(),
        leaves: records,
    };
    Ok((commitment, leaves, tree))
}

pub fn build_tree(leaves: &[CommittedLeaf]) -> MerkleSumTree {
    let circuit_leaves: Vec<Leaf> = leaves.iter().map(CommittedLeaf::to_leaf).collect();
    let faces: Vec<u64> = leaves.iter().map(|l| l.face_value).collect();
    MerkleSumTree::build(&circuit_leaves, &faces)
}

impl Commitment {
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        bondproof_verifier::atomic::write_json_private(path, self)
    }

    /// Reads a commitment file and parses every leaf, without judging the tree's structure
    /// (`audit` reports that as findings). Bad input names the leaf and field: unreadable JSON,
    /// another format version, a leaf count that is not `2^depth`, a field that does not parse.
    pub fn read_unchecked(path: &Path) -> Result<(Commitment, Vec<CommittedLeaf>), InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
        let c: Commitment = serde_json::from_str(&text)
            .map_err(|e| InputError::new(path, format!("not a commitment file: {e}")).at_line(e.line()))?;
        if c.format_version != FORMAT_VERSION {
            return Err(InputError::new(path, format!("format_version {} is not supported", c.format_version))
                .field("format_version"));
        }
        if c.depth == 0 || c.depth > MAX_DEPTH || c.leaves.len() != 1usize << c.depth {
            return Err(InputError::new(path, format!("depth {} does not match {} leaves", c.depth, c.leaves.len()))
                .field("depth"));
        }
        let leaves = c.leaves.iter().enumerate().map(|(i, r)| parse_leaf(path, i, r)).collect::<Result<Vec<_>, _>>()?;
        Ok((c, leaves))
    }

    /// Reads and fully checks a commitment: leaf order, padding, and the root recomputed from
    /// the leaves. Returns the native tree (sums and hashes, for inclusion paths).
    pub fn read(path: &Path) -> Result<(Commitment, Vec<CommittedLeaf>, MerkleSumTree), InputError> {
        let (c, leaves) = Self::read_ordered(path)?;
        let tree = build_tree(&leaves);
        c.check_root(path, &tree.root())?;
        Ok((c, leaves, tree))
    }

    /// [`Commitment::read`] for proving: the leaves as the circuit takes them, and the root
    /// recomputed on the circuit's own witness (every permutation's cells), which the proof then
    /// uses, so the tree is hashed once.
    pub fn read_for_proving(path: &Path) -> Result<(Commitment, Vec<Leaf>, TreeWitness), InputError> {
        let (c, leaves) = Self::read_ordered(path)?;
        let leaves: Vec<Leaf> = leaves.iter().map(CommittedLeaf::to_leaf).collect();
        let witness = TreeWitness::build(&leaves);
        c.check_root(path, &witness.root().hash())?;
        Ok((c, leaves, witness))
    }

    fn check_root(&self, path: &Path, computed: &Fr) -> Result<(), InputError> {
        if fr_hex(computed) != self.root.to_ascii_lowercase() {
            return Err(InputError::new(
                path,
                format!("root {} does not match the leaves (they give {})", self.root, fr_hex(computed)),
            )
            .field("root"));
        }
        Ok(())
    }

    /// [`Commitment::read_unchecked`], then the leaves' order and padding checked.
    fn read_ordered(path: &Path) -> Result<(Commitment, Vec<CommittedLeaf>), InputError> {
        let (c, leaves) = Self::read_unchecked(path)?;
        let at =
            |i: usize, field: &str, msg: String| InputError::new(path, msg).at(Location::Position(i + 1)).field(field);
        let mut previous: Option<Cusip> = None;
        let mut padding_started = false;
        for (i, leaf) in leaves.iter().enumerate() {
            match leaf.cusip {
                None => {
                    padding_started = true;
                    if leaf.face_value != 0 {
                        return Err(at(i, "face_value", "a padding leaf must have face value 0".into()));
                    }
                }
                Some(cusip) => {
                    if padding_started {
                        return Err(at(i, "cusip", "a real leaf follows a padding leaf".into()));
                    }
                    if previous.is_some_and(|p| p >= cusip) {
                        return Err(at(i, "cusip", format!("{cusip} is not in increasing CUSIP order")));
                    }
                    previous = Some(cusip);
                }
            }
        }
        Ok((c, leaves))
    }
}

/// One leaf record's fields; `cusip: ""` is padding.
fn parse_leaf(path: &Path, i: usize, r: &LeafRecord) -> Result<CommittedLeaf, InputError> {
    let at = |field: &str, msg: String| InputError::new(path, msg).at(Location::Position(i + 1)).field(field);
    let cusip =
        if r.cusip.is_empty() { None } else { Some(Cusip::parse(&r.cusip).map_err(|e| at("cusip", e.to_string()))?) };
    let face_value: u64 = r
        .face_value
        .parse()
        .map_err(|_| at("face_value", format!("'{}' is not a whole number of cents below 2^64", r.face_value)))?;
    let maturity = NaiveDate::parse_from_str(&r.maturity, "%Y-%m-%d")
        .map_err(|_| at("maturity", format!("'{}' is not an ISO date", r.maturity)))?;
    let salt = parse_root(&r.salt).map_err(|_| at("salt", "must be 0x-hex of a 32-byte field element".into()))?;
    Ok(CommittedLeaf { cusip, face_value, maturity, salt })
}
