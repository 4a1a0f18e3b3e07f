#!/usr/bin/env bash
# Measures the managed runtime (Ollama v0.24.0) with the shape-faithful MedGemma 4B
# (random weights) on this machine's NVIDIA GPU, or on its CPU when there is no nvcc.
# Needs no Go and no network: everything comes from build/gpu-kit/ (bench/gpu/kit.sh).
#
#   bash bench/gpu/run.sh          # results in $OUT (or build/gpu-work/out)
#
# Steps, each skipped when its result is already there (a rerun resumes):
#   1. unpack ollama, genmodel and bench from the kit into build/gpu-work/bin;
#   2. with nvcc: build Ollama's CUDA backend (its CMake preset "CUDA <major>",
#      CMAKE_CUDA_ARCHITECTURES = this GPU's compute capability, target ggml-cuda)
#      into build/gpu-work/lib/ollama/cuda_v<major>, in the background;
#   3. meanwhile write the F16 GGUF, import it into a CPU-only server and create
#      Q8_0 and Q4_K_M through the API's quantization;
#   4. measure the memory bandwidth (GPU: 1 GiB device-to-device cudaMemcpy, bw.cu);
#   5. restart the server with OLLAMA_NUM_PARALLEL=4 (and the CUDA backend) and run
#      `bench measure` over each quantization; the table goes to $OUT/perf.md.
# Environment: QUANTS (default "f16 q8_0 q4_K_M" on GPU, "q8_0 q4_K_M" on CPU),
# NUM_PREDICT (128 on GPU, 32 on CPU), NUM_CTX (4096), JOBS (nproc).
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)
kit=${KIT:-$root/build/gpu-kit}
work=${WORK:-$root/build/gpu-work}
out=${OUT:-$work/out}
mkdir -p "$work/bin" "$out"
t0=$(date +%s)
log() { printf '[run.sh %4ds] %s\n' "$(($(date +%s) - t0))" "$*" | tee -a "$out/run.log" >&2; }
die() {
	log "FAILED: $*"
	exit 1
}

# --- 1. the kit ---------------------------------------------------------------
[ -f "$kit/SHA256SUMS" ] || die "no kit at $kit: run bench/gpu/kit.sh (and carry build/gpu-kit)"
unxz_to() { # unxz_to FILE.xz DEST
	if command -v xz >/dev/null; then
		xz -dc "$1" >"$2.tmp"
	else
		python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2.tmp"
	fi
	chmod +x "$2.tmp" && mv "$2.tmp" "$2"
}
for b in ollama genmodel bench; do
	if [ ! -x "$work/bin/$b" ] || [ "$kit/$b.xz" -nt "$work/bin/$b" ]; then
		unxz_to "$kit/$b.xz" "$work/bin/$b"
	fi
done
ollama=$work/bin/ollama
PATH=$work/bin:$PATH
"$ollama" --version >/dev/null 2>&1 || {
	ldd "$ollama" >&2 || true
	die "the kit's ollama does not run here (it needs glibc ≥ 2.34 and libstdc++ with GLIBCXX_3.4.30)"
}
log "kit unpacked; $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), $(df -h "$work" | awk 'NR==2 {print $4}') free on disk"
jobs=${JOBS:-$(nproc)}

# --- 2. the CUDA backend (background) -------------------------------------------
gpu=0
build_pid=
if command -v nvcc >/dev/null && command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
	gpu=1
	command -v cmake >/dev/null || die "nvcc but no cmake: the CUDA backend cannot be built"
	cuda_major=$(nvcc --version | sed -n 's/.*release \([0-9]*\)\..*/\1/p')
	arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n 1 | tr -d ' .')
	gpu_name=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n 1)
	log "GPU: $gpu_name; compute capability $arch; nvcc $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'); cmake $(cmake --version | head -n 1 | awk '{print $3}')"
	libdir=$work/lib/ollama
	if [ -f "$libdir/cuda_v$cuda_major/libggml-cuda.so" ]; then
		log "CUDA backend already built"
	else
		mkdir -p "$work/src"
		[ -f "$work/src/CMakePresets.json" ] || tar -xJf "$kit/ggml-src.tar.xz" -C "$work/src"
		(
			set -e
			gen=()
			command -v ninja >/dev/null && gen=(-G Ninja)
			cd "$work/src"
			s=$(date +%s)
			cmake --preset "CUDA $cuda_major" -B "$work/cuda-build" "${gen[@]}" -DCMAKE_INSTALL_PREFIX="$work" \
				-DCMAKE_CUDA_ARCHITECTURES="$arch" \
				-DCMAKE_DISABLE_FIND_PACKAGE_Vulkan=ON \
				-DGGML_CUDA_FA_ALL_QUANTS=OFF
			cmake --build "$work/cuda-build" --target ggml-cuda -j "$jobs"
			cmake --install "$work/cuda-build" --component CUDA --prefix "$work"
			cp -P "$work"/cuda-build/lib/ollama/libggml-base.so* "$libdir/"
			echo "cuda build took $(($(date +%s) - s)) s"
		) >"$out/cuda-build.log" 2>&1 &
		build_pid=$!
		log "building the CUDA backend for sm_$arch in the background ($(ls "$work"/src/ml/backend/ggml/ggml/src/ggml-cuda/*.cu | wc -l) + template .cu files, $jobs jobs; log in cuda-build.log)"
	fi
	[ -x "$work/bin/bw" ] || nvcc -O2 -arch="sm_$arch" -o "$work/bin/bw" "$kit/bw.cu" >"$out/bw-build.log" 2>&1 &
	bw_pid=$!
else
	log "no nvcc or no NVIDIA GPU: measuring on the CPU"
fi
quants=${QUANTS:-$([ $gpu = 1 ] && echo "f16 q8_0 q4_K_M" || echo "q8_0 q4_K_M")}
num_predict=${NUM_PREDICT:-$([ $gpu = 1 ] && echo 128 || echo 32)}
num_ctx=${NUM_CTX:-4096}

# --- servers ---------------------------------------------------------------------
server_pid=
start_server() { # start_server LOGNAME NICENESS [ENV=VALUE...]
	local name=$1 niceness=$2
	shift 2
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
	export OLLAMA_HOST=127.0.0.1:$port
	mkdir -p "$work/home"
	(cd "$work" && exec nice -n "$niceness" env HOME="$work/home" OLLAMA_HOST="$OLLAMA_HOST" OLLAMA_MODELS="$work/models" \
		OLLAMA_NO_CLOUD=1 OLLAMA_KEEP_ALIVE=1h "$@" "$ollama" serve) >"$out/$name.log" 2>&1 &
	server_pid=$!
	bench wait -timeout 60s || die "ollama serve did not answer; see $name.log"
}
stop_server() {
	[ -n "$server_pid" ] || return 0
	kill -TERM "$server_pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}
trap 'stop_server; [ -z "$build_pid" ] || kill "$build_pid" 2>/dev/null || true' EXIT

# --- 3. the model ------------------------------------------------------------------
gguf=$work/medgemma-4b-f16.gguf
if [ ! -s "$gguf.digest" ] || [ ! -f "$gguf" ]; then
	log "writing the F16 GGUF"
	rm -f "$gguf.digest"
	nice -n 5 genmodel -out "$gguf" >"$gguf.digest.tmp"
	mv "$gguf.digest.tmp" "$gguf.digest"
fi
log "F16 GGUF ready: $(cat "$gguf.digest")"
# Niced: on the GPU machine the CUDA build, the critical path, runs meanwhile.
start_server prepare-server 5
nice -n 5 bench import -gguf "$gguf" -digest "$(cat "$gguf.digest")" -name mg4b-f16
log "imported mg4b-f16"
for q in q8_0 q4_K_M; do
	case " $quants " in *" $q "*) ;; *) continue ;; esac
	# The device's time is short: a quantization that would start late is left out.
	if [ $gpu = 1 ] && [ $(($(date +%s) - t0)) -gt "${QUANT_DEADLINE:-300}" ]; then
		log "skipping mg4b-$q: past ${QUANT_DEADLINE:-300} s"
		quants=${quants/$q/}
		continue
	fi
	nice -n 5 bench quantize -from mg4b-f16 -name "mg4b-$q" -q "$q"
	log "created mg4b-$q"
done
stop_server

# --- 4. bandwidth ---------------------------------------------------------------------
if [ $gpu = 1 ]; then
	wait "$bw_pid" || die "nvcc bw.cu failed; see bw-build.log"
	bw=$("$work/bin/bw" 2>>"$out/run.log") || die "bw failed"
	bw_source="1 GiB device-to-device cudaMemcpy, (read + write) bytes/s, best of 10"
	if [ -n "$build_pid" ]; then
		log "waiting for the CUDA build"
		wait "$build_pid" || {
			tail -n 40 "$out/cuda-build.log" >&2
			die "CUDA build failed; see cuda-build.log"
		}
		build_pid=
		log "$(tail -n 1 "$out/cuda-build.log")"
	fi
	ls -l "$work/lib/ollama" "$work/lib/ollama/cuda_v$cuda_major" >>"$out/run.log"
	device="$gpu_name"
else
	bw=$(bench bandwidth)
	bw_source="1 GiB memcpy over $(nproc) threads, (read + write) bytes/s, best of 5"
	device="$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) threads"
fi
log "bandwidth $bw GB/s ($bw_source)"

# --- 5. measure -----------------------------------------------------------------------
start_server measure-server 0 OLLAMA_NUM_PARALLEL=4
grep -E 'inference compute|msg="system"' "$out/measure-server.log" | tee -a "$out/run.log" >&2 || true
models=
for q in $quants; do models=${models:+$models,}mg4b-$q; done
require=()
[ $gpu = 1 ] && require=(-require-gpu)
[ $gpu = 1 ] && (sleep 20 && nvidia-smi >"$out/nvidia-smi.txt" 2>&1) &
status=0
bench measure -models "$models" -image "$kit/4-896.png" -num-predict "$num_predict" -num-ctx "$num_ctx" \
	-parallel 4 -bw "$bw" -bw-source "$bw_source" -device "$device" -out "$out/perf.md" "${require[@]}" || status=$?
grep -E 'offloaded|model weights|kv cache|compute graph|flash' "$out/measure-server.log" | tail -n 40 >"$out/offload.txt" || true
log "done (exit $status); table in $out/perf.md"
exit $status
