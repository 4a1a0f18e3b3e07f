#!/usr/bin/env bash
# Scale benchmark of dicomview's lazy series (issue 17): generates CT
# series of 512×512 slices (dicomview/dicomtest Volume, cmd/mkseries),
# then runs the CLI built from MAIN's HEAD ("before") and from this tree
# ("after") side by side in this one run under /usr/bin/time -v, and the
# references: the Python recipe (bench/scale/recipe.py, pydicom + numpy +
# Pillow), bench/dicomview/reference.py and dcm2pnm on 4.dcm. Prints the
# tables and every ratio. Usage:
#   bench/scale/run.sh [SIZES]        SIZES default "100 300 1000 3000"
# Environment: MAIN (default /work/main), SCALE_WORK (keep generated series
# and binaries there; default a temporary folder), PY_SIZES (sizes the
# Python recipe runs on; default 300), RUNS (runs of each 4.dcm job; 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
sizes=${1:-100 300 1000 3000}
main=${MAIN:-/work/main}
py_sizes=${PY_SIZES:-300}
runs=${RUNS:-5}
if [ -n "${SCALE_WORK:-}" ]; then
	work=$SCALE_WORK
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(load)"

# Binaries: before = MAIN's HEAD, after = this tree.
rm -rf "$work/main-src" && mkdir -p "$work/main-src"
git -C "$main" archive HEAD | tar -x -C "$work/main-src"
echo "before: $(git -C "$main" rev-parse --short HEAD) ($main); after: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes)"
(cd "$work/main-src" && go build -tags sqlite_fts5 -o "$work/before" .)
go build -tags sqlite_fts5 -o "$work/after" .
go build -o "$work/mkseries" ./dicomview/dicomtest/cmd/mkseries

# tv OUT CMD...: run CMD under /usr/bin/time -v, append "wall cpu rss_MB"
# (seconds, user+sys seconds, MiB) to OUT.
tv() {
	local out=$1
	shift
	/usr/bin/time -v -o "$work/tv.txt" "$@" >/dev/null 2>&1 || true
	awk '/Elapsed \(wall clock\)/ {n=split($NF,a,":"); w=(n==3? a[1]*3600+a[2]*60+a[3] : a[1]*60+a[2])}
		/User time/ {u=$NF} /System time/ {s=$NF} /Maximum resident/ {m=$NF}
		END {printf "%.3f %.3f %.1f\n", w, u+s, m/1024}' "$work/tv.txt" >>"$out"
}
# med FILE COL: median of column COL.
med() { awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for n in $sizes $py_sizes; do
	[ -d "$work/ct$n" ] || "$work/mkseries" "$work/ct$n" "$n"
done
[ -d "$work/study5000" ] || "$work/mkseries" -series 10 "$work/study5000" 5000

echo
echo "## prepare DIR --slices 85 --encoding ct3 (wall s / CPU s / max RSS MiB; load $(load))"
printf "| slices | before wall | before CPU | before RSS | after wall | after CPU | after RSS | wall ×| CPU ×| RSS ÷|\n|---|---|---|---|---|---|---|---|---|---|\n"
for n in $sizes; do
	for b in before after; do
		rm -f "$work/$b-$n.txt"
		rm -rf "$work/o" && tv "$work/$b-$n.txt" "$work/$b" prepare "$work/ct$n" --slices 85 --encoding ct3 --out-dir "$work/o"
	done
	read -r bw bc bm <"$work/before-$n.txt"
	read -r aw ac am <"$work/after-$n.txt"
	awk -v n="$n" -v bw="$bw" -v bc="$bc" -v bm="$bm" -v aw="$aw" -v ac="$ac" -v am="$am" 'BEGIN {
		printf "| %d | %.2f | %.2f | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f |\n", n, bw, bc, bm, aw, ac, am, bw/aw, bc/ac, bm/am }'
done
if [ -n "$py_sizes" ]; then
	echo
	echo "Python recipe (bench/scale/recipe.py, same 85 slices; load $(load)):"
	for n in $py_sizes; do
		rm -f "$work/py-$n.txt" && rm -rf "$work/opy"
		tv "$work/py-$n.txt" /usr/bin/python3 bench/scale/recipe.py "$work/ct$n" 85 "$work/opy"
		rm -rf "$work/o" && tv "$work/py-$n.txt" "$work/after" prepare "$work/ct$n" --slices 85 --encoding ct3 --out-dir "$work/o"
		{ read -r pw pc pm; read -r aw ac am; } <"$work/py-$n.txt"
		awk -v n="$n" -v pw="$pw" -v pc="$pc" -v pm="$pm" -v aw="$aw" -v ac="$ac" -v am="$am" 'BEGIN {
			printf "  %d slices: Python %.2f s wall, %.2f s CPU, %.0f MiB; after %.2f s, %.2f s CPU, %.0f MiB: %.1f× wall, %.1f× CPU (targets 8×, 4×)\n", n, pw, pc, pm, aw, ac, am, pw/aw, pc/ac }'
	done
fi

echo
echo "## prepare DIR --slice N/2 --out X.png: open the series, one slice (load $(load))"
printf "| slices | before wall | before CPU | before RSS | after wall | after CPU | after RSS | RSS ÷|\n|---|---|---|---|---|---|---|---|\n"
for n in $sizes; do
	for b in before after; do
		rm -f "$work/$b-one-$n.txt" && tv "$work/$b-one-$n.txt" "$work/$b" prepare "$work/ct$n" --slice $((n / 2)) --out "$work/one.png"
	done
	read -r bw bc bm <"$work/before-one-$n.txt"
	read -r aw ac am <"$work/after-one-$n.txt"
	awk -v n="$n" -v bw="$bw" -v bc="$bc" -v bm="$bm" -v aw="$aw" -v ac="$ac" -v am="$am" 'BEGIN {
		printf "| %d | %.2f | %.2f | %.0f | %.2f | %.2f | %.0f | %.2f |\n", n, bw, bc, bm, aw, ac, am, bm/am }'
done

echo
echo "## a study of 5,000 files in 10 series: list its series (prepare STUDY, which names them; load $(load))"
for b in before after; do
	rm -f "$work/$b-study.txt" && tv "$work/$b-study.txt" "$work/$b" prepare "$work/study5000" --out "$work/one.png"
	read -r w c m <"$work/$b-study.txt"
	echo "  $b: $w s wall, $c s CPU, $m MiB"
done

echo
file="$(go list -m -f '{{.Dir}}' github.com/suyashkumar/dicom)/testdata/4.dcm"
echo "## 4.dcm (CR 1760×2140) → 896 PNG, whole process, median of $runs (load $(load))"
rm -f "$work"/cr-*.txt
for _ in $(seq "$runs"); do
	tv "$work/cr-before.txt" "$work/before" prepare "$file" --out "$work/cr.png"
	tv "$work/cr-after.txt" "$work/after" prepare "$file" --out "$work/cr.png"
	tv "$work/cr-py.txt" /usr/bin/python3 -c 'import sys; sys.path.insert(0, "bench/dicomview"); import reference; reference.prepare(sys.argv[1])' "$file"
	tv "$work/cr-dcmtk.txt" dcm2pnm --write-png --use-window 1 --scale-y-size 896 "$file" "$work/d.png"
done
printf "| | wall s | CPU s | RSS MiB |\n|---|---|---|---|\n"
for k in before after py dcmtk; do
	printf "| %s | %s | %s | %s |\n" "$k" "$(med "$work/cr-$k.txt" 1)" "$(med "$work/cr-$k.txt" 2)" "$(med "$work/cr-$k.txt" 3)"
done
aw=$(med "$work/cr-after.txt" 1) ac=$(med "$work/cr-after.txt" 2)
awk -v aw="$aw" -v ac="$ac" -v pw="$(med "$work/cr-py.txt" 1)" -v pc="$(med "$work/cr-py.txt" 2)" \
	-v dw="$(med "$work/cr-dcmtk.txt" 1)" -v dc="$(med "$work/cr-dcmtk.txt" 2)" -v bw="$(med "$work/cr-before.txt" 1)" -v bc="$(med "$work/cr-before.txt" 2)" 'BEGIN {
	printf "after vs before: %.2f× wall, %.2f× CPU\n", bw/aw, bc/ac
	printf "after vs pydicom script (whole process): %.1f× wall, %.1f× CPU (target 8×)\n", pw/aw, pc/ac
	printf "after vs dcm2pnm: %.1f× wall, %.1f× CPU (target 4× CPU)\n", dw/aw, dc/ac }'

echo
echo "## 4.dcm in-process on one core (GOMAXPROCS=1; load $(load))"
go test -tags sqlite_fts5 -run '^$' -bench 'PrepareFile$' -benchtime 20x -cpu 1 -count 1 ./dicomview/ >"$work/go-after.txt"
(cd "$work/main-src" && go test -tags sqlite_fts5 -run '^$' -bench 'PrepareFile$' -benchtime 20x -cpu 1 -count 1 ./dicomview/) >"$work/go-before.txt"
py=$(/usr/bin/python3 bench/dicomview/reference.py "$file" 20)
ga=$(awk '$1 ~ /^BenchmarkPrepareFile/ {print $3}' "$work/go-after.txt")
gb=$(awk '$1 ~ /^BenchmarkPrepareFile/ {print $3}' "$work/go-before.txt")
awk -v ga="$ga" -v gb="$gb" -v py="$py" 'BEGIN {
	printf "Load+Prepare: before %.1f ms, after %.1f ms; pydicom in-process %.1f ms: after is %.1f× pydicom (target 10×), %.2f× before\n", gb/1e6, ga/1e6, py*1e3, py*1e9/ga, gb/ga }'
if command -v Xvfb >/dev/null && [ -d "$work/ct1000" ]; then
	echo
	echo "## the window opening the 1,000-slice folder under Xvfb: max / final RSS MiB over 12 s (load $(load))"
	for b in before after; do
		bench/scale/gui_rss.sh "$b" "$work/$b" "$work/ct1000" "$work/shots" 12
	done
	echo "(screenshots at 1, 2, 3 s: $work/shots)"
	echo
	echo "## the first slice of the 1,000-slice folder on screen, ms from the process's start, $runs runs each (load $(load))"
	RUNS=$runs bench/scale/first_slice.sh "$work/ct1000" "$work/shots" before="$work/before" after="$work/after"
fi
echo "load average at the end: $(load)"
