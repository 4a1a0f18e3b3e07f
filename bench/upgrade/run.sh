#!/usr/bin/env bash
# The managed runtime's upgrade (issue 27), checked with the workbench itself:
# one data dir; the OLD runtime imports the demo model; then, OLD first and NEW
# second, each runtime lists that models dir, renders the medgemma-1.5-ct
# recipe's prompt for an 85-slice CT (ask --render-only --json) and runs it on
# the demo model (ask --json, greedy as the recipe sets it, 48 tokens).
# Prints the rendered prompts' difference (none expected), the token counts and
# whether the answers are the same, and exits 1 when the NEW runtime cannot open
# the OLD models dir or the layout or the counts differ.
# Usage: bench/upgrade/run.sh OLD_OLLAMA NEW_OLLAMA   (e.g. a v0.17.4 and a v0.24.0
# built as scripts/setup.sh builds them)
# Environment: UPGRADE_WORK (keep the files there), SLICES (default 120).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_OLLAMA NEW_OLLAMA" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
cd "$(dirname "$0")/../.."
if [ -n "${UPGRADE_WORK:-}" ]; then
	work=$UPGRADE_WORK
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
n=${SLICES:-120}
go build -tags sqlite_fts5 -o "$work/wb" .
go build -o "$work/mkseries" ./dicomview/dicomtest/cmd/mkseries
[ -d "$work/ct$n" ] || "$work/mkseries" "$work/ct$n" "$n" >/dev/null
data=$work/data
rm -rf "$data"
mkdir -m 700 "$data"
wb() { # wb OLLAMA ARGS...
	local bin=$1
	shift
	"$work/wb" --data-dir "$data" --ollama-bin "$bin" "$@"
}
status=0
wb "$old" models demo >/dev/null
for v in old new; do
	bin=${!v}
	ver=$("$bin" --version 2>&1 | sed -n 's/.*version is \([^ ]*\).*/\1/p' | tail -n 1)
	echo "== $v: Ollama $ver ($bin)"
	wb "$bin" models list --json >"$work/models-$v.json"
	names() { python3 -c 'import json,sys; print(" ".join(json.loads(l)["name"] for l in open(sys.argv[1]) if l.strip()))' "$work/models-$v.json"; }
	echo "models in the OLD runtime's models dir, as this one lists them: $(names)"
	model=$(names | tr ' ' '\n' | grep '^demo' | head -n 1) || {
		echo "no demo model in the models dir under $v"
		status=1
		continue
	}
	wb "$bin" ask --recipe medgemma-1.5-ct --image "$work/ct$n" --model "$model" --render-only --json >"$work/render-$v.json"
	wb "$bin" ask --recipe medgemma-1.5-ct --image "$work/ct$n" --model "$model" --num-predict 48 --json >"$work/ask-$v.json" || true
	python3 - "$work/render-$v.json" "$work/ask-$v.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
print(f"rendered: {len(r['prompt'])} characters, {len(r['images'])} images, num_ctx {r['num_ctx']}, about {r['estimated_prompt_tokens']} prompt tokens")
print(f"run: status {a.get('status')}, done_reason {a.get('done_reason')!r}, prompt_eval_count {a.get('prompt_eval_count')}, eval_count {a.get('eval_count')}")
PY
done
python3 - "$work" <<'PY' || status=1
import json, sys, difflib
w = sys.argv[1]
r = {v: json.load(open(f"{w}/render-{v}.json")) for v in ("old", "new")}
a = {v: json.load(open(f"{w}/ask-{v}.json")) for v in ("old", "new")}
bad = False
if r["old"]["prompt"] == r["new"]["prompt"] and r["old"]["images"] == r["new"]["images"]:
    print("rendered prompts: identical (text, image tags, image order and hashes)")
else:
    bad = True
    print("rendered prompts differ:")
    sys.stdout.writelines(difflib.unified_diff(r["old"]["prompt"].splitlines(True), r["new"]["prompt"].splitlines(True), "old", "new"))
for k in ("prompt_eval_count", "eval_count", "done_reason", "status"):
    same = a["old"].get(k) == a["new"].get(k)
    bad |= not same and k != "done_reason"
    print(f"{k}: old {a['old'].get(k)!r}, new {a['new'].get(k)!r}{'' if same else '  <- differs'}")
print("answers:", "identical" if a["old"].get("output") == a["new"].get("output") else "differ (random weights; the counts are what is compared)")
sys.exit(1 if bad else 0)
PY
exit $status
