//! The signing key: a standard encrypted JSON keystore (Web3 Secret Storage), its password from
//! `BONDPROOF_KEYSTORE_PASSWORD` or a prompt on the terminal, never from the command line (where
//! other users' `ps` and the shell history would see it).

use std::path::Path;

use alloy::signers::local::PrivateKeySigner;

use super::ChainError;

/// The environment variable holding the keystore's password.
pub const PASSWORD_ENV: &str = "BONDPROOF_KEYSTORE_PASSWORD";

/// Decrypts the keystore at `path`.
pub fn load_signer(path: &Path) -> Result<PrivateKeySigner, ChainError> {
    let err = |message: String| ChainError::Keystore { path: path.display().to_string(), message };
    if !path.exists() {
        return Err(err("no such file".into()));
    }
    let password = match std::env::var(PASSWORD_ENV) {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password(format!("password for {}: ", path.display())).map_err(|e| {
            err(format!("no password: set {PASSWORD_ENV} or run on a terminal to be prompted ({e})"))
        })?,
    };
    PrivateKeySigner::decrypt_keystore(path, password)
        .map_err(|e| err(format!("cannot decrypt (a wrong password, or not a JSON keystore): {e}")))
}
