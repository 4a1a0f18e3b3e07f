// bw measures the GPU's memory bandwidth as bench/gpu/run.sh uses it: a
// 1 GiB device-to-device cudaMemcpy timed with CUDA events, the best of 10
// after a warm-up. It prints GB/s counting the bytes read and written
// (2 × 1 GiB per copy), the traffic a decode step's weight reads compete in.
//
//   nvcc -O2 -o bw bw.cu && ./bw
#include <cstdio>
#include <cuda_runtime.h>

#define CHECK(x)                                                              \
	do {                                                                      \
		cudaError_t e = (x);                                                  \
		if (e != cudaSuccess) {                                               \
			fprintf(stderr, "bw: %s: %s\n", #x, cudaGetErrorString(e));      \
			return 1;                                                         \
		}                                                                     \
	} while (0)

int main() {
	const size_t size = size_t(1) << 30;
	void *a, *b;
	CHECK(cudaMalloc(&a, size));
	CHECK(cudaMalloc(&b, size));
	CHECK(cudaMemset(a, 1, size));
	CHECK(cudaMemset(b, 0, size));
	cudaEvent_t start, stop;
	CHECK(cudaEventCreate(&start));
	CHECK(cudaEventCreate(&stop));
	CHECK(cudaMemcpy(b, a, size, cudaMemcpyDeviceToDevice));
	float best = 1e30f;
	for (int i = 0; i < 10; i++) {
		CHECK(cudaEventRecord(start));
		CHECK(cudaMemcpy(b, a, size, cudaMemcpyDeviceToDevice));
		CHECK(cudaEventRecord(stop));
		CHECK(cudaEventSynchronize(stop));
		float ms;
		CHECK(cudaEventElapsedTime(&ms, start, stop));
		if (ms < best) best = ms;
	}
	cudaDeviceProp p;
	CHECK(cudaGetDeviceProperties(&p, 0));
	fprintf(stderr, "bw: %s, 1 GiB D2D copy in %.3f ms\n", p.name, best);
	printf("%.1f\n", 2.0 * size / (best / 1e3) / 1e9);
	return 0;
}
