#!/usr/bin/env bash
# Regenerates the README's showcase chart: the three views of DeepSeek side by side,
# with the table of every claim across the views.
# Run from the repository root: bash docs/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# `cargo run` finds the binary wherever CARGO_TARGET_DIR puts it.
cargo run --release --quiet -- compare \
  priors/deepseek_report.toml priors/semianalysis.toml priors/deepseek_v3.toml \
  --samples 1000000 --quiet --out "$tmp" > /dev/null
cp "$tmp/compare_bands.png" docs/compare_bands.png
cp "$tmp/compare.csv" docs/compare.csv
cp "$tmp/compare_claims.csv" docs/compare_claims.csv
echo "wrote docs/compare_bands.png, docs/compare.csv and docs/compare_claims.csv"
