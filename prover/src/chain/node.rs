//! One chain's JSON-RPC node through alloy: every request bounded by a timeout and retried a
//! bounded number of times, and every failure turned into an error naming the chain.

use std::future::IntoFuture;
use std::time::Duration;

use alloy::eips::BlockId;
use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::client::RpcClient;
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol;
use alloy::sol_types::SolCall;
use alloy::transports::http::{reqwest, Http};

use super::config::RpcSettings;
use super::ChainError;

sol! {
    interface IERC20 {
        function totalSupply() external view returns (uint256);
        function decimals() external view returns (uint8);
    }
}

const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// A connected node whose chain id was checked.
pub struct Node {
    pub chain_id: u64,
    pub url: String,
    pub provider: DynProvider,
    /// The wallet's address, when connected with one.
    pub sender: Option<Address>,
    timeout: Duration,
    attempts: u32,
}

/// A block the supplies are read at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRef {
    pub number: u64,
    pub hash: B256,
}

impl Node {
    /// Connects to `url` (with `wallet`, to send transactions) and checks that the node serves
    /// `chain_id`.
    pub async fn connect(
        chain_id: u64,
        url: &str,
        settings: &RpcSettings,
        signer: Option<PrivateKeySigner>,
    ) -> Result<Node, ChainError> {
        let fault = |message: String| ChainError::Node { chain_id, message };
        let parsed = url.parse().map_err(|e| fault(format!("the RPC URL {url:?} is not a URL: {e}")))?;
        let client = reqwest::Client::builder()
            .timeout(settings.timeout())
            .build()
            .map_err(|e| fault(format!("cannot build an HTTP client: {e}")))?;
        // Receipts are polled at this interval (alloy's default for a remote node is 7 s).
        let rpc = RpcClient::new(Http::with_client(client, parsed), false).with_poll_interval(POLL_INTERVAL);
        let sender = signer.as_ref().map(|s| s.address());
        let provider = match signer {
            Some(s) => ProviderBuilder::new().wallet(EthereumWallet::from(s)).connect_client(rpc).erased(),
            None => ProviderBuilder::new().connect_client(rpc).erased(),
        };
        let node = Node {
            chain_id,
            url: url.to_string(),
            provider,
            sender,
            timeout: settings.timeout(),
            attempts: settings.attempts,
        };
        let served = node.retry("eth_chainId", || node.provider.get_chain_id()).await?;
        if served != chain_id {
            return Err(ChainError::WrongChain { chain_id, url: url.to_string(), served });
        }
        Ok(node)
    }

    /// Runs `request` at most `attempts` times, each bounded by the timeout.
    pub async fn retry<T, E: std::fmt::Display, F, Fut>(&self, what: &str, request: F) -> Result<T, ChainError>
    where
        F: Fn() -> Fut,
        Fut: IntoFuture<Output = Result<T, E>>,
    {
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            match tokio::time::timeout(self.timeout, request().into_future()).await {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => last = e.to_string(),
                Err(_) => last = format!("no answer within {} s", self.timeout.as_secs()),
            }
            if attempt < self.attempts {
                tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
            }
        }
        Err(ChainError::Node {
            chain_id: self.chain_id,
            message: format!("{what} at {} failed after {} attempt(s): {last}", self.url, self.attempts),
        })
    }

    /// The block to read at: `pinned`, else the node's `finalized` block, else the latest minus
    /// `confirmations`.
    pub async fn pick_block(&self, pinned: Option<u64>, confirmations: u64) -> Result<BlockRef, ChainError> {
        let number = match pinned {
            Some(n) => n,
            None => {
                let finalized = self
                    .retry("eth_getBlockByNumber(finalized)", || {
                        self.provider.get_block_by_number(alloy::eips::BlockNumberOrTag::Finalized)
                    })
                    .await;
                match finalized {
                    Ok(Some(block)) => return Ok(BlockRef { number: block.header.number, hash: block.header.hash }),
                    // A node without finality answers null or an error: count confirmations instead.
                    Ok(None) | Err(_) => {
                        let latest = self.retry("eth_blockNumber", || self.provider.get_block_number()).await?;
                        latest.saturating_sub(confirmations)
                    }
                }
            }
        };
        self.block(number).await
    }

    /// Block `number`'s hash; an error naming the chain and block when the node does not have it.
    pub async fn block(&self, number: u64) -> Result<BlockRef, ChainError> {
        let block = self.retry("eth_getBlockByNumber", || self.provider.get_block_by_number(number.into())).await?;
        let block = block.ok_or_else(|| ChainError::Block {
            chain_id: self.chain_id,
            block: number,
            message: "the node does not have this block (not yet mined, or pruned)".into(),
        })?;
        Ok(BlockRef { number, hash: block.header.hash })
    }

    /// `eth_call` of `data` on `to` at `block`: its return data.
    pub async fn call(&self, to: Address, data: Vec<u8>, block: u64) -> Result<Bytes, ChainError> {
        let tx = TransactionRequest::default().to(to).input(Bytes::from(data).into());
        self.retry("eth_call", || self.provider.call(tx.clone()).block(BlockId::number(block)).into_future())
            .await
            .map_err(|e| ChainError::Contract {
                chain_id: self.chain_id,
                contract: to,
                block: Some(block),
                message: e.to_string(),
            })
    }

    /// The token's `decimals()` and `totalSupply()` at `block`; an error naming the chain, the
    /// token and the block when it does not answer as an ERC-20.
    pub async fn token_supply(&self, token: Address, block: u64) -> Result<(u8, U256), ChainError> {
        let not_erc20 = |what: &str, got: &Bytes| ChainError::Contract {
            chain_id: self.chain_id,
            contract: token,
            block: Some(block),
            message: format!("{what} did not answer as an ERC-20's does (returned 0x{})", alloy::hex::encode(got)),
        };
        let raw = self.call(token, IERC20::decimalsCall {}.abi_encode(), block).await?;
        let decimals = IERC20::decimalsCall::abi_decode_returns(&raw).map_err(|_| not_erc20("decimals()", &raw))?;
        let raw = self.call(token, IERC20::totalSupplyCall {}.abi_encode(), block).await?;
        let supply = IERC20::totalSupplyCall::abi_decode_returns(&raw).map_err(|_| not_erc20("totalSupply()", &raw))?;
        Ok((decimals, supply))
    }
}

/// What a transaction did.
#[derive(Clone, Debug)]
pub struct Sent {
    pub tx_hash: B256,
    pub block: u64,
    pub gas_used: u64,
    /// The created contract, for a deployment.
    pub created: Option<Address>,
}

impl Node {
    /// Sends a transaction (`to` None: a deployment of `data`) from the wallet and waits for its
    /// receipt. It is first simulated, so a revert comes back decoded (`what` names it) and
    /// costs nothing; sends are not retried (a resend could execute twice).
    pub async fn send(&self, to: Option<Address>, data: Vec<u8>, what: &str) -> Result<Sent, ChainError> {
        let from = self.sender.expect("send needs a node connected with a signer");
        let tx = match to {
            Some(to) => TransactionRequest::default().from(from).to(to).input(Bytes::from(data).into()),
            None => TransactionRequest::default().from(from).into_create().input(Bytes::from(data).into()),
        };
        let reverted = |reason: String| ChainError::Reverted { chain_id: self.chain_id, what: what.into(), reason };
        let fault = |e: String| ChainError::Node { chain_id: self.chain_id, message: format!("{what}: {e}") };
        let refused = |e: alloy::transports::TransportError| match e.as_error_resp().and_then(|p| p.as_revert_data()) {
            Some(data) => reverted(super::revert::describe(&data)),
            None => fault(e.to_string()),
        };
        let simulated = tokio::time::timeout(self.timeout, self.provider.call(tx.clone()).into_future())
            .await
            .map_err(|_| fault(format!("no answer within {} s", self.timeout.as_secs())))?;
        simulated.map_err(refused)?;
        let pending = tokio::time::timeout(self.timeout, self.provider.send_transaction(tx))
            .await
            .map_err(|_| fault(format!("no answer within {} s", self.timeout.as_secs())))?
            .map_err(refused)?;
        let tx_hash = *pending.tx_hash();
        let receipt = pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .map_err(|e| fault(format!("no receipt for {tx_hash}: {e}")))?;
        if !receipt.status() {
            return Err(reverted(format!("transaction {tx_hash} failed on chain (status 0)")));
        }
        Ok(Sent {
            tx_hash,
            block: receipt.block_number.unwrap_or_default(),
            gas_used: receipt.gas_used,
            created: receipt.contract_address,
        })
    }
}

/// How long to wait for a transaction to be mined.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(300);

/// A current-thread runtime for one command's requests (they go one after another).
pub fn runtime() -> Result<tokio::runtime::Runtime, ChainError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ChainError::Node { chain_id: 0, message: format!("cannot start the I/O runtime: {e}") })
}
