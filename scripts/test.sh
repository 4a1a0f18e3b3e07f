#!/usr/bin/env bash
# Runs one tier of the tests (docs/development.md, "Tests"):
#
#   scripts/test.sh fast [GO TEST ARGS...]
#       go test -short -tags sqlite_fts5: every test that starts no server or
#       process (no Ollama, Orthanc, keyring, reference toolkit, binary build);
#       a few minutes. Extra arguments go to go test (default package: ./...),
#       e.g. scripts/test.sh fast -run TestCLIDocs ./app
#   scripts/test.sh full
#       the README's test command, exactly as the README writes it (set-up,
#       then the whole suite with -race; nothing skipped), as CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-}
[ $# -gt 0 ] && shift
case $tier in
fast)
	pkgs=()
	for a in "$@"; do
		case $a in ./* | github.com/*) pkgs+=("$a") ;; esac
	done
	[ ${#pkgs[@]} -gt 0 ] || set -- "$@" ./...
	exec go test -short -tags sqlite_fts5 "$@"
	;;
full)
	[ $# -eq 0 ] || { echo "test.sh full takes no arguments: it runs the README's command as written" >&2; exit 2; }
	exec .ci/run
	;;
*)
	echo "usage: scripts/test.sh fast [go test args...] | full" >&2
	exit 2
	;;
esac
