#!/usr/bin/env bash
# Reduced canary matrix for CI: every planted bug, one campaign each, every
# phase run, each phase scored red or green; `ship-gate canary` exits 1 if
# a bug is not caught in the phases it declares (or turns a phase it must
# leave green red). Reduced so the step stays near two minutes: 1 chaos
# cycle per class of the classes each canary declares, 200 migrated
# memories, and 5 s settle and rejoin limits (the planted bugs never
# converge, so a longer wait only costs time; a healthy trio converges in
# well under a second). Faults last 4.5-6 s instead of 0.2-6 s: a
# partition must outlast a push and its retry (2 s quorum timeout each) for
# a missed delete to be left to anti-entropy, which is what the
# tombstone-skip-on-sync canary breaks; with short faults one cycle caught
# it in 6 campaigns of 8, with these in 8 of 8.
#
#   scripts/canary-ci.sh            # from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/ship-gate" ./cmd/ship-gate
go build -o "$work/ai-memory" ./cmd/ai-memory
cat > "$work/reduced.json" <<'JSON'
{"phase2": {"settle_max": "5s", "rejoin_max": "5s"},
 "phase3": {"memories": 200},
 "phase4": {"settle_max": "5s", "fault_min": "4.5s", "fault_max": "6s"}}
JSON
"$work/ship-gate" canary --cycles 1 --out "$work/runs/canary" -- \
	--binary "$work/ai-memory" --source . --config "$work/reduced.json" --state-dir "$work/state"
