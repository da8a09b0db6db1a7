//! The auditor's completeness check. An inclusion reconciliation shows that every position on
//! the custodian's statement is a leaf under the published root, but it cannot see a leaf the
//! statement leaves out. An auditor who is handed the private commitment can: the root
//! recomputed from its leaves must be the published one, and then the tree's real leaves must be
//! exactly the statement's positions (summed per CUSIP), nothing more and nothing less.
//!
//! The commitment is read leniently here ([`read_commitment`]): a leaf that breaks the rules the
//! attestation circuit relies on (padding worth nothing and after every real leaf, CUSIPs in
//! strictly increasing order) is a finding to report, not a file to refuse, because such a file
//! is exactly what an auditor is there to catch. Only a leaf that cannot be read at all (a bad
//! CUSIP, salt or date) is bad input.

use std::collections::BTreeMap;
use std::path::Path;

use bondproof_circuits::Fr;
use chrono::NaiveDate;
use serde::Serialize;

use crate::commitment::{build_tree, fr_hex, Commitment, CommittedLeaf};
use crate::ingest::{Cusip, Holding, InputError};
use crate::{Error, Result};

/// How one CUSIP compares between the tree and the statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditStatus {
    /// In both, at the same face value and maturity.
    Matched,
    /// In the tree, not on the statement.
    Extra,
    /// On the statement, not in the tree.
    Missing,
    /// In both, with another face value or maturity.
    Changed,
}

impl AuditStatus {
    pub fn label(self) -> &'static str {
        match self {
            AuditStatus::Matched => "matched",
            AuditStatus::Extra => "EXTRA",
            AuditStatus::Missing => "MISSING",
            AuditStatus::Changed => "CHANGED",
        }
    }
}

/// A position as one side records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Side {
    /// US cents.
    pub face_value: u64,
    /// YYYY-MM-DD.
    pub maturity: String,
}

impl Side {
    fn new(face_value: u64, maturity: NaiveDate) -> Self {
        Side { face_value, maturity: maturity.format("%Y-%m-%d").to_string() }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub cusip: String,
    pub status: AuditStatus,
    /// The leaf's index in the tree (0-based, as `inclusion prove` counts), if the tree has it.
    pub leaf: Option<usize>,
    /// The statement's rows for this CUSIP, summed.
    pub statement: Option<Side>,
    pub tree: Option<Side>,
    pub note: Option<String>,
}

/// A leaf, or a summary field of the file, that breaks a rule the attestation rests on.
#[derive(Clone, Debug, Serialize)]
pub struct StructureFinding {
    /// The leaf's index in the tree (0-based); none for a file-level field.
    pub leaf: Option<usize>,
    /// The commitment field at fault.
    pub field: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    /// Recomputed from the leaves; equal to the published root, or there is no report.
    pub root: String,
    /// The file's epoch and as-of date: the custodian's word, since the root binds only the
    /// leaves.
    pub epoch: u64,
    pub as_of: String,
    pub depth: usize,
    /// Real (non-padding) leaves in the tree.
    pub tree_positions: usize,
    /// CUSIPs on the statement, after summing.
    pub statement_positions: usize,
    /// One row per CUSIP of either side (a CUSIP the tree holds twice has a row per leaf), in
    /// CUSIP order.
    pub rows: Vec<AuditRow>,
    pub structure: Vec<StructureFinding>,
}

impl AuditReport {
    pub fn count(&self, status: AuditStatus) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }

    /// Findings of every kind: rows that do not match and structure violations.
    pub fn findings(&self) -> usize {
        self.rows.len() - self.count(AuditStatus::Matched) + self.structure.len()
    }

    /// The tree holds exactly the statement's positions and keeps the circuit's rules.
    pub fn is_exact(&self) -> bool {
        self.findings() == 0
    }
}

/// Reads a commitment file and parses every leaf, without judging the tree's structure (that is
/// [`audit`]'s job, as findings).
pub fn read_commitment(path: &Path) -> Result<(Commitment, Vec<CommittedLeaf>), InputError> {
    Commitment::read_unchecked(path)
}

/// Audits a commitment (`leaves` as [`read_commitment`] parsed them) against the published
/// `root` and the custodian's statement (positions summed per CUSIP, as `commit` sums them).
///
/// A commitment whose leaves give another root is refused ([`Error::Invalid`]): it is not the
/// tree behind the published root, so comparing it with the statement would prove nothing.
/// Otherwise every difference is in the report; nothing is refused for it.
pub fn audit(
    commitment: &Commitment,
    leaves: &[CommittedLeaf],
    statement: &[Holding],
    root: &Fr,
    file: &Path,
) -> Result<AuditReport> {
    let tree = build_tree(leaves);
    if tree.root() != *root {
        return Err(Error::Invalid(format!(
            "{}: the leaves give root {}, not the published root {}: this is not the commitment behind that root",
            file.display(),
            fr_hex(&tree.root()),
            fr_hex(root)
        )));
    }
    let mut structure = structure_findings(leaves);
    structure.extend(summary_findings(commitment, leaves, &fr_hex(&tree.root()), tree.total()));

    // Each CUSIP's first leaf is compared with the statement; a later leaf for the same CUSIP is
    // a second copy the statement cannot account for.
    let mut first_leaf: BTreeMap<Cusip, usize> = BTreeMap::new();
    let mut rows = Vec::new();
    for (i, leaf) in leaves.iter().enumerate() {
        let Some(cusip) = leaf.cusip else { continue };
        if let Some(&first) = first_leaf.get(&cusip) {
            rows.push(AuditRow {
                cusip: cusip.to_string(),
                status: AuditStatus::Extra,
                leaf: Some(i),
                statement: None,
                tree: Some(Side::new(leaf.face_value, leaf.maturity)),
                note: Some(format!("a second leaf for this CUSIP (the first is leaf {first})")),
            });
        } else {
            first_leaf.insert(cusip, i);
        }
    }
    let on_statement: BTreeMap<Cusip, &Holding> = statement.iter().map(|h| (h.cusip, h)).collect();
    for (&cusip, &i) in &first_leaf {
        let leaf = &leaves[i];
        let tree_side = Side::new(leaf.face_value, leaf.maturity);
        let row = match on_statement.get(&cusip) {
            None => AuditRow {
                cusip: cusip.to_string(),
                status: AuditStatus::Extra,
                leaf: Some(i),
                statement: None,
                tree: Some(tree_side),
                note: Some("in the tree, not on the statement".into()),
            },
            Some(h) => {
                let statement_side = Side::new(h.face_value, h.maturity);
                let mut differs = Vec::new();
                if h.face_value != leaf.face_value {
                    differs.push("face value");
                }
                if h.maturity != leaf.maturity {
                    differs.push("maturity");
                }
                AuditRow {
                    cusip: cusip.to_string(),
                    status: if differs.is_empty() { AuditStatus::Matched } else { AuditStatus::Changed },
                    leaf: Some(i),
                    note: (!differs.is_empty()).then(|| format!("{} differs", differs.join(" and "))),
                    statement: Some(statement_side),
                    tree: Some(tree_side),
                }
            }
        };
        rows.push(row);
    }
    for h in statement.iter().filter(|h| !first_leaf.contains_key(&h.cusip)) {
        rows.push(AuditRow {
            cusip: h.cusip.to_string(),
            status: AuditStatus::Missing,
            leaf: None,
            statement: Some(Side::new(h.face_value, h.maturity)),
            tree: None,
            note: Some("on the statement, not in the tree".into()),
        });
    }
    rows.sort_by(|a, b| (&a.cusip, a.leaf).cmp(&(&b.cusip, b.leaf)));

    Ok(AuditReport {
        root: fr_hex(&tree.root()),
        epoch: commitment.epoch,
        as_of: commitment.as_of.clone(),
        depth: commitment.depth,
        tree_positions: leaves.iter().filter(|l| l.cusip.is_some()).count(),
        statement_positions: statement.len(),
        rows,
        structure,
    })
}

/// The order chip's rules, checked natively: padding is worth nothing and comes after every
/// real leaf, and real leaves are in strictly increasing CUSIP order (no security counted
/// twice). A tree that breaks them has a root, but no attestation can be proved over it.
fn structure_findings(leaves: &[CommittedLeaf]) -> Vec<StructureFinding> {
    let mut out = Vec::new();
    let mut first_padding: Option<usize> = None;
    let mut previous: Option<(usize, Cusip)> = None;
    for (i, leaf) in leaves.iter().enumerate() {
        let finding = |field, message| StructureFinding { leaf: Some(i), field, message };
        let Some(cusip) = leaf.cusip else {
            if leaf.face_value != 0 {
                out.push(finding(
                    "face_value",
                    format!(
                        "padding leaf {i} is worth {} cents: padding must be worth nothing, or it counts toward the reserves",
                        leaf.face_value
                    ),
                ));
            }
            first_padding.get_or_insert(i);
            continue;
        };
        if let Some(p) = first_padding {
            out.push(finding(
                "cusip",
                format!("real leaf {i} ({cusip}) comes after padding leaf {p}: padding must come last"),
            ));
        }
        if let Some((j, prev)) = previous {
            if cusip == prev {
                out.push(finding("cusip", format!("{cusip} at leaf {i} repeats leaf {j}: a security counted twice")));
            } else if cusip < prev {
                out.push(finding(
                    "cusip",
                    format!("{cusip} at leaf {i} is below {prev} at leaf {j}: CUSIPs must strictly increase"),
                ));
            }
        }
        previous = Some((i, cusip));
    }
    out
}

/// The file's own summary (root, total, position count) against its leaves. These fields are
/// not hashed, so a mismatch changes no proof, but a file that misdescribes itself is not what
/// `commit` wrote.
fn summary_findings(c: &Commitment, leaves: &[CommittedLeaf], root: &str, total: u128) -> Vec<StructureFinding> {
    let mut out = Vec::new();
    let summary = |field, message| StructureFinding { leaf: None, field, message };
    if c.root.to_ascii_lowercase() != root {
        out.push(summary("root", format!("the file says root {}, its leaves give {root}", c.root)));
    }
    if c.total_face_value != total.to_string() {
        out.push(summary(
            "total_face_value",
            format!("the file says {} cents, its leaves sum to {total}", c.total_face_value),
        ));
    }
    let real = leaves.iter().filter(|l| l.cusip.is_some()).count();
    if c.positions != real {
        out.push(summary("positions", format!("the file says {} positions, it has {real} real leaves", c.positions)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commitment::commit;
    use crate::ingest::check_digit;
    use bondproof_verifier::bundle::parse_root;

    fn cusip(first8: &str) -> Cusip {
        let d = check_digit(first8.as_bytes()).unwrap();
        Cusip::parse(&format!("{first8}{d}")).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn holding(c: &str, face: u64, maturity: &str) -> Holding {
        Holding { cusip: cusip(c), face_value: face, maturity: date(maturity), accounts: vec![(None, face)] }
    }

    fn statement() -> Vec<Holding> {
        vec![holding("912797UD", 100, "2027-03-18"), holding("912797WL", 200, "2027-03-25")]
    }

    fn committed(holdings: &[Holding]) -> (Commitment, Vec<CommittedLeaf>) {
        let (c, leaves, _) = commit(holdings, 1, date("2026-11-24"), Some(2), Path::new("h.csv")).unwrap();
        (c, leaves)
    }

    /// Audits `leaves` against their own root, with the file's summary brought up to date.
    fn run(mut c: Commitment, leaves: &[CommittedLeaf], statement: &[Holding]) -> AuditReport {
        let tree = build_tree(leaves);
        c.root = fr_hex(&tree.root());
        c.total_face_value = tree.total().to_string();
        c.positions = leaves.iter().filter(|l| l.cusip.is_some()).count();
        audit(&c, leaves, statement, &tree.root(), Path::new("c.json")).unwrap()
    }

    fn statuses(r: &AuditReport) -> Vec<(String, AuditStatus)> {
        r.rows.iter().map(|row| (row.cusip.clone(), row.status)).collect()
    }

    #[test]
    fn exact_match_has_no_findings() {
        let (c, leaves) = committed(&statement());
        let r = run(c, &leaves, &statement());
        assert!(r.is_exact(), "{r:?}");
        assert_eq!(r.count(AuditStatus::Matched), 2);
        assert_eq!((r.tree_positions, r.statement_positions), (2, 2));
    }

    #[test]
    fn extra_missing_and_changed_are_named() {
        let mut tree_side = statement();
        tree_side.push(holding("912810PW", 5, "2038-02-15"));
        let (c, leaves) = committed(&tree_side);
        let mut stmt = vec![holding("912797UD", 100, "2027-03-18"), holding("912797WL", 201, "2027-03-25")];
        stmt.push(holding("91282CJJ", 7, "2033-11-15"));
        let r = run(c, &leaves, &stmt);
        let wl = cusip("912797WL").to_string();
        assert_eq!(
            statuses(&r),
            vec![
                (cusip("912797UD").to_string(), AuditStatus::Matched),
                (wl, AuditStatus::Changed),
                (cusip("912810PW").to_string(), AuditStatus::Extra),
                (cusip("91282CJJ").to_string(), AuditStatus::Missing),
            ]
        );
        assert_eq!(r.rows[1].note.as_deref(), Some("face value differs"));
        assert_eq!(r.findings(), 3);
        let changed_maturity = vec![holding("912797UD", 100, "2027-03-19"), holding("912797WL", 200, "2027-03-25")];
        let (c, leaves) = committed(&statement());
        let r = run(c, &leaves, &changed_maturity);
        assert_eq!(r.rows[0].status, AuditStatus::Changed);
        assert_eq!(r.rows[0].note.as_deref(), Some("maturity differs"));
    }

    #[test]
    fn structure_violations_are_findings() {
        let (c, leaves) = committed(&statement());
        // Padding with value: counted in the tree's total, on no statement.
        let mut worth = leaves.clone();
        worth[3].face_value = 9;
        let r = run(c.clone(), &worth, &statement());
        assert_eq!(r.count(AuditStatus::Matched), 2);
        assert_eq!(r.structure.len(), 1, "{r:?}");
        assert_eq!((r.structure[0].leaf, r.structure[0].field), (Some(3), "face_value"));

        // The same CUSIP twice: the second leaf is EXTRA and an order violation.
        let mut twice = leaves.clone();
        twice[2] = twice[1].clone();
        let r = run(c.clone(), &twice, &statement());
        assert_eq!(r.count(AuditStatus::Extra), 1);
        assert_eq!(r.rows.iter().find(|row| row.status == AuditStatus::Extra).unwrap().leaf, Some(2));
        assert!(r.structure.iter().any(|s| s.message.contains("counted twice")), "{r:?}");

        // Out of order, and a real leaf after padding.
        let mut swapped = leaves.clone();
        swapped.swap(0, 1);
        let r = run(c.clone(), &swapped, &statement());
        assert_eq!(r.count(AuditStatus::Matched), 2);
        assert!(r.structure[0].message.contains("strictly increase"), "{r:?}");
        let mut late = leaves.clone();
        late.swap(1, 2);
        let r = run(c.clone(), &late, &statement());
        assert!(r.structure[0].message.contains("padding must come last"), "{r:?}");
    }

    #[test]
    fn another_root_is_refused_and_a_stale_summary_is_a_finding() {
        let (c, leaves) = committed(&statement());
        let (other, _) = committed(&statement());
        let other_root = parse_root(&other.root).unwrap();
        let e = audit(&c, &leaves, &statement(), &other_root, Path::new("c.json")).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("not the commitment behind that root"), "{e}");

        let root = parse_root(&c.root).unwrap();
        let mut stale = c.clone();
        stale.total_face_value = "1".into();
        stale.positions = 5;
        let r = audit(&stale, &leaves, &statement(), &root, Path::new("c.json")).unwrap();
        let fields: Vec<_> = r.structure.iter().map(|s| s.field).collect();
        assert_eq!(fields, vec!["total_face_value", "positions"]);
        assert!(!r.is_exact());
    }
}
