#!/usr/bin/env bash
# Takes docs/screenshots/compare-1280x800-2.png and compare-1920x1080-3.png:
# the real workbench binary in a real window under Xvfb, at each size, with
# the CR 4.dcm of the dicom module's testdata open and two (three) columns
# answered by the offline demo model — how much of each answer a window of
# that size shows (issue 28, item 3). The tour mode with
# MEDGEMMA_WORKBENCH_TOUR_COLUMNS (app/gui_tour.go, ui/tour.go, built only
# with the `tour` tag) adds the columns, runs them and logs "tour: ready";
# the screen is then grabbed with Pillow's ImageGrab (python3 with PIL).
#   scripts/compare-screenshots.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
ollama_bin=${OLLAMA_BIN:-$PWD/build/ollama/ollama}
[ -x "$ollama_bin" ] || { echo "compare-screenshots: no runtime at $ollama_bin; run scripts/setup.sh" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
bin="$work/medgemma-workbench"
go build -tags 'sqlite_fts5 tour' -o "$bin" .
data="$work/data"
testdata="$(go list -m -f '{{.Dir}}' github.com/suyashkumar/dicom)/testdata"
"$bin" --data-dir "$data" --ollama-bin "$ollama_bin" models demo >&2

shoot() { # WIDTH HEIGHT COLUMNS
	local w=$1 h=$2 n=$3 home="$work/home-$1" shots="$work/shots-$1"
	mkdir -p "$shots" "$home/.config/fyne/io.github.medgemma-workbench"
	# A fresh home: the window opens at the size asked, with no saved columns.
	printf '{"window.width":%d,"window.height":%d}\n' "$w" "$h" >"$home/.config/fyne/io.github.medgemma-workbench/preferences.json"
	Xvfb -displayfd 3 -screen 0 "${w}x${h}x24" -nolisten tcp 3>"$work/display-$w" >/dev/null 2>&1 &
	local xvfb=$!
	for _ in $(seq 1 100); do [ -s "$work/display-$w" ] && break; sleep 0.1; done
	[ -s "$work/display-$w" ] || { echo "compare-screenshots: Xvfb did not start" >&2; exit 1; }
	local display=":$(head -n1 "$work/display-$w")"
	sleep 1
	local skip
	skip=$(cat "$data/logs/workbench.log" 2>/dev/null | wc -l)
	HOME="$home" XDG_CONFIG_HOME="$home/.config" DISPLAY="$display" MEDGEMMA_WORKBENCH_TOUR="$shots" MEDGEMMA_WORKBENCH_TOUR_COLUMNS="$n" \
		"$bin" --data-dir "$data" --ollama-bin "$ollama_bin" "$testdata/4.dcm" >"$work/app-$w.log" 2>&1 &
	local app=$! log="$data/logs/workbench.log" view=""
	for _ in $(seq 1 2400); do
		# Only this run's lines: the log is the data dir's, shared by the runs.
		view=$(tail -n +"$((skip + 1))" "$log" 2>/dev/null | sed -n 's/.*msg="tour: ready".* view=\(compare-[0-9x-]*\).*/\1/p' | tail -n1)
		if [ -n "$view" ] && [ ! -e "$shots/$view.png" ]; then
			DISPLAY="$display" "$py" -c 'import sys; from PIL import ImageGrab; ImageGrab.grab(xdisplay=sys.argv[1]).save(sys.argv[2])' "$display" "$work/$view.png"
			cp "$work/$view.png" "$out/$view.png"
			mv "$work/$view.png" "$shots/$view.png"
			echo "took $out/$view.png" >&2
			break
		fi
		kill -0 "$app" 2>/dev/null || { echo "compare-screenshots: the workbench exited early" >&2; cat "$work/app-$w.log" >&2; exit 1; }
		sleep 0.5
	done
	[ -n "$view" ] || { echo "compare-screenshots: no shot in 20 minutes" >&2; exit 1; }
	wait "$app" || true
	kill "$xvfb" 2>/dev/null || true
}

shoot 1280 800 2
shoot 1920 1080 3
