#!/usr/bin/env bash
# Sets up a Debian machine (with Go) to build, run and test MedGemma Workbench:
#   1. installs the Debian packages the build and the tests need, only those missing;
#   2. builds the managed runtime, Ollama v0.17.4 from the Go module proxy, once,
#      into build/ollama/ (git-ignored), and reuses it afterwards.
# Safe to run again: it does nothing when everything is in place.
set -euo pipefail

OLLAMA_VERSION=0.17.4
MALGO_VERSION=v0.11.24

cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf 'setup: %s\n' "$*" >&2; }

# --- Debian packages ------------------------------------------------------------
# gcc/g++ and pkg-config for cgo; xorg-dev and libgl1-mesa-dev for Fyne;
# nlohmann-json3-dev and libstb-dev for the headers the Ollama module zip lacks;
# xvfb and xauth for the screenshot script; dcmtk as the reference DICOM renderer;
# libopenjp2-7-dev (JPEG 2000), libcharls-dev (JPEG-LS) and libdcmtk-dev (JPEG: dcmtk's
# 8/12/16-bit IJG codecs) for dicomview's cgo codecs; libgdcm-tools (gdcmconv) to make
# JPEG 2000 test files; python3-pydicom/-numpy/-pil for the reference in bench/.
packages=(gcc g++ pkg-config xorg-dev libgl1-mesa-dev nlohmann-json3-dev libstb-dev xvfb xauth dcmtk
	libopenjp2-7-dev libcharls-dev libdcmtk-dev libgdcm-tools python3-pydicom python3-numpy python3-pil)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	say "installing Debian packages: ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

command -v go >/dev/null || { say "Go is not installed: install Go 1.24 or newer from https://go.dev/dl/"; exit 1; }

# --- The managed runtime ------------------------------------------------------
bin="$root/build/ollama/ollama"
stamp="$root/build/ollama/VERSION"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$OLLAMA_VERSION" ]; then
	say "Ollama $OLLAMA_VERSION already built at build/ollama/ollama"
else
	say "building Ollama $OLLAMA_VERSION from the Go module proxy (about 5 minutes on 2 cores)"
	hdr="$root/build/hdr"
	mkdir -p "$hdr/miniaudio" "$root/build/ollama"
	malgo=$(go mod download -json "github.com/gen2brain/malgo@$MALGO_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	[ -f "$malgo/miniaudio.h" ] || { say "miniaudio.h not found in github.com/gen2brain/malgo@$MALGO_VERSION"; exit 1; }
	cp "$malgo/miniaudio.h" "$hdr/miniaudio/miniaudio.h"
	rm -f "$bin" "$stamp"
	CGO_CPPFLAGS="-I$hdr -I/usr/include/stb" GOBIN="$root/build/ollama" GOFLAGS=-buildvcs=false \
		go install -trimpath \
		-ldflags "-s -w -X github.com/ollama/ollama/version.Version=$OLLAMA_VERSION" \
		"github.com/ollama/ollama@v$OLLAMA_VERSION"
	echo "$OLLAMA_VERSION" >"$stamp"
	say "built $("$bin" --version 2>/dev/null | tail -n 1)"
fi
