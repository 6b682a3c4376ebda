#!/usr/bin/env bash
# Reduced ship-gate campaign for CI: all four phases and all four fault
# classes on real processes, with few cycles, then proof that nothing is
# left behind. Usage: shipgate/ci/campaign.sh [extra ship-gate run flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
state="$work/state"
go build -o "$work/ship-gate" ./cmd/ship-gate
status=0
"$work/ship-gate" run --out "$work/runs" --campaign-id ci --state-dir "$state" \
	--cycles 3 --deadline 8m "$@" || status=$?
cat "$work/runs/ci/campaign-summary.json" >/dev/null  # evidence must exist
if compgen -G "$state/*.json" >/dev/null; then
	echo "ship-gate left a state file behind:" >&2
	ls "$state" >&2
	status=1
fi
if compgen -G "${TMPDIR:-/tmp}/ship-gate-ci-*" >/dev/null; then
	echo "ship-gate left its work directory behind" >&2
	status=1
fi
exit $status
