// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";

/// @notice The two read functions of an ERC-20 token that the registry needs.
interface ISupplyToken {
    function totalSupply() external view returns (uint256);
    function decimals() external view returns (uint8);
}

/// @title ReserveRegistry
/// @notice On-chain registry of bondproof proof-of-reserves attestations for one tokenized
///         Treasury fund deployment, and a Chainlink-compatible feed of the proven reserves.
///
/// A registered custodian submits, for an epoch, the public inputs of a Halo2 solvency proof
/// (Merkle root of its holdings, liabilities in US cents, reserve ratio in basis points) together
/// with the proof. The registry checks that
///   * the epoch is strictly greater than the last accepted one,
///   * the proven liabilities cover the token's live totalSupply() valued at the configured NAV
///     (rounded up, against the custodian),
///   * the ratio is at least the configured minimum,
///   * the proof verifies against the configured verifier for the public inputs
///     (root, liabilities, ratioBps, epoch, domain()), where domain() binds the proof to this
///     registry on this chain,
/// and then stores the attestation and emits AttestationSubmitted.
///
/// The contract is general: the verifier is any contract that takes raw calldata
/// `instances (5 x 32-byte big-endian words) || proof` and reverts on an invalid proof.
///
/// Feed (AggregatorV3Interface): roundId = epoch; answer = the proven lower bound of reserves,
/// liabilities * ratioBps / 10000 cents, in USD with 8 decimals (= liabilities * ratioBps * 100,
/// exact); startedAt = updatedAt = the block timestamp of the submission; answeredInRound = roundId.
contract ReserveRegistry is AggregatorV3Interface {
    // ------------------------------------------------------------------ types

    /// @notice One accepted attestation. Packed into three storage slots.
    struct Attestation {
        uint256 root; //         Merkle root of the custodian's holdings (BN254 scalar)
        uint96 liabilities; //   proven liabilities, US cents
        uint32 ratioBps; //      proven reserve ratio, basis points
        uint64 epoch; //         attestation epoch (strictly increasing)
        uint64 timestamp; //     block.timestamp of the submission
        address custodian; //    who submitted it
    }

    // -------------------------------------------------------------- constants

    /// @notice Order of the BN254 scalar field; every public input must be below it.
    uint256 public constant SNARK_SCALAR_FIELD =
        0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    /// @notice Liabilities are range-checked in the circuit to fewer than 96 bits.
    uint256 public constant MAX_LIABILITIES_EXCLUSIVE = 1 << 96;

    /// @notice Largest token `decimals()` accepted (keeps 10**decimals far from overflow).
    uint8 public constant MAX_TOKEN_DECIMALS = 36;

    uint256 private constant DEFAULT_NAV_E8 = 1e8;
    uint32 private constant DEFAULT_MIN_RATIO_BPS = 10_000;

    // ------------------------------------------------------------------ state

    /// @notice Administrator: configures the registry and its custodians.
    address public owner;

    /// @notice Verifier contract called with `instances || proof`.
    address public verifier;

    /// @notice ERC-20 token whose totalSupply() is the liability on this chain.
    address public token;

    /// @notice `decimals()` of `token`, read when the token was configured.
    uint8 public tokenDecimals;

    /// @notice Net asset value of one whole token in USD, 8 decimals (1e8 = $1.00).
    uint256 public navE8;

    /// @notice Minimum reserve ratio, in basis points, a submission must prove.
    uint32 public minRatioBps;

    /// @notice Epoch of the latest accepted attestation (meaningful only if hasAttestation).
    uint64 public lastEpoch;

    /// @notice Whether any attestation was accepted yet.
    bool public hasAttestation;

    /// @notice Registered custodians.
    mapping(address => bool) public isCustodian;

    /// @dev Accepted attestations by epoch. custodian != address(0) marks presence: a custodian
    ///      is never the zero address (registerCustodian refuses it).
    mapping(uint64 => Attestation) private _attestations;

    // ----------------------------------------------------------------- events

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event VerifierSet(address indexed verifier);
    event TokenSet(address indexed token, uint8 decimals);
    event NavSet(uint256 navE8);
    event MinRatioSet(uint32 minRatioBps);
    event CustodianRegistered(address indexed custodian);
    event CustodianUnregistered(address indexed custodian);
    event AttestationSubmitted(
        address indexed custodian, uint64 indexed epoch, uint256 root, uint256 liabilities, uint32 ratioBps
    );

    // ----------------------------------------------------------------- errors

    error NotOwner();
    error ZeroAddress();
    error NotAContract(address account);
    error UnsupportedDecimals(uint8 decimals);
    error ZeroNav();
    error NotConfigured();
    error NotCustodian();
    error StaleEpoch(uint64 last, uint64 given);
    error LiabilitiesTooLarge(uint256 liabilities);
    error RootOutOfField(uint256 root);
    error RatioBelowMinimum(uint32 minimum, uint32 given);
    error LiabilitiesBelowSupply(uint256 proven, uint256 required);
    error InvalidProof();
    error NoAttestation();
    error UnknownEpoch(uint64 epoch);
    error UnknownRound(uint80 roundId);

    // -------------------------------------------------------------- modifiers

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    // ------------------------------------------------------------ constructor

    constructor() {
        owner = msg.sender;
        navE8 = DEFAULT_NAV_E8;
        minRatioBps = DEFAULT_MIN_RATIO_BPS;
        emit OwnershipTransferred(address(0), msg.sender);
        emit NavSet(DEFAULT_NAV_E8);
        emit MinRatioSet(DEFAULT_MIN_RATIO_BPS);
    }

    // ------------------------------------------------------------ owner admin

    /// @notice Hands the registry to `newOwner` (one step, effective at once).
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Sets the proof verifier contract.
    function setVerifier(address newVerifier) external onlyOwner {
        if (newVerifier.code.length == 0) revert NotAContract(newVerifier);
        verifier = newVerifier;
        emit VerifierSet(newVerifier);
    }

    /// @notice Sets the token whose totalSupply() the proven liabilities must cover; reads its decimals().
    function setToken(address newToken) external onlyOwner {
        if (newToken.code.length == 0) revert NotAContract(newToken);
        uint8 dec = ISupplyToken(newToken).decimals();
        if (dec > MAX_TOKEN_DECIMALS) revert UnsupportedDecimals(dec);
        token = newToken;
        tokenDecimals = dec;
        emit TokenSet(newToken, dec);
    }

    /// @notice Sets the NAV of one whole token in USD with 8 decimals (1e8 = $1.00).
    function setNav(uint256 newNavE8) external onlyOwner {
        if (newNavE8 == 0) revert ZeroNav();
        navE8 = newNavE8;
        emit NavSet(newNavE8);
    }

    /// @notice Sets the minimum reserve ratio, in basis points, a submission must prove.
    function setMinRatioBps(uint32 newMinRatioBps) external onlyOwner {
        minRatioBps = newMinRatioBps;
        emit MinRatioSet(newMinRatioBps);
    }

    /// @notice Allows `custodian` to submit attestations.
    function registerCustodian(address custodian) external onlyOwner {
        if (custodian == address(0)) revert ZeroAddress();
        if (!isCustodian[custodian]) {
            isCustodian[custodian] = true;
            emit CustodianRegistered(custodian);
        }
    }

    /// @notice Withdraws `custodian`'s right to submit. Its past attestations stay.
    function unregisterCustodian(address custodian) external onlyOwner {
        if (isCustodian[custodian]) {
            isCustodian[custodian] = false;
            emit CustodianUnregistered(custodian);
        }
    }

    // ------------------------------------------------------------- submission

    /// @notice Submits a solvency proof for `epoch`.
    /// @param epoch       attestation epoch, strictly greater than the last accepted one
    ///                    (any value, 0 included, for the very first attestation)
    /// @param root        Merkle root of the custodian's holdings (public input 0)
    /// @param liabilities proven liabilities in US cents (public input 1), < 2^96
    /// @param ratioBps    proven reserve ratio in basis points (public input 2)
    /// @param proof       the proof bytes, appended to the public inputs in the verifier call
    function submit(uint64 epoch, uint256 root, uint256 liabilities, uint32 ratioBps, bytes calldata proof)
        external
    {
        if (!isCustodian[msg.sender]) revert NotCustodian();
        address v = verifier;
        if (token == address(0) || v.code.length == 0) revert NotConfigured();
        if (hasAttestation && epoch <= lastEpoch) revert StaleEpoch(lastEpoch, epoch);
        if (liabilities >= MAX_LIABILITIES_EXCLUSIVE) revert LiabilitiesTooLarge(liabilities);
        if (root >= SNARK_SCALAR_FIELD) revert RootOutOfField(root);
        if (ratioBps < minRatioBps) revert RatioBelowMinimum(minRatioBps, ratioBps);
        uint256 required = requiredCents();
        if (liabilities < required) revert LiabilitiesBelowSupply(liabilities, required);

        // Effects first; a failed verification below reverts them all.
        _attestations[epoch] = Attestation({
            root: root,
            liabilities: uint96(liabilities),
            ratioBps: ratioBps,
            epoch: epoch,
            timestamp: uint64(block.timestamp),
            custodian: msg.sender
        });
        lastEpoch = epoch;
        hasAttestation = true;

        // Verification: raw calldata = 5 public inputs as 32-byte big-endian words, then the proof.
        // STATICCALL: a verifier is a pure computation and must not change state.
        (bool ok,) = v.staticcall(
            abi.encodePacked(root, liabilities, uint256(ratioBps), uint256(epoch), domain(), proof)
        );
        if (!ok) revert InvalidProof();

        emit AttestationSubmitted(msg.sender, epoch, root, liabilities, ratioBps);
    }

    // ------------------------------------------------------------------ views

    /// @notice The proof domain of this registry: (chainId << 160) | uint160(address(this)).
    ///         Public input 4 of every proof this registry accepts.
    function domain() public view returns (uint256) {
        return (block.chainid << 160) | uint256(uint160(address(this)));
    }

    /// @notice The liabilities, in US cents, a submission must prove now:
    ///         ceil(totalSupply * navE8 * 100 / (10^decimals * 1e8)).
    function requiredCents() public view returns (uint256) {
        address t = token;
        if (t == address(0)) revert NotConfigured();
        uint256 supply = ISupplyToken(t).totalSupply();
        // supply * navE8 * 100 / (10^dec * 1e8) == supply * navE8 / (10^dec * 1e6); rounded up.
        uint256 numerator = supply * navE8;
        uint256 denominator = (10 ** uint256(tokenDecimals)) * 1e6;
        return numerator == 0 ? 0 : (numerator - 1) / denominator + 1;
    }

    /// @notice The latest accepted attestation. Reverts with NoAttestation if there is none.
    function latestAttestation() public view returns (Attestation memory) {
        if (!hasAttestation) revert NoAttestation();
        return _attestations[lastEpoch];
    }

    /// @notice The attestation accepted for `epoch`. Reverts with UnknownEpoch if there is none.
    function getAttestation(uint64 epoch) public view returns (Attestation memory) {
        Attestation memory a = _attestations[epoch];
        if (a.custodian == address(0)) revert UnknownEpoch(epoch);
        return a;
    }

    /// @notice True iff an attestation exists and its liabilities cover the current requiredCents().
    function isCovered() external view returns (bool) {
        if (!hasAttestation) return false;
        return uint256(_attestations[lastEpoch].liabilities) >= requiredCents();
    }

    /// @notice Cents of further supply the latest attestation still covers (0 if none or not covered).
    function mintableCents() external view returns (uint256) {
        if (!hasAttestation) return 0;
        uint256 proven = _attestations[lastEpoch].liabilities;
        uint256 required = requiredCents();
        return proven > required ? proven - required : 0;
    }

    // ------------------------------------------------------ AggregatorV3Interface

    /// @inheritdoc AggregatorV3Interface
    function decimals() external pure override returns (uint8) {
        return 8;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external pure override returns (string memory) {
        return "bondproof proven reserves / USD";
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure override returns (uint256) {
        return 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 _roundId)
        external
        view
        override
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        if (_roundId > type(uint64).max) revert UnknownRound(_roundId);
        Attestation memory a = _attestations[uint64(_roundId)];
        if (a.custodian == address(0)) revert UnknownRound(_roundId);
        return _round(a);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData()
        external
        view
        override
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        if (!hasAttestation) revert NoAttestation();
        return _round(_attestations[lastEpoch]);
    }

    /// @dev Feed view of an attestation. answer (USD, 8 decimals) = cents * 1e6 where
    ///      cents = liabilities * ratioBps / 10000, i.e. exactly liabilities * ratioBps * 100
    ///      (< 2^96 * 2^32 * 2^7, far inside int256).
    function _round(Attestation memory a)
        private
        pure
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        roundId = uint80(a.epoch);
        answer = int256(uint256(a.liabilities) * uint256(a.ratioBps) * 100);
        startedAt = a.timestamp;
        updatedAt = a.timestamp;
        answeredInRound = roundId;
    }
}
