#!/usr/bin/env bash
# Sets up a Debian machine (with Go) to build, run and test MedGemma Workbench:
#   1. installs the Debian packages the build and the tests need, only those missing;
#   2. builds the managed runtime, Ollama v0.24.0 from the Go module proxy, once,
#      into build/ollama/ (git-ignored), and reuses it afterwards;
#   3. where a CUDA toolkit (nvcc) and an NVIDIA GPU are present, builds Ollama's CUDA
#      backend for that GPU into build/lib/ollama/ (once); elsewhere nothing changes.
# Safe to run again: it does nothing when everything is in place.
set -euo pipefail

OLLAMA_VERSION=0.24.0
MALGO_VERSION=v0.11.24

cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf 'setup: %s\n' "$*" >&2; }

# --- Debian packages ------------------------------------------------------------
# gcc/g++ and pkg-config for cgo; xorg-dev and libgl1-mesa-dev for Fyne;
# nlohmann-json3-dev and libstb-dev for the headers the Ollama module zip lacks;
# xvfb and xauth for the screenshot script; dcmtk as the reference DICOM renderer;
# libopenjp2-7-dev (JPEG 2000), libcharls-dev (JPEG-LS) and libdcmtk-dev (JPEG: dcmtk's
# 8/12/16-bit IJG codecs) for dicomview's cgo codecs; libjpeg62-turbo-dev (libjpeg-turbo,
# the library Pillow uses) for the recipes' JPEG step as Google's CT notebook saves it; libgdcm-tools (gdcmconv) to make
# JPEG 2000 test files; python3-pydicom/-numpy/-pil for the reference in bench/;
# poppler-utils (pdftotext, pdftoppm) to read back the PDF reports in the tests.
# iproute2 (ss) to check that the managed runtime listens on loopback only.
# dbus-daemon, dbus-bin and gnome-keyring: a private Secret Service for the keychain tests.
# dicom3tools (dciodvfy) checks the DICOM SR and encapsulated PDF that `report --format dicom-sr|dicom-pdf`
# writes against the IODs; dcmtk's dsrdump, dcmdump and dcm2pdf read them back.
# orthanc and orthanc-dicomweb: the real PACS (DICOMweb QIDO/WADO/STOW) the pacs tests run.
packages=(gcc g++ pkg-config xorg-dev libgl1-mesa-dev nlohmann-json3-dev libstb-dev xvfb xauth dcmtk
	libopenjp2-7-dev libcharls-dev libdcmtk-dev libjpeg62-turbo-dev libgdcm-tools python3-pydicom python3-numpy python3-pil
	poppler-utils iproute2 dbus-daemon dbus-bin gnome-keyring dicom3tools orthanc orthanc-dicomweb)
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

command -v go >/dev/null || { say "Go is not installed: install Go 1.21 or newer from https://go.dev/dl/ (the go command then fetches the Go 1.26 toolchain that go.mod names)"; exit 1; }

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
	say "built build/ollama/ollama, Ollama $OLLAMA_VERSION"
fi

# --- The CUDA backend (only where nvcc is installed) ------------------------------
# Ollama's own CMake preset "CUDA <major>" from the same module version, restricted to the
# local GPU's architecture and to the ggml-cuda target, installed where the runtime looks
# for backends: ../lib/ollama next to build/ollama/ollama, i.e. build/lib/ollama
# (libggml-base.so there, libggml-cuda.so with its cudart/cuBLAS in cuda_v<major>/).
# About 125 .cu files for one architecture: a few minutes on 16 cores, far longer on 2.
if command -v nvcc >/dev/null; then
	if ! arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .') || [ -z "$arch" ]; then
		say "nvcc found but no NVIDIA GPU answers nvidia-smi: not building the CUDA backend"
		exit 0
	fi
	cuda_major=$(nvcc --version | sed -n 's/.*release \([0-9]*\)\..*/\1/p')
	libdir="$root/build/lib/ollama"
	cstamp="$libdir/cuda_v$cuda_major/VERSION"
	want="$OLLAMA_VERSION sm_$arch"
	if [ -f "$libdir/cuda_v$cuda_major/libggml-cuda.so" ] && [ "$(cat "$cstamp" 2>/dev/null)" = "$want" ]; then
		say "CUDA backend ($want) already built in build/lib/ollama/cuda_v$cuda_major"
	else
		for p in cmake ninja-build; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || command -v "${p%-build}" >/dev/null || {
				say "installing $p for the CUDA build"
				sudo=""
				[ "$(id -u)" -eq 0 ] || sudo="sudo"
				DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$p" >&2
			}
		done
		src=$(go mod download -json "github.com/ollama/ollama@v$OLLAMA_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
		say "building Ollama's CUDA $cuda_major backend for sm_$arch (preset \"CUDA $cuda_major\")"
		rm -rf "$root/build/cuda" "$libdir"
		(cd "$src" && cmake --preset "CUDA $cuda_major" -B "$root/build/cuda" -G Ninja -DCMAKE_INSTALL_PREFIX="$root/build" \
			-DCMAKE_CUDA_ARCHITECTURES="$arch" -DCMAKE_DISABLE_FIND_PACKAGE_Vulkan=ON -DGGML_CUDA_FA_ALL_QUANTS=OFF) >&2
		cmake --build "$root/build/cuda" --target ggml-cuda -j "$(nproc)" >&2
		cmake --install "$root/build/cuda" --component CUDA --prefix "$root/build" >&2
		cp -P "$root"/build/cuda/lib/ollama/libggml-base.so* "$libdir/"
		echo "$want" >"$cstamp"
		say "built $(ls "$libdir/cuda_v$cuda_major")"
	fi
fi
