#!/usr/bin/env bash
# Reduced canary matrix for CI: every planted bug, one campaign each, must
# turn the campaign red in the expected phase (ship-gate canary exits 1 if
# one is missed). Reduced: 1 chaos cycle per class and a 10 s settle bound
# (the planted bugs never converge, so a longer wait only costs time);
# --fail-fast (set by canary) stops each campaign at its first red phase.
#
#   scripts/canary-ci.sh            # from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/ship-gate" ./cmd/ship-gate
go build -o "$work/ai-memory" ./cmd/ai-memory
"$work/ship-gate" canary --cycles 1 --out "$work/runs/canary" -- \
	--binary "$work/ai-memory" --source . --settle-max 10s --state-dir "$work/state"
