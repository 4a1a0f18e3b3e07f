#!/usr/bin/env bash
# RSS of the workbench's window opening a folder, under Xvfb: starts
# BINARY DIR (no model server: --ollama-url points nowhere), samples the
# process's VmRSS every 0.1 s for SECONDS (default 15), and photographs
# the screen 1, 2 and 3 s after the start (OUT/at-Ns-NAME.png) to see
# when the first slice is shown (bench/scale/first_slice.sh times it to
# the millisecond). Prints "NAME max_MiB final_MiB".
#   bench/scale/gui_rss.sh NAME BINARY DIR OUT [SECONDS]
set -euo pipefail
name=$1 bin=$2 dir=$3 out=$4 secs=${5:-15}
mkdir -p "$out"
home=$(mktemp -d)
export HOME="$home" XDG_CONFIG_HOME="$home/.config" DISPLAY=:${GUI_DISPLAY:-97}
Xvfb "$DISPLAY" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$home"' EXIT
sleep 1
"$bin" --data-dir "$home/data" --ollama-url http://127.0.0.1:1 "$dir" >"$home/app.log" 2>&1 &
app=$!
maxk=0 last=0
for i in $(seq 1 $((secs * 10))); do
	sleep 0.1
	case $i in 10 | 20 | 30) command -v import >/dev/null && import -window root "$out/at-$((i / 10))s-$name.png" 2>/dev/null & ;; esac
	k=$(awk '/VmRSS/ {print $2}' "/proc/$app/status" 2>/dev/null || echo 0)
	last=${k:-0}
	[ "$last" -gt "$maxk" ] && maxk=$last
done
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
echo "$name $((maxk / 1024)) $((last / 1024))"
