//! Criterion benchmarks of bondproof (in `benches/`), and the benchmark report written by
//! `bondproof bench` (`report.json`, `REPORT.md`).
