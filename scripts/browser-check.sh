#!/usr/bin/env bash
# Load a rendered run page and the dashboard in headless Chromium and check
# the badge, the four phase sections and the SVG charts; save screenshots.
#
#   scripts/browser-check.sh [runs/<id> [SCREENSHOT_DIR]]
#
# Without a run it checks synthetic runs. Needs the Debian package
# `chromium` (apt-get install -y chromium). The check itself is the Go test
# TestBrowser in shipgate/render, so CI and this script share one assertion.
set -euo pipefail
run=${1:-}
shots=${2:-docs/img}
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || {
	echo "browser-check: chromium not installed (apt-get install -y chromium)" >&2
	exit 2
}
# go test runs in the package directory: hand it absolute paths.
mkdir -p "$shots"
shots=$(cd "$shots" && pwd)
if [ -n "$run" ]; then
	run=$(cd "$run" && pwd)
fi
cd "$(dirname "$0")/.."
SHIPGATE_BROWSER_RUN=$run SHIPGATE_SCREENSHOTS=$shots \
	go test -count=1 -run '^TestBrowser$' -v ./shipgate/render/
echo "browser-check: screenshots in $shots/run.png and $shots/dashboard.png"
