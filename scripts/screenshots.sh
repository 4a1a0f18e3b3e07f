#!/usr/bin/env bash
# Takes docs/screenshots/*.png: the real workbench binary in a real window
# under Xvfb, started with the CR 4.dcm and the CT 5.dcm of the dicom
# module's testdata on its command line and the offline demo model
# installed; the PACS tab searches the tests' Orthanc
# (pacs/pacstest/cmd/orthanc, seeded with the module's sample studies). The workbench's tour mode (MEDGEMMA_WORKBENCH_TOUR, see
# app/gui_tour.go and ui/tour.go, built only with the `tour` tag, which
# this script passes) steps through the views; before each it logs
# "tour: ready view=NAME" and this script then photographs the screen with
# ImageMagick's `import`.
#   scripts/screenshots.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
./scripts/setup.sh
command -v import >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends imagemagick >&2; }
mkdir -p "$out"

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
bin="$work/medgemma-workbench"
go build -tags 'sqlite_fts5 tour' -o "$bin" .
data="$work/data"
testdata="$(go list -m -f '{{.Dir}}' github.com/suyashkumar/dicom)/testdata"
"$bin" --data-dir "$data" models demo >&2

# A fresh home: no recent files, settings or window size from this machine;
# the window opens at the size of the screen.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
w=1920 h=1080
mkdir -p "$XDG_CONFIG_HOME/fyne/io.github.medgemma-workbench"
printf '{"window.width":%d,"window.height":%d}\n' "$w" "$h" >"$XDG_CONFIG_HOME/fyne/io.github.medgemma-workbench/preferences.json"
# Xvfb picks a display no other X server holds (-displayfd), so that two
# runs on one machine never photograph each other's window.
Xvfb -displayfd 3 -screen 0 "${w}x${h}x24" -nolisten tcp 3>"$work/display" >/dev/null 2>&1 &
for _ in $(seq 1 100); do [ -s "$work/display" ] && break; sleep 0.1; done
[ -s "$work/display" ] || { echo "screenshots: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$work/display")"
sleep 1

# The batch of the Batch tab: the test manifest over the module's sample files.
batchdir="$work/batch"
mkdir -p "$batchdir"
cp batch/testdata/dicom/manifest.jsonl batch/testdata/dicom/prompts.yaml "$batchdir/"
ln -s "$testdata"/*.dcm "$batchdir/"

# The PACS of the PACS tab: the tests' Orthanc with the sample studies.
go build -o "$work/orthanc" ./pacs/pacstest/cmd/orthanc
"$work/orthanc" -testdata "$testdata" -dir "$work/orthanc-storage" >"$work/orthanc.url" 2>"$work/orthanc.log" &
for _ in $(seq 1 120); do [ -s "$work/orthanc.url" ] && break; sleep 0.5; done
[ -s "$work/orthanc.url" ] || { echo "screenshots: Orthanc did not start" >&2; cat "$work/orthanc.log" >&2; exit 1; }

shots="$work/shots"
mkdir -p "$shots"
# A CT volume for the Planes tab and the region: a synthetic phantom
# (dicomview/dicomtest/cmd/mkphantom: a body, a spine, a lesion).
go run ./dicomview/dicomtest/cmd/mkphantom "$work/phantom"

MEDGEMMA_WORKBENCH_TOUR="$shots" MEDGEMMA_WORKBENCH_TOUR_BATCH="$batchdir" MEDGEMMA_WORKBENCH_TOUR_PACS="$(cat "$work/orthanc.url")" "$bin" --data-dir "$data" "$testdata/4.dcm" "$testdata/5.dcm" "$work/phantom" >"$work/app.log" 2>&1 &
app=$!
log="$data/logs/workbench.log"
taken=""
for _ in $(seq 1 1200); do
	if [ -f "$log" ]; then
		for view in $(sed -n 's/.*msg="tour: ready".* view=\([a-z0-9-]*\).*/\1/p' "$log"); do
			case " $taken " in *" $view "*) continue ;; esac
			import -window root "$work/$view.png"
			cp "$work/$view.png" "$out/$view.png"
			mv "$work/$view.png" "$shots/$view.png"
			taken="$taken $view"
			echo "took $out/$view.png" >&2
		done
		grep -q 'msg="tour: done"' "$log" && break
		if grep -q 'msg=tour .*err=' "$log"; then grep 'msg=tour ' "$log" >&2; exit 1; fi
	fi
	kill -0 "$app" 2>/dev/null || { echo "screenshots: the workbench exited early" >&2; cat "$work/app.log" >&2; exit 1; }
	sleep 0.5
done
grep -q 'msg="tour: done"' "$log" || { echo "screenshots: the tour did not finish in 10 minutes" >&2; exit 1; }
wait "$app" || true
echo "screenshots in $out:$taken" >&2
