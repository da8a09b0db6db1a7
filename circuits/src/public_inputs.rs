//! Public inputs, defined once and used by the prover, the verifier, the bundle and the EVM
//! calldata alike.

use ff::PrimeField;
use halo2curves::bn256::Fr;

/// The solvency statement: a tree with this root covers these liabilities at this ratio, for
/// this epoch, usable where this domain says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolvencyPublicInputs {
    pub root: Fr,
    /// US cents, < 2^96.
    pub liabilities: u128,
    /// Basis points, < 2^32.
    pub ratio_bps: u32,
    pub epoch: u64,
    /// `chain_id * 2^160 + registry address`, or 0 for a proof not bound to any chain.
    pub domain: Fr,
}

impl SolvencyPublicInputs {
    pub const ROOT: usize = 0;
    pub const LIABILITIES: usize = 1;
    pub const RATIO_BPS: usize = 2;
    pub const EPOCH: usize = 3;
    pub const DOMAIN: usize = 4;
    pub const COUNT: usize = 5;
    pub const NAMES: [&'static str; Self::COUNT] = ["root", "liabilities", "ratio_bps", "epoch", "domain"];

    /// The instance column, in circuit order.
    pub fn to_instances(&self) -> Vec<Fr> {
        vec![
            self.root,
            Fr::from_u128(self.liabilities),
            Fr::from(self.ratio_bps as u64),
            Fr::from(self.epoch),
            self.domain,
        ]
    }
}

/// Folds a chain id and a 20-byte registry address into one field element:
/// `chain_id * 2^160 + address`, the same value the registry contract computes as
/// `(block.chainid << 160) | uint160(address(this))`.
pub fn domain_tag(chain_id: u64, registry: [u8; 20]) -> Fr {
    let mut be = [0u8; 32];
    be[4..12].copy_from_slice(&chain_id.to_be_bytes());
    be[12..].copy_from_slice(&registry);
    fr_from_be_bytes(&be).expect("a 224-bit value is below the modulus")
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
