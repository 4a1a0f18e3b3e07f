#!/usr/bin/env bash
# Measures a batch spread over two local `ollama serve`s against the same batch on
# one, with the offline demo model (demo-medgemma-arch, random weights), and prints
# the ratio of their throughputs. Both servers are this machine's: on a machine with
# few cores they share them, so the ratio says how much of one server's time is
# not CPU-bound (request handling, image encoding, waits), not what two machines give.
#
#   bash bench/scaleout/run.sh [RUNS]     # RUNS per measurement, default 24
#
# Needs build/ollama/ollama (scripts/setup.sh). Nothing leaves the machine: the
# servers listen on loopback with OLLAMA_NO_CLOUD=1 and share one models folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
runs=${1:-24}
conc=${CONCURRENCY:-2}
ollama=$root/build/ollama/ollama
[ -x "$ollama" ] || { echo "scaleout: no build/ollama/ollama: run scripts/setup.sh" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 -- "-$p" 2>/dev/null || kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

go build -tags sqlite_fts5 -o "$work/mgw" .
mgw() { "$work/mgw" --data-dir "$work/data" "$@"; }
mgw models demo >/dev/null

# One PNG, copied: each copy is an item (the same pixels, so every run costs the same).
mkdir -p "$work/images"
for i in $(seq 1 "$runs"); do cp bench/gpu/testdata/4-896.png "$work/images/$i.png"; done
cat >"$work/prompts.yaml" <<'P'
prompts:
  - name: one
    template: Describe the image in one word.
P

serve() { # PORT
	OLLAMA_HOST=127.0.0.1:$1 OLLAMA_NO_CLOUD=1 OLLAMA_NOPRUNE=1 OLLAMA_MODELS=$work/data/runtime/models \
		OLLAMA_NUM_PARALLEL=$conc OLLAMA_KEEP_ALIVE=30m setsid "$ollama" serve >"$work/ollama-$1.log" 2>&1 &
	pids+=($!)
	disown $!
	for _ in $(seq 1 200); do curl -fsS "http://127.0.0.1:$1/api/version" >/dev/null 2>&1 && return; sleep 0.1; done
	echo "scaleout: ollama serve on $1 did not answer" >&2
	exit 1
}
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
a=$(port); serve "$a"
b=$(port); serve "$b"

batch() { # NAME ENDPOINT... ; prints seconds
	local name=$1; shift
	local args=()
	for e in "$@"; do args+=(--endpoint "$e"); done
	local t0 t1
	t0=$(date +%s.%N)
	mgw batch --images "$work/images" --prompts "$work/prompts.yaml" --model demo-medgemma-arch \
		--num-predict 16 --seed 1 --temperature 0 --concurrency "$conc" "${args[@]}" \
		--out "$work/$name.jsonl" >/dev/null 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
	t1=$(date +%s.%N)
	python3 -c "print(f'{$t1-$t0:.2f}')"
}
# Warm both (load the model in each server's runner), then measure.
batch warm-a "ollama+http://127.0.0.1:$a" >/dev/null
batch warm-b "ollama+http://127.0.0.1:$b" >/dev/null
load_before=$(cut -d' ' -f1 /proc/loadavg)
one=$(batch one "ollama+http://127.0.0.1:$a")
two=$(batch two "ollama+http://127.0.0.1:$a" "ollama+http://127.0.0.1:$b")
load_after=$(cut -d' ' -f1 /proc/loadavg)
split=$(python3 -c "
import json,collections
c=collections.Counter(json.loads(l)['endpoint'] for l in open('$work/two.jsonl'))
print(', '.join(f'{k}: {v}' for k,v in sorted(c.items())))")
python3 - <<PY
one, two, runs = $one, $two, $runs
print(f"scaleout: {runs} runs (demo model, one 896×896 PNG each, num_predict 16, concurrency $conc per server)")
print(f"  1 server : {one:7.2f} s  {runs/one:6.3f} runs/s")
print(f"  2 servers: {two:7.2f} s  {runs/two:6.3f} runs/s  (rows by endpoint: $split)")
print(f"  ratio (2 servers / 1 server throughput): {one/two:.2f}")
print(f"  machine: $(nproc) cores, load average $load_before before, $load_after after")
PY
