#!/usr/bin/env bash
# Times dicomview on 4.dcm (CR, 1760×2140, MONOCHROME1) against a Python
# reference (pydicom + numpy + Pillow, reference.py) and dcmtk (dcm2pnm
# scaled to 896), all in this one run, and prints the table and the ratios.
# Needs what scripts/setup.sh installs. Usage: bench/dicomview/run.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20}
file="$(go list -m -f '{{.Dir}}' github.com/suyashkumar/dicom)/testdata/4.dcm"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
go test -tags sqlite_fts5 -run '^$' -bench 'PrepareFile|Rewindow|ModelInput|Load' -benchtime "${n}x" -count 1 ./dicomview/ >"$tmp/go.txt"
ns() { awk -v b="$1" '$1 ~ "^"b"(-[0-9]+)?$" {print $3}' "$tmp/go.txt"; }
go_prepare=$(ns BenchmarkPrepareFile)
go_rewin=$(ns BenchmarkRewindow/preview-1024)
go_full=$(ns BenchmarkRewindow/reference-full)
go_mi=$(ns BenchmarkModelInput/ours)
go_mi_ref=$(ns BenchmarkModelInput/reference)

py=$(/usr/bin/python3 bench/dicomview/reference.py "$file" "$n")

dcm2pnm --write-png --use-window 1 --scale-y-size 896 "$file" "$tmp/w.png" # warm
for _ in $(seq "$n"); do
	s=$(date +%s.%N)
	dcm2pnm --write-png --use-window 1 --scale-y-size 896 "$file" "$tmp/d.png"
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
done | median >"$tmp/dcmtk.txt"
dcmtk=$(cat "$tmp/dcmtk.txt")

awk -v gp="$go_prepare" -v py="$py" -v dc="$dcmtk" -v rw="$go_rewin" -v full="$go_full" -v mi="$go_mi" -v miref="$go_mi_ref" -v n="$n" 'BEGIN {
	printf "4.dcm → 896×896 PNG (decode, modality, VOI, invert, pad, resize, PNG), median of %d:\n", n
	printf "  %-44s %10.1f ms\n", "dicomview Load+Prepare (go test -bench)", gp/1e6
	printf "  %-44s %10.1f ms   dicomview is %.1f× faster\n", "Python pydicom+numpy+Pillow", py*1e3, py*1e9/gp
	printf "  %-44s %10.1f ms   dicomview is %.1f× faster\n", "dcmtk dcm2pnm --scale-y-size 896 (process)", dc*1e3, dc*1e9/gp
	printf "resize to 896 only: ModelInput %.1f ms, x/image/draw Catmull-Rom %.1f ms (%.1f× faster)\n", mi/1e6, miref/1e6, miref/mi
	printf "re-window 4.dcm at 1024 px: Preview.RenderInto %.2f ms (full-size Render %.1f ms)\n", rw/1e6, full/1e6
	ok = (py*1e9/gp >= 10) && (dc*1e9/gp >= 5) && (rw/1e6 <= 8)
	printf "targets (≥10× Python, ≥5× dcmtk, re-window ≤8 ms): %s\n", ok ? "met" : "NOT met"
}'
