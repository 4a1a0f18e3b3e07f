#!/usr/bin/env bash
# Takes docs/screenshot.png: the real workbench window under Xvfb with the CR
# 4.dcm from the dicom module's testdata open and an answer from the demo model.
#   scripts/screenshot.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshot.png}
./scripts/setup.sh
command -v import >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends imagemagick >&2; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
go build -tags sqlite_fts5 -o "$work/medgemma-workbench" .
bin="$work/medgemma-workbench"
data="$work/data"
cr="$(go list -m -f '{{.Dir}}' github.com/suyashkumar/dicom)/testdata/4.dcm"
"$bin" --data-dir "$data" models demo >&2

export DISPLAY=:97
Xvfb "$DISPLAY" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
sleep 1
# The autorun setting presses Run once the image and the model list are in.
MEDGEMMA_WORKBENCH_AUTORUN=1 "$bin" --data-dir "$data" "$cr" >"$work/app.log" 2>&1 &
app=$!
done=""
for _ in $(seq 1 240); do
	grep -q "autorun: done" "$data/logs/workbench.log" 2>/dev/null && { done=1; break; }
	kill -0 "$app" 2>/dev/null || { cat "$work/app.log" >&2; exit 1; }
	sleep 0.5
done
[ -n "$done" ] || { echo "screenshot: the run did not finish in 2 minutes" >&2; cat "$work/app.log" >&2; exit 1; }
sleep 1
import -window root "$out"
kill "$app"
echo "wrote $out" >&2
