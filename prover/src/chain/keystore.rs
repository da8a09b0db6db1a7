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
        Err(_) => rpassword::prompt_password(format!("password for {}: ", path.display()))
            .map_err(|e| err(format!("no password: set {PASSWORD_ENV} or run on a terminal to be prompted ({e})")))?,
    };
    PrivateKeySigner::decrypt_keystore(path, password)
        .map_err(|e| err(format!("cannot decrypt (a wrong password, or not a JSON keystore): {e}")))
}

/// The environment variable `keystore new` reads the private key from (hex).
pub const PRIVATE_KEY_ENV: &str = "BONDPROOF_PRIVATE_KEY";

/// Encrypts the key in `BONDPROOF_PRIVATE_KEY` into a keystore at `path` with the password (from
/// `BONDPROOF_KEYSTORE_PASSWORD` or a prompt); returns its address.
pub fn create(path: &Path) -> Result<alloy::primitives::Address, ChainError> {
    let err = |message: String| ChainError::Keystore { path: path.display().to_string(), message };
    let key =
        std::env::var(PRIVATE_KEY_ENV).map_err(|_| err(format!("set {PRIVATE_KEY_ENV} to the private key (hex)")))?;
    let key = alloy::hex::decode(key.trim()).map_err(|e| err(format!("{PRIVATE_KEY_ENV} is not hex: {e}")))?;
    let password = match std::env::var(PASSWORD_ENV) {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password("new keystore password: ")
            .map_err(|e| err(format!("no password: set {PASSWORD_ENV} or run on a terminal ({e})")))?,
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| err("not a file name".into()))?;
    let (signer, _) = PrivateKeySigner::encrypt_keystore(dir, &mut rand::thread_rng(), key, password, Some(name))
        .map_err(|e| err(format!("cannot write the keystore: {e}")))?;
    Ok(signer.address())
}
