// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";

/// @notice The two read functions of an ERC-20 token that the registry needs.
interface ISupplyToken {
    function totalSupply() external view returns (uint256);
    function decimals() external view returns (uint8);
}

/// @title ReserveRegistry
/// @notice On-chain registry of bondproof proof-of-reserves attestations for one deployment of a
///         tokenized Treasury fund, and a Chainlink-compatible feed of the reserves proven for it.
///
/// One attestation covers the token on every chain at once. Its proof binds a table of up to 16
/// deployments `(domain, supplyCents)`, one line per chain (domain = chainId * 2^160 + the
/// registry's address) plus lines for shares held off-chain, and proves that the custodian's
/// positions, after the policy's haircuts, cover `ratioBps` of the table's sum. The same proof
/// is submitted to every chain's registry; each one reads its own line. A registered custodian
/// calls `submit(statement, proof)`, and the registry checks, in this order:
///   1. the sender is a registered custodian, and it is the custodian the proof names (the
///      custodian public input is `msg.sender`, never an argument: a proof made for custodian X
///      fails when Y submits it, so nobody can front-run a proof under another name);
///   2. the epoch increases, by at most MAX_EPOCH_STEP;
///   3. the root and every deployment domain are canonical field elements and every supply is
///      below 2^96 (the verifier reduces its inputs modulo the field: `x` and `x + r` would pass
///      as the same statement; the other inputs are uint64, uint32, uint16 or bool, which the
///      ABI decoder keeps far below the field's order);
///   4. the table has exactly one line for this registry on this chain (`domain()`), and that
///      line covers the token's live totalSupply() valued at the configured NAV, rounded up;
///      if the owner set the token's deployment domains, the table has a line for every one;
///   5. the ratio is at least the configured minimum;
///   6. the as-of date the maturity rules were proved at is recent and never goes back;
///   7. the policy is well formed and, if the owner set a minimum policy, at least as strict;
///   8. the proof verifies for those 67 public inputs (`verifier`, raw calldata
///      `instances (67 x 32-byte big-endian words) || proof`, reverting on an invalid proof);
/// then stores the attestation with its statementHash (keccak256 of the 67 public-input words,
/// the custodian's among them), the whole table of the latest one, and emits events.
///
/// What one registry guarantees, and what it cannot. A registry reads only its own chain: it
/// cannot see the other chains' supplies, nor what was submitted to them. On-chain it guarantees
/// that (a) the proof shows the custodian's counted reserves cover ratioBps of the sum of every
/// line of the proven table; (b) this chain's line covered this chain's live supply when it was
/// submitted, and isCovered() / mintableCents() follow the supply live from then on; (c) once the
/// owner has set the deployment domains (setDeploymentDomains), every expected deployment has a
/// line in the table, so no chain can be left out of the sum. It does NOT check the VALUES of the
/// other lines: a custodian could send chain A a proof whose line for chain B understates B's
/// supply (even to 0), and chain B another proof with B's full line, and both registries
/// accept; the reserves would then back more supply than they cover. That is caught by
/// comparing chains: read latestStatement() on every chain (two RPC reads for two chains): equal
/// statement hashes mean one statement was submitted everywhere, so each line was checked by its
/// own chain; otherwise every other chain's line in a chain's table must be at least that
/// chain's own proven line (or live supply) for the same date. An understated line is then a
/// public discrepancy that names its custodian (msg.sender submitted both, and the custodian is
/// a hashed public input). Book-entry lines are checked by no chain: they are compared with the
/// transfer agent's register off-chain.
///
/// Feed (AggregatorV3Interface): roundId = epoch; answer = this chain's proven lower bound,
/// supplyCents * ratioBps / 10000 cents of this chain's line, in USD with 8 decimals
/// (= supplyCents * ratioBps * 100, exact); startedAt = updatedAt = the block timestamp of the
/// submission (a consumer checks its age; the feed itself never expires); answeredInRound =
/// roundId. isCovered() and mintableCents() do expire: see isCovered().
///
/// The chain id must be below 2^64 (constructor and domain() refuse others): a domain is then
/// below 2^224, under every book-entry domain (2^224 + register) and the field's order.
contract ReserveRegistry is AggregatorV3Interface {
    // ------------------------------------------------------------------ types

    /// @notice A policy as the attestation circuit takes it (its public inputs 5 to 34).
    ///         A bound of `null` in the policy file is 65535 (DAYS_UNBOUNDED); haircut slots
    ///         past the schedule's last bucket repeat it. A position with `d` remaining days
    ///         counts `face * (10000 - haircutBps[j]) / 10000` (exactly, no rounding) for the
    ///         first slot `j` with `haircutMaxDays[j] >= d`; a position no slot covers, or beyond
    ///         maxMaturityDays, cannot be proved at all.
    struct Policy {
        bool usTreasuryOnly; //       true: only US Treasury CUSIPs ("us-treasury"); false: any valid CUSIP
        uint16 maxMaturityDays;
        uint16[12] haircutMaxDays; // non-decreasing
        uint16[12] haircutBps; //     each at most 10000
        bool wamEnabled; //           weighted average maturity <= maxWamDays
        uint16 maxWamDays;
        bool weeklyEnabled; //        face maturing within 7 days >= minWeeklyLiquidBps of all face
        uint16 minWeeklyLiquidBps;
    }

    /// @notice One line of the liabilities table. Unused lines are (0, 0).
    struct Deployment {
        uint256 domain; //      (chainId << 160) | registry, or a book-entry domain (>= 2^224)
        uint256 supplyCents; // what the deployment's supply is worth, US cents, < 2^96
    }

    /// @notice What a custodian submits: every public input of the attestation but the
    ///         custodian, which is the sender.
    struct Statement {
        uint256 root; //         Merkle root of the custodian's holdings
        uint64 epoch;
        uint16 asOfDays; //      the date the maturity rules were proved at, days since 1970-01-01
        uint32 ratioBps; //      reserves cover ratioBps / 10000 of the table's sum
        Policy policy;
        Deployment[16] deployments;
    }

    /// @notice One accepted attestation, as this chain reads it. Packed into five storage slots;
    ///         the whole table is stored for the latest attestation (provenDeployments()) and
    ///         emitted for every one (DeploymentsProven).
    struct Attestation {
        uint256 root;
        uint64 epoch;
        uint64 timestamp; //     block.timestamp of the submission
        uint96 supplyCents; //   this chain's line of the table
        uint32 ratioBps;
        address custodian; //    who submitted it (and whom the proof names)
        uint16 asOfDays;
        uint8 slot; //           index of this chain's line in the table
        bytes32 policyId; //     policyId() of the policy proved
        bytes32 statementHash; // keccak256(abi.encodePacked(the 67 public-input words)), custodian included
    }

    // -------------------------------------------------------------- constants

    /// @notice Order of the BN254 scalar field; every public input must be below it.
    uint256 public constant SNARK_SCALAR_FIELD =
        0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    /// @notice Each deployment's supply is range-checked in the circuit to fewer than 96 bits.
    uint256 public constant MAX_SUPPLY_EXCLUSIVE = 1 << 96;

    /// @notice Largest token `decimals()` accepted (keeps 10**decimals far from overflow).
    uint8 public constant MAX_TOKEN_DECIMALS = 36;

    /// @notice Number of haircut slots in a policy.
    uint256 public constant HAIRCUT_SLOTS = 12;

    /// @notice Number of lines in the deployment table.
    uint256 public constant DEPLOYMENT_SLOTS = 16;

    /// @notice A day bound of `null` (no bound) in a policy file.
    uint16 public constant DAYS_UNBOUNDED = type(uint16).max;

    /// @notice Public inputs of an attestation proof: root, epoch, custodian, as-of date, ratio,
    ///         30 policy words, then (domain, supplyCents) for each of the 16 lines.
    uint256 public constant INSTANCES = 67;

    /// @notice The largest step between the epochs of two consecutive attestations (the first
    ///         counts from 0). Without a bound a custodian could submit epoch 2^64 - 1 and freeze
    ///         the registry for good. 2^32 lets epochs be unix timestamps in seconds (a new one
    ///         whenever a custodian likes, even after years of silence), while exhausting uint64
    ///         takes at least 2^32 accepted submissions.
    uint64 public constant MAX_EPOCH_STEP = 2 ** 32;

    /// @notice The most attestations one compression proof may carry to submitCompressed.
    uint256 public constant MAX_BATCH = 8;

    /// @notice The compression proof's first public inputs: the KZG accumulator's 12 limbs.
    uint256 public constant ACCUMULATOR_LIMBS = 12;

    /// @notice Words one statement packs into among the compression proof's public inputs.
    uint256 public constant PACKED_WORDS = 29;

    /// @notice The lowest minimum ratio the owner may set: 100%. Below it a registry would
    ///         call a token "covered" whose reserves cover only part of its supply.
    uint32 public constant MIN_RATIO_FLOOR_BPS = 10_000;

    uint256 private constant DEFAULT_NAV_E8 = 1e8;
    uint32 private constant DEFAULT_MIN_RATIO_BPS = 10_000;
    uint16 private constant DEFAULT_MAX_AS_OF_AGE_DAYS = 3;
    uint16 private constant DEFAULT_MAX_ATTESTATION_AGE_DAYS = 7;
    uint256 private constant MAX_CHAIN_ID_EXCLUSIVE = 1 << 64;

    // Public input indices (AttestationStatement::to_instances() in circuits/src/statement.rs).
    uint256 private constant I_CUSTODIAN = 2;
    uint256 private constant I_POLICY = 5;
    uint256 private constant I_DEPLOYMENTS = 35;

    // ------------------------------------------------------------------ state

    /// @notice Administrator: configures the registry and its custodians.
    address public owner;

    /// @notice The attestation circuit's verifier, called with `instances || proof`.
    address public verifier;

    /// @notice The compression circuit's verifier (`bondproof export-solidity` of a compression
    ///         key: CompressionVerifier), called with `accumulator || instances... || proof`.
    address public compressionVerifier;

    /// @notice ERC-20 token whose totalSupply() this chain's line must cover.
    address public token;

    /// @notice Net asset value of one whole token in USD, 8 decimals (1e8 = $1.00).
    uint256 public navE8;

    /// @notice Minimum reserve ratio, in basis points, a submission must prove.
    uint32 public minRatioBps;

    /// @notice Epoch of the latest accepted attestation (meaningful only if hasAttestation).
    uint64 public lastEpoch;

    /// @notice Whether any attestation was accepted yet.
    bool public hasAttestation;

    /// @notice How many days the as-of date may lie before the day of its submission.
    uint16 public maxAsOfAgeDays;

    /// @notice The as-of date of the latest attestation (0 before the first).
    uint16 public lastAsOfDays;

    /// @notice Whether a minimum policy is set: then only attestations whose policy is at least
    ///         as strict as `minimumPolicy()` are accepted.
    bool public hasMinimumPolicy;

    /// @dev The owner set deployment domains that the latest attestation's table lacks (only
    ///      setDeploymentDomains sets it; an accepted submission clears it). Packed with the
    ///      fields above, so submit writes it for free.
    bool private _latestMissesDomain;

    /// @notice How many days after its as-of date the latest attestation still counts for
    ///         isCovered() and mintableCents().
    uint16 public maxAttestationAgeDays;

    /// @notice Registered custodians.
    mapping(address => bool) public isCustodian;

    /// @notice Whether a policy has been recorded under this id (see policyId()).
    mapping(bytes32 => bool) public isRecordedPolicy;

    Policy private _minimumPolicy;

    /// @dev Every policy an accepted attestation proved, by policyId().
    mapping(bytes32 => Policy) private _policies;

    /// @dev Accepted attestations by epoch. custodian != address(0) marks presence: a custodian
    ///      is never the zero address (registerCustodian refuses it).
    mapping(uint64 => Attestation) private _attestations;

    /// @dev The latest attestation's table: lines at or past _tableLength are (0, 0), whatever
    ///      an older, longer table left in storage (only the used prefix is written).
    Deployment[16] private _table;
    uint8 private _tableLength;

    /// @dev The token's expected deployment domains (empty: not set).
    uint256[] private _expectedDomains;

    // ----------------------------------------------------------------- events

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event VerifierSet(address indexed verifier);
    event CompressionVerifierSet(address indexed verifier);
    event TokenSet(address indexed token, uint8 decimals);
    event NavSet(uint256 navE8);
    event MinRatioSet(uint32 minRatioBps);
    event CustodianRegistered(address indexed custodian);
    event CustodianUnregistered(address indexed custodian);
    event MinimumPolicySet(bytes32 indexed policyId);
    event MinimumPolicyCleared();
    event MaxAsOfAgeSet(uint16 maxAsOfAgeDays);
    event MaxAttestationAgeSet(uint16 maxAttestationAgeDays);
    event DeploymentDomainsSet(uint256[] domains);
    /// @notice An attestation was accepted; `supplyCents` is this chain's line.
    event AttestationSubmitted(
        address indexed custodian,
        uint64 indexed epoch,
        uint256 root,
        uint256 supplyCents,
        uint32 ratioBps,
        bytes32 statementHash
    );
    /// @notice The whole table the attestation of `epoch` proved; `slot` is this chain's line.
    event DeploymentsProven(uint64 indexed epoch, uint8 slot, Deployment[16] deployments);
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
    error EpochStepTooLarge(uint64 last, uint64 given, uint64 maxStep);
    error RootOutOfField(uint256 root);
    error DomainOutOfField(uint256 slot, uint256 domain);
    error SupplyTooLarge(uint256 slot, uint256 supplyCents);
    error SlotMissing(uint256 domain);
    error DuplicateSlot(uint256 first, uint256 second);
    error SlotBelowSupply(uint256 provenCents, uint256 requiredCents);
    error RatioBelowMinimum(uint32 minimum, uint32 given);
    error InvalidProof();
    error EmptyBatch();
    error BatchTooLarge(uint256 length, uint256 max);
    error NoAttestation();
    error UnknownEpoch(uint64 epoch);
    error UnknownRound(uint80 roundId);
    error MalformedPolicy(string reason);
    error PolicyBelowMinimum(string rule);
    error AsOfInFuture(uint16 asOfDays, uint256 today);
    error AsOfTooOld(uint16 asOfDays, uint256 today, uint16 maxAgeDays);
    error AsOfBeforeLast(uint16 last, uint16 given);
    error UnknownPolicy(bytes32 policyId);
    error MinRatioBelowFloor(uint32 given, uint32 floor);
    error ChainIdTooLarge(uint256 chainId);
    error DeploymentMissing(uint256 domain);
    error InvalidDeploymentDomains(string reason);
    error OwnDomainNotExpected(uint256 domain);

    // -------------------------------------------------------------- modifiers

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    // ------------------------------------------------------------ constructor

    constructor() {
        domain(); // refuses a chain id of 2^64 or more
        owner = msg.sender;
        navE8 = DEFAULT_NAV_E8;
        minRatioBps = DEFAULT_MIN_RATIO_BPS;
        maxAsOfAgeDays = DEFAULT_MAX_AS_OF_AGE_DAYS;
        maxAttestationAgeDays = DEFAULT_MAX_ATTESTATION_AGE_DAYS;
        emit OwnershipTransferred(address(0), msg.sender);
        emit NavSet(DEFAULT_NAV_E8);
        emit MinRatioSet(DEFAULT_MIN_RATIO_BPS);
        emit MaxAsOfAgeSet(DEFAULT_MAX_AS_OF_AGE_DAYS);
        emit MaxAttestationAgeSet(DEFAULT_MAX_ATTESTATION_AGE_DAYS);
    }

    // ------------------------------------------------------------ owner admin

    /// @notice Hands the registry to `newOwner` (one step, effective at once).
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Sets the attestation verifier (`bondproof export-solidity`'s Halo2Verifier).
    function setVerifier(address newVerifier) external onlyOwner {
        if (newVerifier.code.length == 0) revert NotAContract(newVerifier);
        verifier = newVerifier;
        emit VerifierSet(newVerifier);
    }

    /// @notice Sets the compression verifier (`bondproof export-solidity`'s CompressionVerifier
    ///         for the compression key of this fund's batch shape).
    function setCompressionVerifier(address newVerifier) external onlyOwner {
        if (newVerifier.code.length == 0) revert NotAContract(newVerifier);
        compressionVerifier = newVerifier;
        emit CompressionVerifierSet(newVerifier);
    }

    /// @notice Requires every further attestation to prove a policy at least as strict as
    ///         `minimum` (e.g. a preset's: `bondproof export-calldata --for minimum-policy`).
    function setMinimumPolicy(Policy calldata minimum) external onlyOwner {
        Policy memory m = minimum;
        _requireWellFormed(m);
        _minimumPolicy = m;
        hasMinimumPolicy = true;
        emit MinimumPolicySet(_policyId(m));
    }

    /// @notice Accepts attestations of any well-formed policy again.
    function clearMinimumPolicy() external onlyOwner {
        hasMinimumPolicy = false;
        delete _minimumPolicy;
        emit MinimumPolicyCleared();
    }

    /// @notice Sets how many days before its submission an attestation's as-of date may be.
    function setMaxAsOfAgeDays(uint16 newMaxAgeDays) external onlyOwner {
        maxAsOfAgeDays = newMaxAgeDays;
        emit MaxAsOfAgeSet(newMaxAgeDays);
    }

    /// @notice Sets how many days after its as-of date the latest attestation still counts for
    ///         isCovered() and mintableCents() (default 7). The feed is not affected: its
    ///         updatedAt is the submission time, for consumers to judge.
    function setMaxAttestationAgeDays(uint16 newMaxAgeDays) external onlyOwner {
        maxAttestationAgeDays = newMaxAgeDays;
        emit MaxAttestationAgeSet(newMaxAgeDays);
    }

    /// @notice Sets the token's deployment domains: every chain's `(chainId << 160) | registry`
    ///         and every book-entry domain, the same list on every chain's registry. While set,
    ///         submit refuses a table without a line for each (DeploymentMissing), and
    ///         isCovered() is false until an attestation with all of them is accepted. This
    ///         registry's own domain must be among them. An empty list lifts the requirement.
    ///         It makes every line present, not every value right: see the contract's notice.
    function setDeploymentDomains(uint256[] calldata domains) external onlyOwner {
        uint256 own = domain();
        bool ownFound = domains.length == 0;
        if (domains.length > DEPLOYMENT_SLOTS) revert InvalidDeploymentDomains("more than 16");
        for (uint256 i = 0; i < domains.length; ++i) {
            uint256 d = domains[i];
            // 0 is an unused line's domain: expecting it would let a blank line pass for a deployment.
            if (d == 0 || d >= SNARK_SCALAR_FIELD) revert InvalidDeploymentDomains("zero or out of field");
            for (uint256 j = 0; j < i; ++j) {
                if (domains[j] == d) revert InvalidDeploymentDomains("duplicate");
            }
            if (d == own) ownFound = true;
        }
        if (!ownFound) revert OwnDomainNotExpected(own);
        _expectedDomains = domains;
        // The latest attestation keeps its record, but does not stand (isCovered()) while its
        // table lacks an expected deployment.
        bool missing = false;
        if (hasAttestation) {
            uint256 length = _tableLength;
            for (uint256 i = 0; i < domains.length && !missing; ++i) {
                bool found = false;
                for (uint256 j = 0; j < length && !found; ++j) {
                    found = _table[j].domain == domains[i];
                }
                missing = !found;
            }
        }
        _latestMissesDomain = missing;
        emit DeploymentDomainsSet(domains);
    }

    /// @notice Sets the token whose totalSupply() this chain's line must cover. Its decimals()
    ///         is read now and again at every requiredCents(), never cached.
    function setToken(address newToken) external onlyOwner {
        if (newToken.code.length == 0) revert NotAContract(newToken);
        uint8 dec = _decimalsOf(newToken);
        token = newToken;
        emit TokenSet(newToken, dec);
    }

    /// @notice Sets the NAV of one whole token in USD with 8 decimals (1e8 = $1.00).
    function setNav(uint256 newNavE8) external onlyOwner {
        if (newNavE8 == 0) revert ZeroNav();
        navE8 = newNavE8;
        emit NavSet(newNavE8);
    }

    /// @notice Sets the minimum reserve ratio, in basis points, a submission must prove; at
    ///         least MIN_RATIO_FLOOR_BPS (100%). isCovered() and mintableCents() use it too.
    function setMinRatioBps(uint32 newMinRatioBps) external onlyOwner {
        if (newMinRatioBps < MIN_RATIO_FLOOR_BPS) revert MinRatioBelowFloor(newMinRatioBps, MIN_RATIO_FLOOR_BPS);
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

    /// @notice Withdraws `custodian`'s right to submit. Its past attestations stay, but if it
    ///         made the latest one, isCovered() is false until it is registered again or another
    ///         custodian's attestation is accepted.
    function unregisterCustodian(address custodian) external onlyOwner {
        if (isCustodian[custodian]) {
            isCustodian[custodian] = false;
            emit CustodianUnregistered(custodian);
        }
    }

    // ------------------------------------------------------------- submission

    /// @notice Submits an attestation: the statement (every public input but the custodian,
    ///         which is `msg.sender`) and its proof. See the contract's notice for the checks.
    /// @param s     root, epoch, as-of date, ratio, policy and the 16-line deployment table
    /// @param proof the proof bytes, appended to the 67 public inputs in the verifier call
    function submit(Statement calldata s, bytes calldata proof) external {
        uint256 slot = _check(s, verifier);
        Policy memory p = s.policy;
        bytes32 id = _acceptPolicy(s.epoch, s.asOfDays, p);
        uint256[INSTANCES] memory instances = _instances(s, p);
        _record(s, slot, id, keccak256(abi.encodePacked(instances)));

        // Verification: raw calldata = 67 public inputs as 32-byte big-endian words, then the
        // proof. STATICCALL: a verifier is a pure computation and must not change state.
        (bool ok,) = verifier.staticcall(abi.encodePacked(instances, proof));
        if (!ok) revert InvalidProof();
    }

    /// @notice Submits a batch of attestations compressed into one proof (`bondproof compress`).
    ///         Every attestation in the batch is the sender's (its custodian public input is
    ///         `msg.sender`, as in submit). Each one with a line for this registry (`domain()`)
    ///         is checked exactly as submit checks it and recorded, in batch order (so their
    ///         epochs and as-of dates must increase along the batch); the others are for other
    ///         registries (another fund of the custodian, another chain): bound by the proof,
    ///         which every registry verifies whole, but neither checked nor recorded here. At
    ///         least one must be for this registry. Then the compression verifier checks the
    ///         proof for the accumulator and every statement's 67 public inputs, packed into 29
    ///         words (_packed; the compression circuit range checks every packed input).
    /// @param batch       the statements, in the order the compression proof verifies them
    /// @param accumulator the compression proof's KZG accumulator limbs (its first inputs)
    /// @param proof       the compression proof
    function submitCompressed(Statement[] calldata batch, uint256[12] calldata accumulator, bytes calldata proof)
        external
    {
        uint256 n = batch.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        uint256 own = domain();
        uint256[] memory words = new uint256[](ACCUMULATOR_LIMBS + n * PACKED_WORDS);
        for (uint256 i = 0; i < ACCUMULATOR_LIMBS; ++i) {
            words[i] = accumulator[i];
        }
        bool recorded = false;
        for (uint256 b = 0; b < n; ++b) {
            Statement calldata s = batch[b];
            Policy memory p = s.policy;
            uint256[INSTANCES] memory instances = _instances(s, p);
            if (_hasLine(s.deployments, own)) {
                uint256 slot = _check(s, compressionVerifier);
                bytes32 id = _acceptPolicy(s.epoch, s.asOfDays, p);
                _record(s, slot, id, keccak256(abi.encodePacked(instances)));
                recorded = true;
            }
            uint256[PACKED_WORDS] memory packed = _packed(s);
            uint256 base = ACCUMULATOR_LIMBS + b * PACKED_WORDS;
            for (uint256 i = 0; i < PACKED_WORDS; ++i) {
                words[base + i] = packed[i];
            }
        }
        if (!recorded) revert SlotMissing(own);
        if (compressionVerifier.code.length == 0) revert NotConfigured();
        // encodePacked of a uint256[] is its elements, 32 bytes each, without the length.
        (bool ok,) = compressionVerifier.staticcall(abi.encodePacked(words, proof));
        if (!ok) revert InvalidProof();
    }

    /// @dev A statement's public inputs as the compression proof packs them (`bondproof`'s
    ///      `compressed::packing`): root; custodian | epoch << 160; as-of | ratio << 16 |
    ///      eligibility << 48 | max maturity << 49 | WAM flag << 65 | max WAM << 66 | weekly
    ///      flag << 82 | min weekly << 83; haircut slots 0-5 then 6-11, (max days, bps) 16 bits
    ///      each; the 16 domains; the supplies two per word (96 bits each). The custodian is
    ///      msg.sender. A supply of 2^96 or more would spill into its neighbour: _ownSlot refuses
    ///      it for a recorded statement, and the circuit's range checks for every statement.
    function _packed(Statement calldata s) private view returns (uint256[PACKED_WORDS] memory w) {
        Policy calldata p = s.policy;
        w[0] = s.root;
        w[1] = uint256(uint160(msg.sender)) | (uint256(s.epoch) << 160);
        w[2] = uint256(s.asOfDays) | (uint256(s.ratioBps) << 16) | (p.usTreasuryOnly ? 1 << 48 : 0)
            | (uint256(p.maxMaturityDays) << 49) | (p.wamEnabled ? 1 << 65 : 0) | (uint256(p.maxWamDays) << 66)
            | (p.weeklyEnabled ? 1 << 82 : 0) | (uint256(p.minWeeklyLiquidBps) << 83);
        for (uint256 j = 0; j < HAIRCUT_SLOTS; ++j) {
            uint256 shift = 32 * (j % 6);
            w[3 + j / 6] |= (uint256(p.haircutMaxDays[j]) << shift) | (uint256(p.haircutBps[j]) << (shift + 16));
        }
        for (uint256 i = 0; i < DEPLOYMENT_SLOTS; ++i) {
            w[5 + i] = s.deployments[i].domain;
            w[21 + i / 2] |= s.deployments[i].supplyCents << (96 * (i % 2));
        }
    }

    /// @dev Whether the table has a line with this domain (submitCompressed's filter; _ownSlot
    ///      then checks the table in full).
    function _hasLine(Deployment[16] calldata table, uint256 own) private pure returns (bool) {
        for (uint256 i = 0; i < DEPLOYMENT_SLOTS; ++i) {
            if (table[i].domain == own) return true;
        }
        return false;
    }

    /// @dev Every check on the statement but the policy's and the proof; returns this chain's slot.
    function _check(Statement calldata s, address verifierUsed) private view returns (uint256 slot) {
        // The custodian public input is msg.sender (see _instances): a registered custodian can
        // only submit a proof made for its own address.
        if (!isCustodian[msg.sender]) revert NotCustodian();
        if (token == address(0) || verifierUsed.code.length == 0) revert NotConfigured();
        _checkEpoch(s.epoch);
        if (s.root >= SNARK_SCALAR_FIELD) revert RootOutOfField(s.root);
        slot = _ownSlot(s.deployments);
        _requireExpectedDomains(s.deployments);
        uint256 required = requiredCents();
        uint256 proven = s.deployments[slot].supplyCents;
        if (proven < required) revert SlotBelowSupply(proven, required);
        if (s.ratioBps < minRatioBps) revert RatioBelowMinimum(minRatioBps, s.ratioBps);
        _checkAsOf(s.asOfDays);
    }

    /// @dev Epochs increase by 1 to MAX_EPOCH_STEP; the first counts from 0 (epoch 0 included).
    function _checkEpoch(uint64 epoch) private view {
        uint64 last = hasAttestation ? lastEpoch : 0;
        if (hasAttestation && epoch <= last) revert StaleEpoch(last, epoch);
        if (epoch > last && epoch - last > MAX_EPOCH_STEP) revert EpochStepTooLarge(last, epoch, MAX_EPOCH_STEP);
    }

    /// @dev The one line whose domain is this registry's on this chain. Every domain must be a
    ///      canonical field element and every supply below 2^96: the verifier reduces its inputs
    ///      modulo the field, and the stored table must be the statement proved, word for word.
    ///      Two lines with this domain would leave this chain's supply ambiguous: refused.
    function _ownSlot(Deployment[16] calldata table) private view returns (uint256 slot) {
        uint256 own = domain();
        bool found = false;
        for (uint256 i = 0; i < DEPLOYMENT_SLOTS; ++i) {
            uint256 d = table[i].domain;
            if (d >= SNARK_SCALAR_FIELD) revert DomainOutOfField(i, d);
            if (table[i].supplyCents >= MAX_SUPPLY_EXCLUSIVE) revert SupplyTooLarge(i, table[i].supplyCents);
            if (d == own) {
                if (found) revert DuplicateSlot(slot, i);
                found = true;
                slot = i;
            }
        }
        if (!found) revert SlotMissing(own);
    }

    /// @dev Every deployment domain the owner expects has a line in the table (its value is
    ///      another chain's to check: see the contract's notice).
    function _requireExpectedDomains(Deployment[16] calldata table) private view {
        uint256[] memory expected = _expectedDomains;
        for (uint256 e = 0; e < expected.length; ++e) {
            bool found = false;
            for (uint256 i = 0; i < DEPLOYMENT_SLOTS && !found; ++i) {
                found = table[i].domain == expected[e];
            }
            if (!found) revert DeploymentMissing(expected[e]);
        }
    }

    /// @dev The maturity rules were proved as of `asOfDays`: not in the future, not older than
    ///      maxAsOfAgeDays, and not before the last attestation's (or a bill that has matured
    ///      since would count again).
    function _checkAsOf(uint16 asOfDays) private view {
        uint256 today = block.timestamp / 1 days;
        if (asOfDays > today) revert AsOfInFuture(asOfDays, today);
        if (today - asOfDays > maxAsOfAgeDays) revert AsOfTooOld(asOfDays, today, maxAsOfAgeDays);
        if (asOfDays < lastAsOfDays) revert AsOfBeforeLast(lastAsOfDays, asOfDays);
    }

    /// @dev Checks the policy against its shape and the minimum, records it once by id, and
    ///      returns the id.
    function _acceptPolicy(uint64 epoch, uint16 asOfDays, Policy memory p) private returns (bytes32 id) {
        _requireWellFormed(p);
        string memory shortfall = _shortfall(p);
        if (bytes(shortfall).length != 0) revert PolicyBelowMinimum(shortfall);
        id = _policyId(p);
        if (!isRecordedPolicy[id]) {
            isRecordedPolicy[id] = true;
            _policies[id] = p;
            emit PolicyRecorded(id);
        }
        emit PolicyAttested(epoch, id, asOfDays);
    }

    /// @dev Stores an attestation and the latest table. Effects come before verification; a
    ///      failed verification reverts them all.
    function _record(Statement calldata s, uint256 slot, bytes32 id, bytes32 statementHash) private {
        uint256 supply = s.deployments[slot].supplyCents;
        _attestations[s.epoch] = Attestation({
            root: s.root,
            epoch: s.epoch,
            timestamp: uint64(block.timestamp),
            supplyCents: uint96(supply),
            ratioBps: s.ratioBps,
            custodian: msg.sender,
            asOfDays: s.asOfDays,
            slot: uint8(slot),
            policyId: id,
            statementHash: statementHash
        });
        // Only the used prefix is written (the rest reads as zero through _tableLength): a
        // table of two lines costs four storage writes, not thirty-two.
        uint256 length = DEPLOYMENT_SLOTS;
        while (length > 0 && s.deployments[length - 1].domain == 0 && s.deployments[length - 1].supplyCents == 0) {
            --length;
        }
        for (uint256 i = 0; i < length; ++i) {
            _table[i] = s.deployments[i];
        }
        _tableLength = uint8(length);
        lastEpoch = s.epoch;
        lastAsOfDays = s.asOfDays;
        hasAttestation = true;
        _latestMissesDomain = false; // _check found every expected domain in this table
        emit AttestationSubmitted(msg.sender, s.epoch, s.root, supply, s.ratioBps, statementHash);
        emit DeploymentsProven(s.epoch, uint8(slot), s.deployments);
    }

    /// @dev The attestation circuit's public inputs, in its order: root, epoch, custodian
    ///      (msg.sender), as-of date, ratio, eligibility flag, max maturity, (max days, bps) per
    ///      haircut slot, WAM flag and bound, weekly-liquidity flag and bound, then (domain,
    ///      supplyCents) per deployment line.
    function _instances(Statement calldata s, Policy memory p) private view returns (uint256[INSTANCES] memory w) {
        w[0] = s.root;
        w[1] = s.epoch;
        w[I_CUSTODIAN] = uint256(uint160(msg.sender));
        w[3] = s.asOfDays;
        w[4] = s.ratioBps;
        w[I_POLICY] = p.usTreasuryOnly ? 1 : 0;
        w[I_POLICY + 1] = p.maxMaturityDays;
        for (uint256 j = 0; j < HAIRCUT_SLOTS; ++j) {
            w[I_POLICY + 2 + 2 * j] = p.haircutMaxDays[j];
            w[I_POLICY + 3 + 2 * j] = p.haircutBps[j];
        }
        w[I_POLICY + 26] = p.wamEnabled ? 1 : 0;
        w[I_POLICY + 27] = p.maxWamDays;
        w[I_POLICY + 28] = p.weeklyEnabled ? 1 : 0;
        w[I_POLICY + 29] = p.minWeeklyLiquidBps;
        for (uint256 i = 0; i < DEPLOYMENT_SLOTS; ++i) {
            w[I_DEPLOYMENTS + 2 * i] = s.deployments[i].domain;
            w[I_DEPLOYMENTS + 2 * i + 1] = s.deployments[i].supplyCents;
        }
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
    ///         An attestation's table must have exactly one line with this domain. Reverts with
    ///         ChainIdTooLarge on a chain id of 2^64 or more (also at deployment): the domain
    ///         would reach the book-entry domains (2^224 and up) or the field's order.
    function domain() public view returns (uint256) {
        if (block.chainid >= MAX_CHAIN_ID_EXCLUSIVE) revert ChainIdTooLarge(block.chainid);
        return (block.chainid << 160) | uint256(uint160(address(this)));
    }

    /// @notice The token's expected deployment domains (empty if the owner set none).
    function deploymentDomains() external view returns (uint256[] memory) {
        return _expectedDomains;
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
    ///         - "eligibility": if the minimum admits US Treasuries only, `p` does too (an
    ///           any-cusip policy counts agencies, corporates and munis the minimum refuses);
    ///         - "maturity": every remaining maturity `p` admits, the minimum admits too;
    ///         - "haircut": at every remaining maturity `p` admits, its haircut is at least the
    ///           minimum's;
    ///         - "weighted average maturity": if the minimum bounds it, `p` does, no looser;
    ///         - "weekly liquidity": if the minimum requires it, `p` does, no less.
    ///         A policy submit would refuse as malformed gives "malformed: <why>".
    function policyShortfall(Policy calldata policy) external view returns (string memory) {
        Policy memory p = policy;
        string memory why = _malformation(p);
        if (bytes(why).length != 0) return string.concat("malformed: ", why);
        return _shortfall(p);
    }

    /// @notice Whether the latest attestation's policy meets the current minimum policy (true
    ///         for any attestation when none is set). The feed and isCovered() serve the latest
    ///         attestation whatever it proved; a consumer that needs the policy checks this too,
    ///         and the attestation's asOfDays.
    function latestMeetsMinimumPolicy() external view returns (bool) {
        if (!hasAttestation) return false;
        return bytes(_shortfall(_policies[_attestations[lastEpoch].policyId])).length == 0;
    }

    /// @dev Both schedules are step functions of the remaining days, so the haircuts are
    ///      compared on each interval where neither changes, walking both at once.
    function _shortfall(Policy memory p) private view returns (string memory) {
        if (!hasMinimumPolicy) return "";
        Policy memory m = _minimumPolicy;
        if (m.usTreasuryOnly && !p.usTreasuryOnly) return "eligibility";
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

    /// @notice The minimum policy (meaningful only if hasMinimumPolicy).
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

    /// @notice The cents this chain's line must prove now:
    ///         ceil(totalSupply * navE8 * 100 / (10^decimals * 1e8)), with the token's
    ///         totalSupply() and decimals() read now (a token that changes its decimals is
    ///         valued at its current ones). Reverts if either call reverts.
    function requiredCents() public view returns (uint256) {
        address t = token;
        if (t == address(0)) revert NotConfigured();
        uint256 supply = ISupplyToken(t).totalSupply();
        // supply * navE8 * 100 / (10^dec * 1e8) == supply * navE8 / (10^dec * 1e6); rounded up.
        uint256 numerator = supply * navE8;
        uint256 denominator = (10 ** uint256(_decimalsOf(t))) * 1e6;
        return numerator == 0 ? 0 : (numerator - 1) / denominator + 1;
    }

    /// @notice The token's decimals(), read live.
    function tokenDecimals() external view returns (uint8) {
        address t = token;
        if (t == address(0)) revert NotConfigured();
        return _decimalsOf(t);
    }

    function _decimalsOf(address t) private view returns (uint8 dec) {
        dec = ISupplyToken(t).decimals();
        if (dec > MAX_TOKEN_DECIMALS) revert UnsupportedDecimals(dec);
    }

    /// @notice The latest accepted attestation. Reverts with NoAttestation if there is none.
    function latestAttestation() public view returns (Attestation memory) {
        if (!hasAttestation) revert NoAttestation();
        return _attestations[lastEpoch];
    }

    /// @notice The whole deployment table the latest attestation proved (every chain's line and
    ///         the book-entry lines; unused lines are (0, 0)). Reverts with NoAttestation if
    ///         there is none. Older tables are in the DeploymentsProven events.
    function provenDeployments() public view returns (Deployment[16] memory table) {
        if (!hasAttestation) revert NoAttestation();
        uint256 length = _tableLength;
        for (uint256 i = 0; i < length; ++i) {
            table[i] = _table[i];
        }
    }

    /// @notice The attestation accepted for `epoch`. Reverts with UnknownEpoch if there is none.
    function getAttestation(uint64 epoch) public view returns (Attestation memory) {
        Attestation memory a = _attestations[epoch];
        if (a.custodian == address(0)) revert UnknownEpoch(epoch);
        return a;
    }

    /// @notice The latest attestation's epoch, statement hash and whole table: what to compare
    ///         across chains (see the contract's notice). Older hashes are in getAttestation(epoch),
    ///         older tables in the DeploymentsProven events (each checkable against its hash).
    ///         Reverts with NoAttestation if there is none.
    function latestStatement()
        external
        view
        returns (uint64 epoch, bytes32 statementHash, Deployment[16] memory table)
    {
        Attestation memory a = latestAttestation();
        epoch = a.epoch;
        statementHash = a.statementHash;
        table = provenDeployments();
    }

    /// @notice True iff the latest attestation still stands and the reserves it proved for this
    ///         chain cover this chain's live supply at the current minimum ratio:
    ///         supplyCents * ratioBps >= requiredCents() * minRatioBps, where supplyCents *
    ///         ratioBps / 10000 is this chain's proven reserves (the feed's answer), so at the
    ///         default minimum of 100% the reserves cover the live supply. The attestation stands
    ///         while (1) its custodian is still registered, (2) its ratio is at least the current
    ///         minimum, (3) its as-of date is at most maxAttestationAgeDays (default 7) before
    ///         today, and (4) its table has a line for every deployment domain the owner expects.
    ///         It does not say the attestation meets the minimum policy (latestMeetsMinimumPolicy())
    ///         nor that the other chains' lines are right (see the contract's notice). Reverts if
    ///         the token's totalSupply() or decimals() does: a consumer treats that as not covered.
    function isCovered() external view returns (bool) {
        (bool stands, uint256 provenScaled, uint256 required) = _coverage();
        return stands && provenScaled >= required * minRatioBps;
    }

    /// @notice Cents of further supply on this chain that the latest attestation's reserves
    ///         still cover at the current minimum ratio: floor(supplyCents * ratioBps /
    ///         minRatioBps) - requiredCents(), or 0 if that is negative or isCovered() would not
    ///         hold for any supply (no attestation, or it no longer stands).
    function mintableCents() external view returns (uint256) {
        (bool stands, uint256 provenScaled, uint256 required) = _coverage();
        if (!stands) return 0;
        uint256 coverable = provenScaled / minRatioBps;
        return coverable > required ? coverable - required : 0;
    }

    /// @dev Whether the latest attestation stands (see isCovered()), this chain's proven
    ///      reserves times 10000 (supplyCents * ratioBps, below 2^128), and requiredCents().
    function _coverage() private view returns (bool stands, uint256 provenScaled, uint256 required) {
        if (!hasAttestation) return (false, 0, 0);
        Attestation memory a = _attestations[lastEpoch];
        stands = isCustodian[a.custodian] && a.ratioBps >= minRatioBps && !_latestMissesDomain
            && block.timestamp / 1 days <= uint256(a.asOfDays) + maxAttestationAgeDays;
        if (!stands) return (false, 0, 0);
        provenScaled = uint256(a.supplyCents) * a.ratioBps;
        required = requiredCents();
    }

    // ------------------------------------------------------ AggregatorV3Interface

    /// @inheritdoc AggregatorV3Interface
    function decimals() external pure override returns (uint8) {
        return 8;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external pure override returns (string memory) {
        return "bondproof proven reserves for this chain / USD";
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure override returns (uint256) {
        return 2;
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

    /// @dev Feed view of an attestation: this chain's proven lower bound. answer (USD, 8
    ///      decimals) = cents * 1e6 where cents = supplyCents * ratioBps / 10000, i.e. exactly
    ///      supplyCents * ratioBps * 100 (< 2^96 * 2^32 * 2^7, far inside int256).
    function _round(Attestation memory a)
        private
        pure
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        roundId = uint80(a.epoch);
        answer = int256(uint256(a.supplyCents) * uint256(a.ratioBps) * 100);
        startedAt = a.timestamp;
        updatedAt = a.timestamp;
        answeredInRound = roundId;
    }
}
