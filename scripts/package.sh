#!/usr/bin/env bash
# Packages MedGemma Workbench as a Linux desktop bundle with fyne package:
# dist/medgemma-workbench.tar.xz holds the binary, a .desktop entry and the
# icon under usr/local/, and a Makefile that installs them (`sudo make install`
# after unpacking; `make user-install` for the current user).
#
# The bundle does not carry the managed Ollama runtime: install it beside the
# binary (build/ollama/ollama above the executable), put `ollama` on PATH, or
# attach to a running server (Settings → Runtime, or --ollama-url).
#
# Usage: scripts/package.sh            (from anywhere in the repository)
# Environment: FYNE_TOOLS_VERSION (default 1.7.4).
set -euo pipefail
cd "$(dirname "$0")/.."

version="${FYNE_TOOLS_VERSION:-1.7.4}"
out=dist/medgemma-workbench.tar.xz
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -f "$work.toml" ] && mv "$work.toml" FyneApp.toml' EXIT
# fyne package counts builds in FyneApp.toml; the repository's copy stays as it is.
cp FyneApp.toml "$work.toml"
mkdir -p dist
rm -f "$out"

# The history database needs SQLite's full-text search (sqlite_fts5). The
# binary is built here so that it keeps its command name; fyne package takes
# the display name, id, version, icon and desktop entry from FyneApp.toml.
go build -tags sqlite_fts5 -trimpath -ldflags "-s -w" -o "$work/medgemma-workbench" .
go run "fyne.io/tools/cmd/fyne@v${version}" package -os linux -release \
	-executable "$work/medgemma-workbench" -icon assets/icon.png

mv "MedGemma Workbench.tar.xz" "$out"
echo "wrote $out"
tar -tJf "$out"
