//! Revert data decoded into the registry's custom error and its arguments, from the registry's
//! ABI (`verifier/contracts/ReserveRegistry.abi.json`).

use std::sync::OnceLock;

use alloy::dyn_abi::{DynSolValue, JsonAbiExt};
use alloy::json_abi::JsonAbi;
use alloy::sol_types::SolError;
use bondproof_verifier::compile::REGISTRY_ABI;

fn registry_abi() -> &'static JsonAbi {
    static ABI: OnceLock<JsonAbi> = OnceLock::new();
    ABI.get_or_init(|| serde_json::from_str(REGISTRY_ABI).expect("the committed registry ABI is valid JSON ABI"))
}

/// `SlotBelowSupply(100, 250)`, `Error("…")`, or the raw data when no error of the ABI matches.
pub fn describe(data: &[u8]) -> String {
    if data.len() < 4 {
        return format!("without a reason (revert data 0x{})", alloy::hex::encode(data));
    }
    let selector = &data[..4];
    for error in registry_abi().errors() {
        if error.selector().as_slice() == selector {
            return match error.abi_decode_input(&data[4..]) {
                Ok(values) => {
                    format!("{}({})", error.name, values.iter().map(value).collect::<Vec<_>>().join(", "))
                }
                Err(_) => format!("{} with malformed arguments 0x{}", error.name, alloy::hex::encode(&data[4..])),
            };
        }
    }
    if let Ok(reason) = alloy::sol_types::Revert::abi_decode(data) {
        return format!("Error({:?})", reason.reason);
    }
    format!("an error not in the registry's ABI (revert data 0x{})", alloy::hex::encode(data))
}

fn value(v: &DynSolValue) -> String {
    match v {
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::FixedBytes(w, n) => format!("0x{}", alloy::hex::encode(&w[..*n])),
        DynSolValue::Bytes(b) => format!("0x{}", alloy::hex::encode(b)),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::U256;
    use alloy::sol_types::SolValue;

    #[test]
    fn a_custom_error_is_named_with_its_arguments() {
        let mut data = bondproof_verifier::solidity::selector("SlotBelowSupply(uint256,uint256)").to_vec();
        data.extend((U256::from(100u64), U256::from(250u64)).abi_encode_params());
        assert_eq!(describe(&data), "SlotBelowSupply(100, 250)");
        let data = bondproof_verifier::solidity::selector("NotCustodian()").to_vec();
        assert_eq!(describe(&data), "NotCustodian()");
        assert!(describe(&[1, 2, 3, 4]).contains("not in the registry's ABI"));
    }
}
