#!/usr/bin/env bash
# Packages MedGemma Workbench for Linux, into dist/:
#
#   medgemma-workbench-linux-ARCH.tar.gz — the bundle that carries its runtime:
#     medgemma-workbench/medgemma-workbench        the workbench
#     medgemma-workbench/runtime/ollama/ollama     Ollama (build/ollama/ollama)
#     medgemma-workbench/runtime/ollama/VERSION
#     medgemma-workbench/runtime/lib/ollama/…      its backends, CUDA too where
#                                                  scripts/setup.sh built them
#     medgemma-workbench/share/                    icon and .desktop entry
#   Unpack it anywhere and run medgemma-workbench/medgemma-workbench: it finds
#   runtime/ beside itself (`medgemma-workbench doctor` shows what it found).
#
#   medgemma-workbench.tar.xz — fyne package's desktop bundle: the binary, a
#   .desktop entry and the icon under usr/local/ and a Makefile that installs
#   them (`sudo make install`; `make user-install`). It does not carry the
#   runtime: put it in /usr/local/lib/medgemma-workbench/runtime/ (the runtime/
#   folder of the bundle above), put `ollama` on PATH, or attach to a server.
#
# Usage: scripts/package.sh [--bundle-only]   (from anywhere in the repository)
#   --bundle-only  only the bundle that carries the runtime (no fyne package,
#                  which fetches fyne's tools)
# Environment: FYNE_TOOLS_VERSION (default 1.7.4); DIST (default dist), the
# output folder; WORKBENCH_BIN, a workbench binary to pack instead of building
# one (go build -tags sqlite_fts5 -trimpath).
set -euo pipefail
cd "$(dirname "$0")/.."

bundle_only=false
case "${1:-}" in
--bundle-only) bundle_only=true ;;
"") ;;
*) echo "usage: scripts/package.sh [--bundle-only]" >&2; exit 2 ;;
esac

version="${FYNE_TOOLS_VERSION:-1.7.4}"
dist="${DIST:-dist}"
arch=$(go env GOARCH)
runtime_bin=build/ollama/ollama
[ -x "$runtime_bin" ] || { echo "package: $runtime_bin not found: run scripts/setup.sh first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"; [ -f "$work.toml" ] && mv "$work.toml" FyneApp.toml; true' EXIT
mkdir -p "$dist"

# The history database needs SQLite's full-text search (sqlite_fts5). The
# binary is built here so that it keeps its command name.
# WORKBENCH_BIN, when set, is a binary already built to use instead (the
# tests pass theirs).
if [ -n "${WORKBENCH_BIN:-}" ]; then
	cp "$WORKBENCH_BIN" "$work/medgemma-workbench"
else
	go build -tags sqlite_fts5 -trimpath -ldflags "-s -w" -o "$work/medgemma-workbench" .
fi

# --- The bundle that carries its runtime ----------------------------------------
b="$work/bundle/medgemma-workbench"
mkdir -p "$b/runtime/ollama" "$b/share"
cp "$work/medgemma-workbench" "$b/"
cp "$runtime_bin" "$b/runtime/ollama/ollama"
[ -f build/ollama/VERSION ] && cp build/ollama/VERSION "$b/runtime/ollama/VERSION"
if [ -d build/lib/ollama ]; then
	# Ollama finds ../lib/ollama from its own folder, as in build/.
	mkdir -p "$b/runtime/lib"
	cp -a build/lib/ollama "$b/runtime/lib/ollama"
fi
cp assets/icon.png "$b/share/medgemma-workbench.png"
cat >"$b/share/medgemma-workbench.desktop" <<'EOF'
[Desktop Entry]
Type=Application
Name=MedGemma Workbench
Exec=medgemma-workbench %F
Icon=medgemma-workbench
Categories=Science;MedicalSoftware;
EOF
out="$dist/medgemma-workbench-linux-$arch.tar.gz"
rm -f "$out"
tar -C "$work/bundle" -czf "$out" medgemma-workbench
echo "wrote $out"
tar -tzf "$out"

$bundle_only && exit 0

# --- fyne package's desktop bundle --------------------------------------------
# fyne package counts builds in FyneApp.toml; the repository's copy stays as it is.
cp FyneApp.toml "$work.toml"
rm -f "$dist/medgemma-workbench.tar.xz"
go run "fyne.io/tools/cmd/fyne@v${version}" package -os linux -release \
	-executable "$work/medgemma-workbench" -icon assets/icon.png
mv "MedGemma Workbench.tar.xz" "$dist/medgemma-workbench.tar.xz"
echo "wrote $dist/medgemma-workbench.tar.xz"
tar -tJf "$dist/medgemma-workbench.tar.xz"
