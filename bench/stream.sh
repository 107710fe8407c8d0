#!/usr/bin/env bash
# Builds tier and runs the speed benchmark of issue 3 (see bench/main.go):
# streaming throughput, peak memory and linearity, start-up time, and a short
# reply against curl. Prints PASS/FAIL per target; exits 1 if any failed.
# Everything runs on 127.0.0.1. Extra arguments go to the benchmark, e.g.
#   bench/stream.sh -runs 3 -start-runs 50
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d "${TMPDIR:-/tmp}/tier-bench-bin-XXXXXX")
trap 'rm -rf "$out"' EXIT
# Built as releases are (.goreleaser.yaml): static, stripped.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/tier" ./cmd/tier
go build -o "$out/bench" ./bench
if command -v hyperfine >/dev/null; then
  # A second opinion on start-up, from a tool made for it.
  hyperfine -N --warmup 10 --runs 100 --style basic "$out/tier --version" 2>/dev/null | grep -E 'Time|Range' || true
fi
"$out/bench" -tier "$out/tier" "$@"
