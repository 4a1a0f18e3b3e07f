#!/usr/bin/env bash
# Builds build/gpu-kit/ (git-ignored), everything bench/gpu/run.sh needs on a machine
# with no Go and no network, in one folder under 60 MiB:
#   ollama.xz        the managed runtime (build/ollama/ollama from scripts/setup.sh, stripped)
#   genmodel.xz      static generator of the shape-faithful MedGemma 4B GGUF
#   bench.xz         static benchmark client
#   ggml-src.tar.xz  the CMake files and ggml sources of the same Ollama module version,
#                    for building the CUDA backend there
#   bw.cu            the device-to-device bandwidth probe
#   4-896.png        the image every image request sends
#   VERSION, SHA256SUMS
# Carry it to the device as build/gpu-kit and run `bash bench/gpu/run.sh`.
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)
say() { printf 'kit: %s\n' "$*" >&2; }

version=$(cat build/ollama/VERSION 2>/dev/null || true)
[ -x build/ollama/ollama ] && [ -n "$version" ] || {
	say "no build/ollama/ollama: run scripts/setup.sh first"
	exit 1
}
mod=$(go env GOMODCACHE)/github.com/ollama/ollama@v$version
[ -f "$mod/CMakePresets.json" ] || go mod download "github.com/ollama/ollama@v$version"

kit=$root/build/gpu-kit
tmp=$kit.tmp
rm -rf "$tmp"
mkdir -p "$tmp"

for c in genmodel bench; do
	CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice go build -trimpath -ldflags "-s -w" -o "$tmp/$c" "./bench/gpu/$c"
done
cp build/ollama/ollama "$tmp/ollama"
strip --strip-unneeded "$tmp/ollama" 2>/dev/null || true
nice xz -T2 -6 "$tmp/ollama" "$tmp/genmodel" "$tmp/bench"

# Only what the CUDA build reads: the top-level CMake files and ggml.
nice tar -C "$mod" --mode=u+w --owner=0 --group=0 -cJf "$tmp/ggml-src.tar.xz" \
	--exclude=ggml-metal --exclude=ggml-vulkan --exclude='*.go' \
	CMakeLists.txt CMakePresets.json ml/backend/ggml/ggml
cp bench/gpu/bw.cu bench/gpu/testdata/4-896.png "$tmp/"
echo "$version" >"$tmp/VERSION"
(cd "$tmp" && sha256sum -- * >SHA256SUMS)

rm -rf "$kit"
mv "$tmp" "$kit"
size=$(du -sk "$kit" | cut -f1)
ls -l "$kit" >&2
say "build/gpu-kit: $((size / 1024)) MiB"
if ((size > 60 * 1024)); then
	say "the kit is over 60 MiB"
	exit 1
fi
