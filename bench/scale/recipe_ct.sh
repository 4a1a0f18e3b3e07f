#!/usr/bin/env bash
# The CT recipe against the notebook-way Python job (issue 25): on a
# generated 300-slice CT of 512×512 slices, `prepare DIR --recipe
# medgemma-1.5-ct --out-dir OUT` of the workbench built from BASE
# ("before": recipe v1, lossless, Catmull-Rom) and from this tree ("after":
# recipe v2, InstanceNumber order, Pillow JPEG, bilinear), side by side with
# bench/scale/notebook.py (the same stages done the notebook's way with
# pydicom, numpy and Pillow, PNG at compress_level=1 as the hand-over),
# each whole process under /usr/bin/time -v, taking turns, RUNS times.
# Prints the medians (wall s, CPU s, max RSS MiB) and the ratios.
# Usage: bench/scale/recipe_ct.sh [SLICES]   (default 300)
# Environment: BASE (commit, default the first parent of the issue's
# changes: 39faaa8), RUNS (default 5), SCALE_WORK (keep files there).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-300}
base=${BASE:-39faaa8}
runs=${RUNS:-5}
if [ -n "${SCALE_WORK:-}" ]; then
	work=$SCALE_WORK
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) CPUs, load average $(load); before: $base, after: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes)"
rm -rf "$work/base-src" && mkdir -p "$work/base-src"
git archive "$base" | tar -x -C "$work/base-src"
(cd "$work/base-src" && go build -tags sqlite_fts5 -o "$work/before" .)
go build -tags sqlite_fts5 -o "$work/after" .
go build -o "$work/mkseries" ./dicomview/dicomtest/cmd/mkseries
[ -d "$work/ct$n" ] || "$work/mkseries" "$work/ct$n" "$n"

tv() {
	local out=$1
	shift
	/usr/bin/time -v -o "$work/tv.txt" "$@" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
	awk '/Elapsed \(wall clock\)/ {n=split($NF,a,":"); w=(n==3? a[1]*3600+a[2]*60+a[3] : a[1]*60+a[2])}
		/User time/ {u=$NF} /System time/ {s=$NF} /Maximum resident/ {m=$NF}
		END {printf "%.3f %.3f %.1f\n", w, u+s, m/1024}' "$work/tv.txt" >>"$out"
}
med() { awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

rm -f "$work"/r-*.txt
for _ in $(seq "$runs"); do
	rm -rf "$work/o" && tv "$work/r-before.txt" "$work/before" prepare "$work/ct$n" --recipe medgemma-1.5-ct --out-dir "$work/o"
	rm -rf "$work/o" && tv "$work/r-after.txt" "$work/after" prepare "$work/ct$n" --recipe medgemma-1.5-ct --out-dir "$work/o"
	rm -rf "$work/o" && tv "$work/r-python.txt" /usr/bin/python3 bench/scale/notebook.py "$work/ct$n" "$work/o"
done
echo
echo "## prepare DIR --recipe medgemma-1.5-ct, $n slices of 512×512 → 85 inputs, median of $runs (load $(load))"
printf "| | wall s | CPU s | max RSS MiB |\n|---|---|---|---|\n"
for k in before after python; do
	printf "| %s | %s | %s | %s |\n" "$k" "$(med "$work/r-$k.txt" 1)" "$(med "$work/r-$k.txt" 2)" "$(med "$work/r-$k.txt" 3)"
done
awk -v pw="$(med "$work/r-python.txt" 1)" -v pc="$(med "$work/r-python.txt" 2)" \
	-v aw="$(med "$work/r-after.txt" 1)" -v ac="$(med "$work/r-after.txt" 2)" \
	-v bw="$(med "$work/r-before.txt" 1)" -v bc="$(med "$work/r-before.txt" 2)" 'BEGIN {
	printf "notebook-way Python ÷ before: %.1f× wall, %.1f× CPU\n", pw/bw, pc/bc
	printf "notebook-way Python ÷ after:  %.1f× wall, %.1f× CPU (target ≥ 4× wall)\n", pw/aw, pc/ac }'
echo "load average at the end: $(load)"
