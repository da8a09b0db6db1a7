//! The rules table and its lookup slots: one fixed table of `(tag, key, value)` rows holding every
//! per-character fact the policy needs (the CUSIP alphabet and each character's contribution to
//! the check-digit sum, at odd and even places; the digits; the US Treasury issuer prefixes) and
//! the 256 bytes. A *slot* is a (key, value) pair of advice cells checked against the table under
//! a tag held in a fixed column, so the same slot serves as a character check on one row and a
//! byte check on the next.
//!
//! ```text
//!  tag        | key                       | value
//!  0          | 0                         | 0            (the row a disabled slot reads)
//!  CHAR_ODD   | an alphabet character     | its contribution at places 1, 3, 5, 7
//!  CHAR_EVEN  | an alphabet character     | its contribution at places 2, 4, 6, 8
//!  DIGIT      | '0'..='9'                 | 0..=9        (the check digit, place 9)
//!  PREFIX     | a Treasury issuer prefix  | 0            (six bytes, big-endian)
//!  PREFIX     | 0                         | 0            (prefix not checked: any-cusip, padding)
//!  BYTE       | 0..=255                   | 0
//! ```

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Fixed, Selector, TableColumn},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use crate::chips::poseidon::chip::AssignedValue;
use crate::cusip::{char_contribution, CUSIP_ALPHABET, TREASURY_PREFIXES};

/// What a slot checks its (key, value) against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Off = 0,
    CharOdd = 1,
    CharEven = 2,
    Digit = 3,
    Prefix = 4,
    Byte = 5,
}

impl Tag {
    /// The tag of the CUSIP character at 1-based `place` (1..=9).
    pub fn of_place(place: usize) -> Tag {
        match place {
            9 => Tag::Digit,
            p if p % 2 == 1 => Tag::CharOdd,
            _ => Tag::CharEven,
        }
    }
}

/// Every row of the table, in order.
pub fn table_rows() -> Vec<[u64; 3]> {
    let mut rows = vec![[Tag::Off as u64, 0, 0]];
    for &c in CUSIP_ALPHABET {
        rows.push([Tag::CharOdd as u64, u64::from(c), char_contribution(c, 1).expect("alphabet")]);
        rows.push([Tag::CharEven as u64, u64::from(c), char_contribution(c, 2).expect("alphabet")]);
    }
    for d in 0..10u8 {
        rows.push([Tag::Digit as u64, u64::from(b'0' + d), u64::from(d)]);
    }
    rows.push([Tag::Prefix as u64, 0, 0]);
    for p in TREASURY_PREFIXES {
        rows.push([Tag::Prefix as u64, p.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b)), 0]);
    }
    for b in 0..256u64 {
        rows.push([Tag::Byte as u64, b, 0]);
    }
    rows
}

/// One lookup slot: a key and a value in advice columns, the tag in a fixed column.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub tag: Column<Fixed>,
    pub key: Column<Advice>,
    pub value: Column<Advice>,
}

#[derive(Clone, Debug)]
pub struct RulesTableConfig {
    table: [TableColumn; 3],
    /// On every row whose slots are checked; a row with the selector off checks nothing.
    pub q_slots: Selector,
    pub slots: Vec<Slot>,
}

pub struct RulesTableChip {
    config: RulesTableConfig,
}

impl RulesTableChip {
    pub fn construct(config: RulesTableConfig) -> Self {
        Self { config }
    }

    pub fn config(&self) -> &RulesTableConfig {
        &self.config
    }

    /// One lookup argument per slot: `q_slots * (tag, key, value)` is a row of the table.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, slots: Vec<Slot>) -> RulesTableConfig {
        let table = [meta.lookup_table_column(), meta.lookup_table_column(), meta.lookup_table_column()];
        let q_slots = meta.complex_selector();
        for slot in &slots {
            meta.lookup("rules table slot", |meta| {
                let q = meta.query_selector(q_slots);
                let tag = meta.query_fixed(slot.tag, Rotation::cur());
                let key = meta.query_advice(slot.key, Rotation::cur());
                let value = meta.query_advice(slot.value, Rotation::cur());
                vec![(q.clone() * tag, table[0]), (q.clone() * key, table[1]), (q * value, table[2])]
            });
        }
        RulesTableConfig { table, q_slots, slots }
    }

    pub fn load(&self, layouter: &mut impl Layouter<Fr>) -> Result<(), Error> {
        layouter.assign_table(
            || "rules table",
            |mut table| {
                for (i, row) in table_rows().iter().enumerate() {
                    for (col, &v) in self.config.table.iter().zip(row) {
                        table.assign_cell(|| "rules", *col, i, || Value::known(Fr::from(v)))?;
                    }
                }
                Ok(())
            },
        )
    }

    /// Rows of the table: a circuit using this chip needs at least as many usable rows.
    pub fn table_len() -> usize {
        table_rows().len()
    }

    /// Switches the slot checks on for `row`.
    pub fn enable(&self, region: &mut Region<'_, Fr>, row: usize) -> Result<(), Error> {
        self.config.q_slots.enable(region, row)
    }

    /// Fills slot `slot` of `row` with `(key, value)` under `tag`. The caller enables the row.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        slot: usize,
        tag: Tag,
        key: Value<Fr>,
        value: Value<Fr>,
    ) -> Result<(AssignedValue, AssignedValue), Error> {
        let s = self.config.slots[slot];
        region.assign_fixed(s.tag, row, Fr::from(tag as u64));
        let k = region.assign_advice(s.key, row, key).cell();
        let v = region.assign_advice(s.value, row, value).cell();
        Ok((AssignedValue { cell: k, value: key }, AssignedValue { cell: v, value }))
    }

    /// A byte check: `key` is one of 0..=255 (the value cell is 0).
    pub fn assign_byte(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        slot: usize,
        byte: Value<Fr>,
    ) -> Result<AssignedValue, Error> {
        Ok(self.assign(region, row, slot, Tag::Byte, byte, Value::known(Fr::ZERO))?.0)
    }
}

/// Byte `i` (little-endian) of a field element's canonical integer.
pub fn byte_of(x: &Fr, i: usize) -> Fr {
    use ff::PrimeField;
    Fr::from(u64::from(x.to_repr()[i]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::{circuit::SimpleFloorPlanner, dev::MockProver, plonk::Circuit};

    /// One row of four slots, filled as the test says.
    #[derive(Clone, Default)]
    struct SlotCircuit {
        entries: Vec<(Tag, u64, u64)>,
    }

    impl Circuit<Fr> for SlotCircuit {
        type Config = RulesTableConfig;
        type FloorPlanner = SimpleFloorPlanner;
        type Params = ();
        fn without_witnesses(&self) -> Self {
            self.clone()
        }
        fn configure(meta: &mut ConstraintSystem<Fr>) -> RulesTableConfig {
            let slots = (0..4)
                .map(|_| Slot { tag: meta.fixed_column(), key: meta.advice_column(), value: meta.advice_column() })
                .collect();
            RulesTableChip::configure(meta, slots)
        }
        fn synthesize(&self, config: RulesTableConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
            let chip = RulesTableChip::construct(config);
            chip.load(&mut layouter)?;
            layouter.assign_region(
                || "slots",
                |mut region| {
                    chip.enable(&mut region, 0)?;
                    for slot in 0..4 {
                        let (tag, k, v) = self.entries.get(slot).copied().unwrap_or((Tag::Off, 0, 0));
                        chip.assign(&mut region, 0, slot, tag, Value::known(Fr::from(k)), Value::known(Fr::from(v)))?;
                    }
                    Ok(())
                },
            )
        }
    }

    fn ok(entries: Vec<(Tag, u64, u64)>) -> bool {
        MockProver::run(9, &SlotCircuit { entries }, vec![]).expect("runs").verify().is_ok()
    }

    #[test]
    fn slots_accept_table_rows_and_refuse_anything_else() {
        let prefix = u64::from_be_bytes(*b"\x00\x00912797");
        assert!(ok(vec![
            (Tag::CharOdd, u64::from(b'K'), 2),
            (Tag::CharEven, u64::from(b'J'), 11),
            (Tag::Digit, u64::from(b'5'), 5),
            (Tag::Prefix, prefix, 0)
        ]));
        assert!(ok(vec![(Tag::Byte, 255, 0), (Tag::Prefix, 0, 0)]));
        // A byte of 256, a wrong contribution, a letter as the check digit, a non-Treasury
        // prefix, a byte slot whose value is not 0, a disabled slot holding a value.
        assert!(!ok(vec![(Tag::Byte, 256, 0)]));
        assert!(!ok(vec![(Tag::CharOdd, u64::from(b'K'), 3)]));
        assert!(!ok(vec![(Tag::Digit, u64::from(b'A'), 10)]));
        assert!(!ok(vec![(Tag::Prefix, u64::from_be_bytes(*b"\x00\x00037833"), 0)]));
        assert!(!ok(vec![(Tag::Byte, 7, 1)]));
        assert!(!ok(vec![(Tag::Off, 1, 0)]));
    }
}
