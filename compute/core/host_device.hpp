#pragma once
// Functions written once for the host and the CUDA device (the backward-mode rule, the smooth activations, the
// atlas pixel): __host__ __device__ under nvcc, nothing elsewhere. No CUDA headers, so host-only builds include it.
#ifdef __CUDACC__
#define DEEPVIS_HOST_DEVICE __host__ __device__
#else
#define DEEPVIS_HOST_DEVICE
#endif
