#!/usr/bin/env bash
# The PACS client and the raster loader under hostile input (issue 26,
# items 9–11 and 13), before and after: the workbench built from BASE and
# from this tree, each under /usr/bin/time -v and a 60 s limit (a run
# that hangs shows as 60 s and exit 124). Prints one line a case:
# wall s, max RSS MiB, exit status, the first line of stderr.
# Usage: bench/hostile/run.sh   Environment: BASE (default 39faaa8).
set -uo pipefail
cd "$(dirname "$0")/../.."
base=${BASE:-39faaa8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/base-src"
git archive "$base" | tar -x -C "$work/base-src"
(cd "$work/base-src" && go build -tags sqlite_fts5 -o "$work/before" .) || exit 1
go build -tags sqlite_fts5 -o "$work/after" . || exit 1
go build -o "$work/hostile" ./bench/hostile || exit 1
/usr/bin/python3 - "$work/rgba64.png" <<'PY'
import sys, zlib, struct
w = h = 5000  # 16-bit RGBA, all zero: a 25-megapixel image in a small file
raw = b"".join(b"\x00" + bytes(w * 8) for _ in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
PY
echo "rgba64.png: $(stat -c %s "$work/rgba64.png") bytes"
port=18760
run() { # NAME BIN ARGS...
	local name=$1 bin=$2
	shift 2
	/usr/bin/time -v -o "$work/tv" timeout 60 "$work/$bin" --data-dir "$work/data-$bin" "$@" >/dev/null 2>"$work/err"
	local rc=$?
	awk -v n="$name" -v b="$bin" -v rc="$rc" -v e="$(head -c 160 "$work/err" | head -n 1)" '
		/Elapsed \(wall clock\)/ {k=split($NF,a,":"); w=(k==3? a[1]*3600+a[2]*60+a[3] : a[1]*60+a[2])}
		/Maximum resident/ {m=$NF}
		END {printf "| %s | %s | %.1f s | %.0f MiB | %s | %s |\n", n, b, w, m/1024, rc, e}' "$work/tv"
}
echo "| case | build | wall | max RSS | exit | stderr |"
echo "|---|---|---|---|---|---|"
for mode in trickle empty endless; do
	port=$((port + 1))
	"$work/hostile" -mode "$mode" -addr "127.0.0.1:$port" &
	hp=$!
	sleep 0.5
	for b in before after; do
		case $mode in
		trickle) run "item 10: a byte every 5 s, find --timeout 10s" "$b" pacs find --url "http://127.0.0.1:$port" --patient-id x --timeout 10s ;;
		empty) run "item 11: 63 MiB of {}, find --limit 100" "$b" pacs find --url "http://127.0.0.1:$port" --patient-id x --limit 100 ;;
		endless) run "item 9: an endless WADO part" "$b" pacs get --url "http://127.0.0.1:$port" 1.2.3 --series 1.2.3.1 ;;
		esac
	done
	kill "$hp" 2>/dev/null
	wait "$hp" 2>/dev/null
done
for b in before after; do
	run "item 13: a 16-bit RGBA PNG of 25 Mpx" "$b" prepare "$work/rgba64.png" --out "$work/x.png"
done
