//! What an attestation proves, defined once: the public inputs of the attestation circuit, in
//! circuit order, used by the prover, the verifier, the bundle, the Solidity calldata and the
//! registry alike. And [`CircuitKind`], the one name of each circuit that keys, key files,
//! bundles and the Solidity export agree on.

use ff::{Field, PrimeField};
use halo2curves::bn256::Fr;

use crate::policy::{PolicyInstance, HAIRCUT_SLOTS};

/// Deployment slots in the statement: every deployment of the token (one per chain, plus
/// book-entry shares) has a line; unused slots are `(0, 0)`.
pub const DEPLOYMENT_SLOTS: usize = 16;
/// Each deployment's supply is below 2^96 cents (about 7.9e26 dollars): no real fund reaches it,
/// and the sum of 16 of them times a 32-bit ratio stays far below the field's modulus.
pub const SUPPLY_BYTES: usize = 12;
/// The ratio in basis points is below 2^32.
pub const RATIO_BYTES: usize = 4;

/// One line of the liabilities table: where the supply lives, and what it is worth in cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deployment {
    /// `chain_id * 2^160 + registry address` for a token on a chain (what the registry computes
    /// as `(block.chainid << 160) | address(this)`); [`book_entry_domain`] for shares held
    /// off-chain; 0 for an unused slot.
    pub domain: Fr,
    /// `ceil(total_supply / 10^decimals * nav_usd * 100)`, below 2^96.
    pub supply_cents: u128,
}

/// The attestation statement: the positions committed under `root` are eligible under `policy`,
/// and their value after the policy's haircuts covers, at `ratio_bps`, the sum of every
/// deployment's supply; attested by `custodian` for `epoch`, valued as of `as_of_days`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttestationStatement {
    pub root: Fr,
    pub epoch: u64,
    /// The custodian's Ethereum address: the registry accepts the attestation only from it.
    pub custodian: [u8; 20],
    /// Days since 1970-01-01, below 2^16.
    pub as_of_days: u64,
    /// Basis points, below 2^32.
    pub ratio_bps: u32,
    pub policy: PolicyInstance,
    pub deployments: [Deployment; DEPLOYMENT_SLOTS],
}

impl AttestationStatement {
    pub const ROOT: usize = 0;
    pub const EPOCH: usize = 1;
    pub const CUSTODIAN: usize = 2;
    pub const AS_OF: usize = 3;
    pub const RATIO_BPS: usize = 4;
    /// 1 for `us-treasury` eligibility, 0 for `any-cusip`.
    pub const ELIGIBLE_TREASURY: usize = 5;
    pub const MAX_MATURITY: usize = 6;
    /// `max_days` of haircut slot j at `BUCKETS + 2j`, its bps at `BUCKETS + 2j + 1`.
    pub const BUCKETS: usize = 7;
    pub const WAM_ENABLED: usize = Self::BUCKETS + 2 * HAIRCUT_SLOTS;
    pub const MAX_WAM: usize = Self::WAM_ENABLED + 1;
    pub const WEEKLY_ENABLED: usize = Self::MAX_WAM + 1;
    pub const MIN_WEEKLY_BPS: usize = Self::WEEKLY_ENABLED + 1;
    /// Domain of slot j at `DEPLOYMENTS + 2j`, its supply at `DEPLOYMENTS + 2j + 1`.
    pub const DEPLOYMENTS: usize = Self::MIN_WEEKLY_BPS + 1;
    pub const COUNT: usize = Self::DEPLOYMENTS + 2 * DEPLOYMENT_SLOTS;

    /// Names in circuit order, as the bundle and `verify --json` show them.
    pub fn names() -> Vec<String> {
        let mut n: Vec<String> =
            ["root", "epoch", "custodian", "as_of_days", "ratio_bps", "eligible_us_treasury", "max_maturity_days"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        for j in 0..HAIRCUT_SLOTS {
            n.push(format!("haircut_{j}_max_days"));
            n.push(format!("haircut_{j}_bps"));
        }
        for s in ["wam_enabled", "max_wam_days", "weekly_enabled", "min_weekly_liquid_bps"] {
            n.push(s.into());
        }
        for j in 0..DEPLOYMENT_SLOTS {
            n.push(format!("deployment_{j}_domain"));
            n.push(format!("deployment_{j}_supply_cents"));
        }
        debug_assert_eq!(n.len(), Self::COUNT);
        n
    }

    /// The instance column, in circuit order.
    pub fn to_instances(&self) -> Vec<Fr> {
        let mut v = vec![
            self.root,
            Fr::from(self.epoch),
            address_field(&self.custodian),
            Fr::from(self.as_of_days),
            Fr::from(u64::from(self.ratio_bps)),
        ];
        v.extend(self.policy.to_fields());
        for d in &self.deployments {
            v.push(d.domain);
            v.push(Fr::from_u128(d.supply_cents));
        }
        debug_assert_eq!(v.len(), Self::COUNT);
        v
    }

    /// Liabilities: the sum of every slot's supply, in cents (what the circuit covers).
    pub fn liabilities_cents(&self) -> u128 {
        self.deployments.iter().map(|d| d.supply_cents).sum()
    }

    /// The used lines of the table (a domain or a supply), with their slot index.
    pub fn used_deployments(&self) -> impl Iterator<Item = (usize, &Deployment)> {
        self.deployments.iter().enumerate().filter(|(_, d)| d.supply_cents != 0 || d.domain != Fr::ZERO)
    }

    /// The slot whose domain is `domain`, as a registry looks up its own line.
    pub fn slot_of(&self, domain: &Fr) -> Option<usize> {
        self.deployments.iter().position(|d| d.domain == *domain && *domain != Fr::ZERO)
    }
}

/// Folds a chain id and a 20-byte registry address into one field element:
/// `chain_id * 2^160 + address`, the same value the registry contract computes as
/// `(block.chainid << 160) | uint160(address(this))`. Always below 2^224.
pub fn domain_tag(chain_id: u64, registry: [u8; 20]) -> Fr {
    let mut be = [0u8; 32];
    be[4..12].copy_from_slice(&chain_id.to_be_bytes());
    be[12..].copy_from_slice(&registry);
    fr_from_be_bytes(&be).expect("a 224-bit value is below the modulus")
}

/// The domain of shares held off-chain on a transfer agent's register: `2^224 + register`.
/// Every on-chain domain is below 2^224 (a 64-bit chain id above a 160-bit address), so no
/// registry on any chain can take a book-entry line for its own.
pub fn book_entry_domain(register: u64) -> Fr {
    let mut be = [0u8; 32];
    be[3] = 1;
    be[24..].copy_from_slice(&register.to_be_bytes());
    fr_from_be_bytes(&be).expect("a 225-bit value is below the modulus")
}

/// What a domain names, read back for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainKind {
    Unused,
    Chain {
        chain_id: u64,
        registry: [u8; 20],
    },
    BookEntry {
        register: u64,
    },
    /// Any other value: a valid public input that no registry or register recognises.
    Other,
}

pub fn domain_kind(domain: &Fr) -> DomainKind {
    if *domain == Fr::ZERO {
        return DomainKind::Unused;
    }
    let be = fr_to_be_bytes(domain);
    if be[..4] == [0, 0, 0, 0] {
        let chain_id = u64::from_be_bytes(be[4..12].try_into().expect("8 bytes"));
        let registry: [u8; 20] = be[12..].try_into().expect("20 bytes");
        return DomainKind::Chain { chain_id, registry };
    }
    if be[..4] == [0, 0, 0, 1] && be[4..24].iter().all(|&b| b == 0) {
        return DomainKind::BookEntry { register: u64::from_be_bytes(be[24..].try_into().expect("8 bytes")) };
    }
    DomainKind::Other
}

/// An Ethereum address as a field element (its 160-bit big-endian value).
pub fn address_field(address: &[u8; 20]) -> Fr {
    let mut be = [0u8; 32];
    be[12..].copy_from_slice(address);
    fr_from_be_bytes(&be).expect("a 160-bit value is below the modulus")
}

/// The address a field element holds, if it is below 2^160.
pub fn field_address(x: &Fr) -> Option<[u8; 20]> {
    let be = fr_to_be_bytes(x);
    if be[..12].iter().any(|&b| b != 0) {
        return None;
    }
    Some(be[12..].try_into().expect("20 bytes"))
}

/// A field element from 32 big-endian bytes, if canonical (< p).
pub fn fr_from_be_bytes(be: &[u8; 32]) -> Option<Fr> {
    let mut le = *be;
    le.reverse();
    Option::from(Fr::from_repr(le))
}

/// 32 big-endian bytes of a field element.
pub fn fr_to_be_bytes(x: &Fr) -> [u8; 32] {
    let mut be = x.to_repr();
    be.reverse();
    be
}

/// The circuits that get keys. The name is what key files and bundles record, so a verifier
/// knows which circuit to rebuild a key with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CircuitKind {
    /// One proof per epoch: the whole tree, the policy and the liabilities table.
    Attestation,
    /// One proof per audited position.
    Inclusion,
}

impl CircuitKind {
    pub const ALL: [CircuitKind; 2] = [CircuitKind::Attestation, CircuitKind::Inclusion];

    pub fn name(self) -> &'static str {
        match self {
            CircuitKind::Attestation => "attestation",
            CircuitKind::Inclusion => "inclusion",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The smallest k a tree of this depth needs.
    pub fn min_k(self, depth: usize) -> u32 {
        match self {
            CircuitKind::Attestation => crate::AttestationCircuit::min_k(depth),
            CircuitKind::Inclusion => crate::InclusionCircuit::min_k(depth),
        }
    }

    /// Public inputs of one proof.
    pub fn instance_count(self) -> usize {
        match self {
            CircuitKind::Attestation => AttestationStatement::COUNT,
            CircuitKind::Inclusion => crate::InclusionPublicInputs::COUNT,
        }
    }
}

impl std::fmt::Display for CircuitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_of_chains_and_book_entry_never_collide() {
        let chain = domain_tag(u64::MAX, [0xff; 20]);
        let book = book_entry_domain(0);
        assert_ne!(chain, book);
        assert_eq!(domain_kind(&chain), DomainKind::Chain { chain_id: u64::MAX, registry: [0xff; 20] });
        assert_eq!(domain_kind(&book), DomainKind::BookEntry { register: 0 });
        assert_eq!(domain_kind(&book_entry_domain(7)), DomainKind::BookEntry { register: 7 });
        assert_eq!(domain_kind(&Fr::ZERO), DomainKind::Unused);
    }

    #[test]
    fn addresses_round_trip() {
        let a = [0x12; 20];
        assert_eq!(field_address(&address_field(&a)), Some(a));
        assert_eq!(field_address(&book_entry_domain(1)), None);
    }
}
