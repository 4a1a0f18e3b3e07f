#!/usr/bin/env bash
# Time from the workbench's process start to the first slice of a folder
# on screen, under Xvfb (issue 17: ≤ 1 s for 1,000 slices). Each BINARY
# opens DIR RUNS times (default 5; no model server: --ollama-url points
# nowhere), the binaries taking turns so that a change in the machine's
# load falls on all of them alike, with bench/scale/firstpaint watching
# the middle of the viewer through Xvfb's framebuffer file every 5 ms.
# Prints each run's milliseconds to the slice painted, with the
# workbench's own log of its steps where it writes one
# ($MEDGEMMA_WORKBENCH_STARTUP_TIMES: ms since the process started, to
# 10 ms; "first slice: drawn" comes a frame before the screen shows it),
# then "NAME median_ms" for each binary and the load average before and
# after. The screens as first seen painted: OUT/first-NAME-K.png. Before
# each run it waits, for at most IDLE_WAIT seconds, until the machine's
# CPUs were less than a tenth busy over a second (a shared machine), and
# prints how busy they were.
#   bench/scale/first_slice.sh DIR OUT NAME=BINARY...
# Environment: RUNS (default 5), IDLE_WAIT (default 30; 0 does not
# wait), GUI_DISPLAY (the X display number, 97).
set -euo pipefail
dir=$1 out=$2
shift 2
runs=${RUNS:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
work=$(mktemp -d)
export DISPLAY=:${GUI_DISPLAY:-97}
Xvfb "$DISPLAY" -screen 0 1600x1000x24 -fbdir "$work" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/firstpaint" ./bench/scale/firstpaint)
for _ in $(seq 50); do [ -s "$work/Xvfb_screen0" ] && break; sleep 0.1; done
load() { cut -d' ' -f1-3 /proc/loadavg; }
# busy: the percentage of the CPUs' time spent busy over the next second.
busy() {
	local a b
	a=$(head -1 /proc/stat)
	sleep 1
	b=$(head -1 /proc/stat)
	echo "$a" "$b" | awk '{n = (NF - 2) / 2; for (i = 2; i <= n + 1; i++) {d = $(i + n + 1) - $i; t += d; if (i != 5 && i != 6) u += d}
		printf "%d", t ? 100 * u / t : 0}'
}
# settle: wait for a quiet machine, at most IDLE_WAIT seconds; print how busy it was.
settle() {
	local b end=$((SECONDS + ${IDLE_WAIT:-30}))
	b=$(busy)
	while [ "$b" -ge 10 ] && [ $SECONDS -lt $end ]; do b=$(busy); done
	echo "$b"
}
echo "# $dir, $runs runs of each (load average before: $(load))"
for k in $(seq "$runs"); do
	for nb in "$@"; do
		name=${nb%%=*} bin=${nb#*=}
		b=$(settle)
		home=$(mktemp -d -p "$work")
		# The window sits at the screen's top left (no window manager); the
		# region is the middle of its viewer, which a slice fills.
		if ! ms=$(HOME="$home" XDG_CONFIG_HOME="$home/.config" MEDGEMMA_WORKBENCH_STARTUP_TIMES=1 \
			"$work/firstpaint" -fb "$work/Xvfb_screen0" -region 350,250,400,400 -png "$out/first-$name-$k.png" \
			-log "$home/stderr" "$bin" --data-dir "$home/data" --ollama-url http://127.0.0.1:1 "$dir"); then
			echo "$name run $k: failed"
			continue
		fi
		echo "$ms" >>"$work/ms-$name"
		steps=$(awk '/^startup: / {printf "%s%s %s", sep, $2, substr($0, index($0, " ms ") + 4); sep = "; "}' "$home/stderr")
		echo "$name run $k: $ms ms on screen (CPUs $b% busy the second before)${steps:+ (log: $steps)}"
		rm -rf "$home"
	done
done
for nb in "$@"; do
	name=${nb%%=*}
	[ -s "$work/ms-$name" ] || { echo "$name: no run succeeded"; continue; }
	sort -g "$work/ms-$name" | awk -v n="$name" '{a[NR]=$1} END {print n, (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
done
echo "# load average after: $(load)"
