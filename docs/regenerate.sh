#!/usr/bin/env bash
# Regenerates the README's showcase chart: the three views of DeepSeek side by side.
# Run from the repository root: bash docs/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
tmp=$(mktemp -d)
./target/release/costsim compare \
  priors/deepseek_report.toml priors/semianalysis.toml priors/deepseek_v3.toml \
  --samples 1000000 --quiet --out "$tmp" > /dev/null
cp "$tmp/compare_bands.png" docs/compare_bands.png
cp "$tmp/compare.csv" docs/compare.csv
rm -rf "$tmp"
echo "wrote docs/compare_bands.png and docs/compare.csv"
