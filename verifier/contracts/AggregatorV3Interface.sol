// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;

/// @title AggregatorV3Interface
/// @notice The read interface of a Chainlink-style price/reserve feed, written for bondproof.
/// @dev Function names, argument and return types match Chainlink's AggregatorV3Interface so
///      that existing consumers (e.g. Proof-of-Reserve guarded mints) can read a bondproof
///      registry without changes.
interface AggregatorV3Interface {
    /// @notice Number of decimals of `answer`.
    function decimals() external view returns (uint8);

    /// @notice Human-readable description of the feed.
    function description() external view returns (string memory);

    /// @notice Version of the feed implementation.
    function version() external view returns (uint256);

    /// @notice Data of one round. Reverts if the round is unknown.
    function getRoundData(uint80 _roundId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice Data of the latest round. Reverts if there is none.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
