#pragma once
// The device side of the optimizer's loop (compute/vis/cuda/device_ascent.hpp): every kernel reads the live
// parameters and the iteration number from device memory, so one captured CUDA graph replays every step, and a
// slider change is one small copy between steps, not a new capture. Numerics follow the host loop
// (compute/vis/ascent.cpp, regularizers.cpp): scipy's blur with 'reflect' edges accumulated in double, numpy's
// linear percentile (here from a device radix sort), "strictly below the threshold" clips.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace deepvis::cuda {

constexpr int kAscentMaxTaps = 129;  // blur radius up to 64 pixels (sigma up to 16)

// The parameters a step reads; host-written between steps.
struct AscentDeviceParams {
  double decay = 0.0;
  int lr_policy = 0;  // 0 constant, 1 progress, 2 progress01 (vis::LrPolicy's order)
  double lr = 1.0, max_lr = 1e10, desired_prog = 2.0, early_prog = 0.03, late_prog_mult = 0.1;
  int max_iter = 0;
  int blur_every = 0;
  int blur_on = 0;      // blur_every > 0 and sigma > 0
  int blur_radius = 0;  // taps = 2 * radius + 1
  double blur_weights[kAscentMaxTaps] = {};
  double q_val = 0.0, q_norm = 0.0, q_benefit = 0.0, q_abs_benefit = 0.0;
  float push_dir = 1.0f;
};

// Shapes and device buffers of one run: K units, images (C, H, W), the layer's activations.
struct AscentDeviceBuffers {
  int k = 0, c = 0, h = 0, w = 0;
  int64_t act_per_item = 0, act_plane = 0, act_offset = 0;  // layer element stride, plane, the unit's position
  int act_channels = 0;
  const int64_t* units = nullptr;  // [K]
  const float* gain = nullptr;     // [C] network input = gain * pixel
  const float* offset = nullptr;   // [C] p0: the pixel value the network sees as 0
  const AscentDeviceParams* params = nullptr;
  int* iteration = nullptr;  // the step being run
  int* running = nullptr;    // [K] 1 while the unit runs
  int* failure = nullptr;    // [K] 0, 1 "gradient zero", 2 "NaN in x" (+ iteration in failure_ii)
  int* failure_ii = nullptr;
  int* updated = nullptr;  // [K] 1 when the unit took a step this iteration (the regularizers act on those)
  int* last_ii = nullptr;  // [K] the last iteration recorded, -1 before any
  float* x = nullptr;      // [K, C, H, W] pixel space
  const float* x0 = nullptr;
  float* input = nullptr;           // network input
  const float* grad_net = nullptr;  // d objective / d input, from the Net
  float* grad_pix = nullptr;        // pixel-space gradient
  float* tmp = nullptr;             // [K, C, H, W] blur scratch
  float* per_pixel = nullptr;       // [K, H, W] norms or benefits
  double* sums = nullptr;           // [K * 4] per step: sum x, sum x^2, sum (x - x0)^2, sum g^2 (zeroed first)
  int* flags = nullptr;             // [K * 3] per step: copy to best_x, copy to majority_x, x not finite
  double* step_lr = nullptr;        // [K]
  double* threshold = nullptr;      // [K]
  uint64_t* keys = nullptr;         // [K * C * H * W] sort keys in
  uint64_t* sorted = nullptr;       // sort keys out
  void* sort_temp = nullptr;
  std::size_t sort_temp_bytes = 0;
  int sort_bits = 0;  // 32 + bits of the unit index
  // history, [K * max_iter] each; best/majority/last per unit
  double *obj = nullptr, *norm = nullptr, *dist = nullptr, *stdev = nullptr;
  int* idxmax = nullptr;
  double* best_obj = nullptr;
  int* best_ii = nullptr;
  double* majority_obj = nullptr;
  int* majority_ii = nullptr;
  float *best_x = nullptr, *majority_x = nullptr, *last_x = nullptr;
};

// Bytes of temporary storage the percentile sort needs for `count` keys.
std::size_t ascent_sort_temp_bytes(int64_t count, int bits);

// 0. x = clamp(x + p0, 0, 255) - p0 for running units.   1. input = gain * x.
void ascent_prepare_input(const AscentDeviceBuffers& b, cudaStream_t stream);
// After the forward: the objective, argmax and statistics of x at this iteration; best / majority / last.
void ascent_record(const AscentDeviceBuffers& b, const float* acts, cudaStream_t stream);
// After the backward: pixel gradient, its norm, stop decisions and the learning rate; then the update with decay.
void ascent_update(const AscentDeviceBuffers& b, cudaStream_t stream);
// The blur when this iteration is a blur step (checked on the device).
void ascent_blur(const AscentDeviceBuffers& b, cudaStream_t stream);
// The percentile clips: 0 values, 1 norm, 2 benefit, 3 absolute benefit.
void ascent_clip(const AscentDeviceBuffers& b, int which, cudaStream_t stream);
// NaN check for the units updated this iteration, then iteration += 1.
void ascent_finish(const AscentDeviceBuffers& b, cudaStream_t stream);
// The seed of the neuron objective: push_dir at (k, unit_k, position), zero elsewhere.
void ascent_seed(const AscentDeviceBuffers& b, float* seed, int64_t seed_count, cudaStream_t stream);

}  // namespace deepvis::cuda
