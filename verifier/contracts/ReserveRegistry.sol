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
/// Policy attestations (`submitWithPolicy`) prove more: that every counted position is an
/// eligible Treasury, counted once, within the policy's maturity limit and after its haircut,
/// and (optionally) the money-fund rules. Their verifier takes 35 instance words: the five
/// above, the as-of date, then the policy's parameters. The registry records each distinct
/// policy once, by id, and each attestation names its policy. The owner may set a minimum
/// policy: then only policy attestations at least as strict are accepted (see
/// `policyShortfall`), and plain `submit` is refused.
///
/// Feed (AggregatorV3Interface): roundId = epoch; answer = the proven lower bound of reserves
/// (for a policy attestation, of the reserves counted after the policy's haircuts),
/// liabilities * ratioBps / 10000 cents, in USD with 8 decimals (= liabilities * ratioBps * 100,
/// exact); startedAt = updatedAt = the block timestamp of the submission; answeredInRound = roundId.
contract ReserveRegistry is AggregatorV3Interface {
    // ------------------------------------------------------------------ types

    /// @notice One accepted attestation. Packed into four storage slots.
    struct Attestation {
        uint256 root; //         Merkle root of the custodian's holdings (BN254 scalar)
        uint96 liabilities; //   proven liabilities, US cents
        uint32 ratioBps; //      proven reserve ratio, basis points
        uint64 epoch; //         attestation epoch (strictly increasing)
        uint64 timestamp; //     block.timestamp of the submission
        address custodian; //    who submitted it
        uint16 asOfDays; //      policy attestations: the as-of date, days since 1970-01-01 (else 0)
        bytes32 policyId; //     policy attestations: policyId() of the policy proved; 0 marks a plain one
    }

    /// @notice A policy as the policy-solvency circuit takes it (its public inputs 6 to 34).
    ///         A bound of `null` in the policy file is 65535 (DAYS_UNBOUNDED); haircut slots
    ///         past the schedule's last bucket repeat it. A position with `d` remaining days
    ///         counts `face - ceil(face * haircutBps[j] / 10000)` for the first slot `j` with
    ///         `haircutMaxDays[j] >= d`; a position no slot covers, or beyond maxMaturityDays,
    ///         cannot be proved at all.
    struct Policy {
        uint16 maxMaturityDays;
        uint16[12] haircutMaxDays; // non-decreasing
        uint16[12] haircutBps; //     each at most 10000
        bool wamEnabled; //           weighted average maturity <= maxWamDays
        uint16 maxWamDays;
        bool weeklyEnabled; //        face maturing within 7 days >= minWeeklyLiquidBps of all face
        uint16 minWeeklyLiquidBps;
    }

    // -------------------------------------------------------------- constants

    /// @notice Order of the BN254 scalar field; every public input must be below it.
    uint256 public constant SNARK_SCALAR_FIELD =
        0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    /// @notice Liabilities are range-checked in the circuit to fewer than 96 bits.
    uint256 public constant MAX_LIABILITIES_EXCLUSIVE = 1 << 96;

    /// @notice Largest token `decimals()` accepted (keeps 10**decimals far from overflow).
    uint8 public constant MAX_TOKEN_DECIMALS = 36;

    /// @notice Number of haircut slots in a policy.
    uint256 public constant HAIRCUT_SLOTS = 12;

    /// @notice A day bound of `null` (no bound) in a policy file.
    uint16 public constant DAYS_UNBOUNDED = type(uint16).max;

    /// @notice Public inputs of a policy proof: 5 solvency inputs, the as-of date, 29 policy words.
    uint256 public constant POLICY_INSTANCES = 35;

    uint256 private constant DEFAULT_NAV_E8 = 1e8;
    uint32 private constant DEFAULT_MIN_RATIO_BPS = 10_000;
    uint16 private constant DEFAULT_MAX_AS_OF_AGE_DAYS = 3;

    // ------------------------------------------------------------------ state

    /// @notice Administrator: configures the registry and its custodians.
    address public owner;

    /// @notice Verifier contract called with `instances || proof` for plain solvency proofs.
    address public verifier;

    /// @notice Verifier contract called with `instances || proof` for policy proofs.
    address public policyVerifier;

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

    /// @notice Whether a minimum policy is set: then only policy attestations at least as strict
    ///         as `minimumPolicy()` are accepted.
    bool public policyRequired;

    /// @notice How many days the as-of date of a policy attestation may lie before the day of
    ///         its submission (the maturity rules are proved as of that date).
    uint16 public maxAsOfAgeDays;

    /// @notice The as-of date of the latest policy attestation (0 before the first): a later
    ///         one may not be earlier, whatever plain attestations came in between.
    uint16 public lastPolicyAsOfDays;

    /// @notice Whether a policy has been recorded under this id (see policyId()).
    mapping(bytes32 => bool) public isRecordedPolicy;

    Policy private _minimumPolicy;

    /// @dev Every policy an accepted attestation proved, by policyId().
    mapping(bytes32 => Policy) private _policies;

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
    event PolicyVerifierSet(address indexed verifier);
    event MinimumPolicySet(bytes32 indexed policyId);
    event MinimumPolicyCleared();
    event MaxAsOfAgeSet(uint16 maxAsOfAgeDays);
    event AttestationSubmitted(
        address indexed custodian, uint64 indexed epoch, uint256 root, uint256 liabilities, uint32 ratioBps
    );
    event PolicyRecorded(bytes32 indexed policyId);
    event PolicyAttested(uint64 indexed epoch, bytes32 indexed policyId, uint16 asOfDays);

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
    error PolicyRequired();
    error MalformedPolicy(string reason);
    error PolicyBelowMinimum(string rule);
    error AsOfInFuture(uint16 asOfDays, uint256 today);
    error AsOfTooOld(uint16 asOfDays, uint256 today, uint16 maxAgeDays);
    error AsOfBeforeLast(uint16 last, uint16 given);
    error UnknownPolicy(bytes32 policyId);

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
        maxAsOfAgeDays = DEFAULT_MAX_AS_OF_AGE_DAYS;
        emit OwnershipTransferred(address(0), msg.sender);
        emit NavSet(DEFAULT_NAV_E8);
        emit MinRatioSet(DEFAULT_MIN_RATIO_BPS);
        emit MaxAsOfAgeSet(DEFAULT_MAX_AS_OF_AGE_DAYS);
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

    /// @notice Sets the verifier of policy proofs (the policy-solvency circuit's).
    function setPolicyVerifier(address newVerifier) external onlyOwner {
        if (newVerifier.code.length == 0) revert NotAContract(newVerifier);
        policyVerifier = newVerifier;
        emit PolicyVerifierSet(newVerifier);
    }

    /// @notice Requires every further attestation to prove a policy at least as strict as
    ///         `minimum` (e.g. a preset's: `bondproof export-calldata --for minimum-policy`).
    function setMinimumPolicy(Policy calldata minimum) external onlyOwner {
        Policy memory m = minimum;
        _requireWellFormed(m);
        _minimumPolicy = m;
        policyRequired = true;
        emit MinimumPolicySet(_policyId(m));
    }

    /// @notice Accepts plain solvency attestations again, and policy attestations of any policy.
    function clearMinimumPolicy() external onlyOwner {
        policyRequired = false;
        delete _minimumPolicy;
        emit MinimumPolicyCleared();
    }

    /// @notice Sets how many days before its submission a policy attestation's as-of date may be.
    function setMaxAsOfAgeDays(uint16 newMaxAgeDays) external onlyOwner {
        maxAsOfAgeDays = newMaxAgeDays;
        emit MaxAsOfAgeSet(newMaxAgeDays);
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
        if (policyRequired) revert PolicyRequired();
        address v = verifier;
        _checkSubmission(v, epoch, root, liabilities, ratioBps);
        _record(epoch, root, liabilities, ratioBps, 0, bytes32(0));

        // Verification: raw calldata = 5 public inputs as 32-byte big-endian words, then the proof.
        // STATICCALL: a verifier is a pure computation and must not change state.
        (bool ok,) = v.staticcall(
            abi.encodePacked(root, liabilities, uint256(ratioBps), uint256(epoch), domain(), proof)
        );
        if (!ok) revert InvalidProof();
    }

    /// @notice Submits a policy proof for `epoch`: as `submit`, plus the as-of date the maturity
    ///         rules were proved at and the policy. The as-of date must be today or at most
    ///         `maxAsOfAgeDays` before; with a minimum policy set, the policy must be at least as
    ///         strict. The policy is recorded under policyId(policy).
    /// @param asOfDays days since 1970-01-01 (public input 5)
    /// @param policy   the policy's parameters (public inputs 6 to 34)
    function submitWithPolicy(
        uint64 epoch,
        uint256 root,
        uint256 liabilities,
        uint32 ratioBps,
        uint16 asOfDays,
        Policy calldata policy,
        bytes calldata proof
    ) external {
        uint256[POLICY_INSTANCES] memory instances =
            _acceptPolicyAttestation(epoch, root, liabilities, ratioBps, asOfDays, policy);
        (bool ok,) = policyVerifier.staticcall(abi.encodePacked(instances, proof));
        if (!ok) revert InvalidProof();
    }

    /// @dev Everything submitWithPolicy does but the verification: checks, then effects.
    function _acceptPolicyAttestation(
        uint64 epoch,
        uint256 root,
        uint256 liabilities,
        uint32 ratioBps,
        uint16 asOfDays,
        Policy calldata policy
    ) private returns (uint256[POLICY_INSTANCES] memory) {
        _checkSubmission(policyVerifier, epoch, root, liabilities, ratioBps);
        Policy memory p = policy;
        _requireWellFormed(p);
        _checkAsOf(asOfDays);
        if (policyRequired) {
            string memory shortfall = _shortfall(p);
            if (bytes(shortfall).length != 0) revert PolicyBelowMinimum(shortfall);
        }
        bytes32 id = _policyId(p);
        if (!isRecordedPolicy[id]) {
            isRecordedPolicy[id] = true;
            _policies[id] = p;
            emit PolicyRecorded(id);
        }
        _record(epoch, root, liabilities, ratioBps, asOfDays, id);
        lastPolicyAsOfDays = asOfDays;
        emit PolicyAttested(epoch, id, asOfDays);
        return _policyInstances(root, liabilities, ratioBps, epoch, asOfDays, p);
    }

    /// @dev The maturity rules were proved as of `asOfDays`: not in the future, not older than
    ///      maxAsOfAgeDays, and not before the last policy attestation's (or a bill that has
    ///      matured since would count again).
    function _checkAsOf(uint16 asOfDays) private view {
        uint256 today = block.timestamp / 1 days;
        if (asOfDays > today) revert AsOfInFuture(asOfDays, today);
        if (today - asOfDays > maxAsOfAgeDays) revert AsOfTooOld(asOfDays, today, maxAsOfAgeDays);
        if (asOfDays < lastPolicyAsOfDays) revert AsOfBeforeLast(lastPolicyAsOfDays, asOfDays);
    }

    /// @dev The checks both entry points make before verification.
    function _checkSubmission(address v, uint64 epoch, uint256 root, uint256 liabilities, uint32 ratioBps)
        private
        view
    {
        if (!isCustodian[msg.sender]) revert NotCustodian();
        if (token == address(0) || v.code.length == 0) revert NotConfigured();
        if (hasAttestation && epoch <= lastEpoch) revert StaleEpoch(lastEpoch, epoch);
        if (liabilities >= MAX_LIABILITIES_EXCLUSIVE) revert LiabilitiesTooLarge(liabilities);
        if (root >= SNARK_SCALAR_FIELD) revert RootOutOfField(root);
        if (ratioBps < minRatioBps) revert RatioBelowMinimum(minRatioBps, ratioBps);
        uint256 required = requiredCents();
        if (liabilities < required) revert LiabilitiesBelowSupply(liabilities, required);
    }

    /// @dev Stores an attestation. Effects come before verification; a failed verification
    ///      reverts them all.
    function _record(
        uint64 epoch,
        uint256 root,
        uint256 liabilities,
        uint32 ratioBps,
        uint16 asOfDays,
        bytes32 id
    ) private {
        _attestations[epoch] = Attestation({
            root: root,
            liabilities: uint96(liabilities),
            ratioBps: ratioBps,
            epoch: epoch,
            timestamp: uint64(block.timestamp),
            custodian: msg.sender,
            asOfDays: asOfDays,
            policyId: id
        });
        lastEpoch = epoch;
        hasAttestation = true;
        emit AttestationSubmitted(msg.sender, epoch, root, liabilities, ratioBps);
    }

    /// @dev The policy circuit's public inputs, in its order: root, liabilities, ratio, epoch,
    ///      domain, as-of, max maturity, (max days, bps) per haircut slot, WAM flag and bound,
    ///      weekly-liquidity flag and bound.
    function _policyInstances(
        uint256 root,
        uint256 liabilities,
        uint32 ratioBps,
        uint64 epoch,
        uint16 asOfDays,
        Policy memory p
    ) private view returns (uint256[POLICY_INSTANCES] memory w) {
        w[0] = root;
        w[1] = liabilities;
        w[2] = ratioBps;
        w[3] = epoch;
        w[4] = domain();
        w[5] = asOfDays;
        w[6] = p.maxMaturityDays;
        for (uint256 j = 0; j < HAIRCUT_SLOTS; ++j) {
            w[7 + 2 * j] = p.haircutMaxDays[j];
            w[8 + 2 * j] = p.haircutBps[j];
        }
        w[31] = p.wamEnabled ? 1 : 0;
        w[32] = p.maxWamDays;
        w[33] = p.weeklyEnabled ? 1 : 0;
        w[34] = p.minWeeklyLiquidBps;
    }

    /// @dev The shape the circuit enforces, checked here too so that a malformed policy gets a
    ///      clear error rather than InvalidProof, and a minimum policy is always comparable.
    function _requireWellFormed(Policy memory p) private pure {
        string memory why = _malformation(p);
        if (bytes(why).length != 0) revert MalformedPolicy(why);
    }

    function _malformation(Policy memory p) private pure returns (string memory) {
        for (uint256 j = 0; j < HAIRCUT_SLOTS; ++j) {
            if (p.haircutBps[j] > 10_000) return "haircut bps above 10000";
            if (j > 0 && p.haircutMaxDays[j] < p.haircutMaxDays[j - 1]) return "haircut max days decrease";
        }
        if (p.minWeeklyLiquidBps > 10_000) return "weekly liquidity bps above 10000";
        return "";
    }

    // ------------------------------------------------------------------ views

    /// @notice The proof domain of this registry: (chainId << 160) | uint160(address(this)).
    ///         Public input 4 of every proof this registry accepts.
    function domain() public view returns (uint256) {
        return (block.chainid << 160) | uint256(uint160(address(this)));
    }

    /// @notice The id a policy is recorded under: keccak256 of its ABI encoding.
    function policyId(Policy calldata p) external pure returns (bytes32) {
        return _policyId(p);
    }

    function _policyId(Policy memory p) private pure returns (bytes32) {
        return keccak256(abi.encode(p));
    }

    /// @notice Why `p` is less strict than the minimum policy, or "" if it is at least as strict
    ///         (or no minimum is set). At least as strict means:
    ///         - "maturity": every remaining maturity `p` admits, the minimum admits too;
    ///         - "haircut": at every remaining maturity `p` admits, its haircut is at least the
    ///           minimum's;
    ///         - "weighted average maturity": if the minimum bounds it, `p` does, no looser;
    ///         - "weekly liquidity": if the minimum requires it, `p` does, no less.
    ///         A policy submitWithPolicy would refuse as malformed gives "malformed: <why>".
    function policyShortfall(Policy calldata policy) external view returns (string memory) {
        Policy memory p = policy;
        string memory why = _malformation(p);
        if (bytes(why).length != 0) return string.concat("malformed: ", why);
        return _shortfall(p);
    }

    /// @notice Whether the latest attestation is a policy attestation meeting the current
    ///         minimum policy (any policy attestation when none is set). The feed and isCovered()
    ///         serve the latest attestation whatever it proved; a consumer that needs the policy
    ///         checks this too, and the attestation's asOfDays.
    function latestMeetsMinimumPolicy() external view returns (bool) {
        if (!hasAttestation) return false;
        bytes32 id = _attestations[lastEpoch].policyId;
        return id != bytes32(0) && bytes(_shortfall(_policies[id])).length == 0;
    }

    /// @dev Both schedules are step functions of the remaining days, so the haircuts are
    ///      compared on each interval where neither changes, walking both at once.
    function _shortfall(Policy memory p) private view returns (string memory) {
        if (!policyRequired) return "";
        Policy memory m = _minimumPolicy;
        uint256 admitted = _min(p.maxMaturityDays, p.haircutMaxDays[HAIRCUT_SLOTS - 1]);
        if (admitted > _min(m.maxMaturityDays, m.haircutMaxDays[HAIRCUT_SLOTS - 1])) return "maturity";
        uint256 i = 0;
        uint256 j = 0;
        // Every d <= admitted is at most both schedules' last bound, so both walks stop in range.
        for (uint256 d = 0; d <= admitted;) {
            while (p.haircutMaxDays[i] < d) ++i;
            while (m.haircutMaxDays[j] < d) ++j;
            if (p.haircutBps[i] < m.haircutBps[j]) return "haircut";
            d = _min(p.haircutMaxDays[i], m.haircutMaxDays[j]) + 1;
        }
        if (m.wamEnabled && (!p.wamEnabled || p.maxWamDays > m.maxWamDays)) return "weighted average maturity";
        if (m.weeklyEnabled && (!p.weeklyEnabled || p.minWeeklyLiquidBps < m.minWeeklyLiquidBps)) {
            return "weekly liquidity";
        }
        return "";
    }

    /// @notice The minimum policy (meaningful only if policyRequired).
    function minimumPolicy() external view returns (Policy memory) {
        return _minimumPolicy;
    }

    /// @notice A recorded policy. Reverts with UnknownPolicy if no attestation proved it.
    function getPolicy(bytes32 id) external view returns (Policy memory) {
        if (!isRecordedPolicy[id]) revert UnknownPolicy(id);
        return _policies[id];
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
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
