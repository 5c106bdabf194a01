#include "compute/vis/cuda/ascent_kernels.hpp"

#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/launch.cuh"

#include <cub/device/device_radix_sort.cuh>

#include <algorithm>

namespace deepvis::cuda {

namespace {

constexpr const char* kWhere = "optimizer on the GPU";
constexpr int kReduceBlock = 256;

// Sum of one double per thread over the block; the result is valid in thread 0.
__device__ double block_sum(double v, double* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int s = kReduceBlock / 2; s > 0; s >>= 1) {
    if (static_cast<int>(threadIdx.x) < s) shared[threadIdx.x] += shared[threadIdx.x + s];
    __syncthreads();
  }
  const double total = shared[0];
  __syncthreads();  // the caller may reuse `shared` at once
  return total;
}

// Float bits mapped to an unsigned order that sorts like the floats (negative values flipped entirely).
__device__ uint32_t orderable(float v) {
  const uint32_t u = __float_as_uint(v);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
__device__ float from_orderable(uint32_t u) {
  return __uint_as_float((u & 0x80000000u) ? (u & 0x7fffffffu) : ~u);
}

__global__ void prepare_kernel(AscentDeviceBuffers b) {
  const int64_t plane = static_cast<int64_t>(b.h) * b.w;
  const int64_t image = plane * b.c;
  DEEPVIS_FOR_EACH_INDEX(i, image * b.k) {
    const auto k = static_cast<int>(i / image);
    const auto c = static_cast<int>((i / plane) % b.c);
    float v = b.x[i];
    if (b.running[k]) {
      // The host loop's clamp of x to [-p0, 255 - p0] (compute/vis/ascent.cpp): x untouched where no bound acts.
      const float p0 = b.offset[c];
      v = fminf(fmaxf(v, -p0), 255.0f - p0);
      b.x[i] = v;
    }
    b.input[i] = v * b.gain[c];
  }
}

// Blocks per unit for the reductions over an image: enough to fill the GPU, each thread summing a few elements.
int reduce_blocks(int64_t image) {
  return static_cast<int>(std::min<int64_t>((image + 2047) / 2048, 512));
}

// Per unit (blockIdx.y): sum x, sum x^2 and sum (x - x0)^2 into sums[k * 4 + 0..2].
__global__ void stats_kernel(AscentDeviceBuffers b) {
  __shared__ double shared[kReduceBlock];
  const int k = blockIdx.y;
  if (!b.running[k]) return;
  const int64_t image = static_cast<int64_t>(b.c) * b.h * b.w;
  const float* x = b.x + k * image;
  const float* x0 = b.x0 + k * image;
  double sum = 0.0, sum_sq = 0.0, dist_sq = 0.0;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < image;
       i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const double v = x[i];
    const double d = v - static_cast<double>(x0[i]);
    sum += v;
    sum_sq += v * v;
    dist_sq += d * d;
  }
  sum = block_sum(sum, shared);
  sum_sq = block_sum(sum_sq, shared);
  dist_sq = block_sum(dist_sq, shared);
  if (threadIdx.x == 0) {
    atomicAdd(&b.sums[k * 4 + 0], sum);
    atomicAdd(&b.sums[k * 4 + 1], sum_sq);
    atomicAdd(&b.sums[k * 4 + 2], dist_sq);
  }
}

// One thread per unit: the objective, argmax and statistics of this iteration; whether x is the best or the first
// majority success (the copies follow in copy_kernel).
__global__ void record_kernel(AscentDeviceBuffers b, const float* acts) {
  const int k = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (k >= b.k || !b.running[k]) return;  // flags were zeroed at the start of the step
  const AscentDeviceParams& p = *b.params;
  const int ii = *b.iteration;
  const float* a = acts + k * b.act_per_item;
  const int64_t unit = b.units[k];
  const double obj = a[unit * b.act_plane + b.act_offset];
  int64_t best_c = 0;
  for (int64_t c = 1; c < b.act_channels; ++c) {
    if (a[c * b.act_plane + b.act_offset] > a[best_c * b.act_plane + b.act_offset]) best_c = c;
  }
  const int64_t h = static_cast<int64_t>(k) * p.max_iter + ii;
  const double n = static_cast<double>(b.c) * b.h * b.w;
  const double sum = b.sums[k * 4 + 0], sum_sq = b.sums[k * 4 + 1], dist_sq = b.sums[k * 4 + 2];
  const double mean = sum / n;
  b.obj[h] = obj;
  b.idxmax[h] = static_cast<int>(best_c);
  b.norm[h] = sqrt(sum_sq);
  b.dist[h] = sqrt(dist_sq);
  b.stdev[h] = sqrt(fmax(0.0, sum_sq / n - mean * mean));
  const double dir = p.push_dir;
  if (dir * obj > dir * b.best_obj[k] || b.best_ii[k] < 0) {
    b.best_obj[k] = obj;
    b.best_ii[k] = ii;
    b.flags[k * 3 + 0] = 1;
  }
  if (b.majority_ii[k] < 0 && best_c == unit) {
    b.majority_ii[k] = ii;
    b.majority_obj[k] = obj;
    b.flags[k * 3 + 1] = 1;
  }
  b.last_ii[k] = ii;
}

__global__ void copy_kernel(AscentDeviceBuffers b) {
  const int64_t image = static_cast<int64_t>(b.c) * b.h * b.w;
  DEEPVIS_FOR_EACH_INDEX(i, image * b.k) {
    const auto k = static_cast<int>(i / image);
    if (!b.running[k]) continue;
    const float v = b.x[i];
    b.last_x[i] = v;
    if (b.flags[k * 3 + 0]) b.best_x[i] = v;
    if (b.flags[k * 3 + 1]) b.majority_x[i] = v;
  }
}

// Per unit (blockIdx.y): the pixel gradient and the sum of its squares into sums[k * 4 + 3].
__global__ void gradient_kernel(AscentDeviceBuffers b) {
  __shared__ double shared[kReduceBlock];
  const int k = blockIdx.y;
  if (!b.running[k]) return;
  const int64_t plane = static_cast<int64_t>(b.h) * b.w;
  const int64_t image = plane * b.c;
  double sq = 0.0;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < image;
       i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const float g = b.grad_net[k * image + i] * b.gain[i / plane];
    b.grad_pix[k * image + i] = g;
    sq += static_cast<double>(g) * g;
  }
  sq = block_sum(sq, shared);
  if (threadIdx.x == 0) atomicAdd(&b.sums[k * 4 + 3], sq);
}

// One thread per unit: stop (zero gradient, or the last iteration) or the learning rate of this step.
__global__ void decide_kernel(AscentDeviceBuffers b) {
  const int k = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (k >= b.k) return;
  if (!b.running[k]) {
    b.updated[k] = 0;
    return;
  }
  const AscentDeviceParams& p = *b.params;
  const int ii = *b.iteration;
  const double gnorm = sqrt(b.sums[k * 4 + 3]);
  if (gnorm == 0.0 || ii == p.max_iter - 1) {
    if (gnorm == 0.0) {
      b.failure[k] = 1;
      b.failure_ii[k] = ii;
    }
    b.running[k] = 0;
    b.updated[k] = 0;
    return;
  }
  double lr = p.lr;
  if (p.lr_policy == 1) {
    lr = fmin(p.max_lr, p.desired_prog / (gnorm * gnorm));
  } else if (p.lr_policy == 2) {
    const double obj = b.obj[static_cast<int64_t>(k) * p.max_iter + ii];
    const double desired = fmin(p.early_prog, p.late_prog_mult * (1.0 - obj));
    lr = fmin(p.max_lr, desired / (gnorm * gnorm));
  }
  b.step_lr[k] = lr;
  b.updated[k] = 1;
}

__global__ void step_kernel(AscentDeviceBuffers b) {
  const int64_t image = static_cast<int64_t>(b.c) * b.h * b.w;
  const auto keep = static_cast<float>(1.0 - b.params->decay);
  DEEPVIS_FOR_EACH_INDEX(i, image * b.k) {
    const auto k = static_cast<int>(i / image);
    if (!b.updated[k]) continue;
    const auto step = static_cast<float>(b.step_lr[k]);
    // Rounded op by op as the host loop is (no fused multiply-add), so the same gradient gives the same x.
    b.x[i] = __fmul_rn(__fadd_rn(b.x[i], __fmul_rn(step, b.grad_pix[i])), keep);
  }
}

__device__ bool blur_now(const AscentDeviceBuffers& b, int k) {
  const AscentDeviceParams& p = *b.params;
  return p.blur_on && b.updated[k] && (*b.iteration % p.blur_every) == 0;
}

// scipy 'reflect': d c b a | a b c d | d c b a
__device__ int reflect(int i, int n) {
  const int period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// gaussian_filter's first axis (down the columns), x -> tmp.
__global__ void blur_columns_kernel(AscentDeviceBuffers b) {
  const int64_t plane = static_cast<int64_t>(b.h) * b.w;
  const int64_t image = plane * b.c;
  const AscentDeviceParams& p = *b.params;
  DEEPVIS_FOR_EACH_INDEX(i, image * b.k) {
    const auto k = static_cast<int>(i / image);
    if (!blur_now(b, k)) continue;
    const int64_t base = i - i % plane;
    const auto y = static_cast<int>((i % plane) / b.w);
    const auto col = static_cast<int>(i % b.w);
    double acc = 0.0;
    for (int j = 0; j <= 2 * p.blur_radius; ++j) {
      const double v = b.x[base + static_cast<int64_t>(reflect(y + j - p.blur_radius, b.h)) * b.w + col];
      acc = __dadd_rn(acc, __dmul_rn(p.blur_weights[j], v));  // as the host's double loop rounds
    }
    b.tmp[i] = static_cast<float>(acc);
  }
}

// The second axis (along the rows), tmp -> x.
__global__ void blur_rows_kernel(AscentDeviceBuffers b) {
  const int64_t plane = static_cast<int64_t>(b.h) * b.w;
  const int64_t image = plane * b.c;
  const AscentDeviceParams& p = *b.params;
  DEEPVIS_FOR_EACH_INDEX(i, image * b.k) {
    const auto k = static_cast<int>(i / image);
    if (!blur_now(b, k)) continue;
    const int64_t row = i - i % b.w;
    const auto col = static_cast<int>(i % b.w);
    double acc = 0.0;
    for (int j = 0; j <= 2 * p.blur_radius; ++j)
      acc += p.blur_weights[j] * b.tmp[row + reflect(col + j - p.blur_radius, b.w)];
    b.x[i] = static_cast<float>(acc);
  }
}

// Sort keys: the unit index above the value's orderable bits, so one device-wide sort orders every unit's values.
__global__ void clip_keys_kernel(AscentDeviceBuffers b, int which) {
  const int64_t plane = static_cast<int64_t>(b.h) * b.w;
  const int64_t image = plane * b.c;
  if (which == 0) {
    DEEPVIS_FOR_EACH_INDEX(i, image * b.k) {
      const uint64_t k = static_cast<uint64_t>(i / image);
      b.keys[i] = (k << 32) | orderable(fabsf(b.x[i]));
    }
    return;
  }
  DEEPVIS_FOR_EACH_INDEX(q, plane * b.k) {
    const int64_t k = q / plane;
    const int64_t pix = q % plane;
    const float* x = b.x + k * image + pix;
    const float* g = b.grad_pix + k * image + pix;
    double s = 0.0;
    for (int c = 0; c < b.c; ++c) {
      if (which == 1) {
        s = __dadd_rn(s, __dmul_rn(static_cast<double>(x[c * plane]), static_cast<double>(x[c * plane])));
      } else {
        s = __dadd_rn(s, __dmul_rn(static_cast<double>(g[c * plane]), static_cast<double>(-x[c * plane])));
      }
    }
    const float v = which == 1 ? static_cast<float>(sqrt(s)) : static_cast<float>(which == 3 ? fabs(s) : s);
    b.per_pixel[q] = v;
    b.keys[q] = (static_cast<uint64_t>(k) << 32) | orderable(v);
  }
}

// numpy.percentile's 'linear' method on each unit's sorted values.
__global__ void clip_threshold_kernel(AscentDeviceBuffers b, int which) {
  const int k = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (k >= b.k) return;
  const AscentDeviceParams& p = *b.params;
  const double q = which == 0 ? p.q_val : which == 1 ? p.q_norm : which == 2 ? p.q_benefit : p.q_abs_benefit;
  const int64_t n = which == 0 ? static_cast<int64_t>(b.c) * b.h * b.w : static_cast<int64_t>(b.h) * b.w;
  const double h = (static_cast<double>(n) - 1.0) * q / 100.0;
  const auto lo = static_cast<int64_t>(floor(h));
  const uint64_t* s = b.sorted + k * n;
  const double a = from_orderable(static_cast<uint32_t>(s[lo] & 0xffffffffu));
  if (lo + 1 >= n) {
    b.threshold[k] = a;
    return;
  }
  const double hi = from_orderable(static_cast<uint32_t>(s[lo + 1] & 0xffffffffu));
  const double t = h - static_cast<double>(lo);
  b.threshold[k] = t >= 0.5 ? __dsub_rn(hi, __dmul_rn(__dsub_rn(hi, a), __dsub_rn(1.0, t)))
                            : __dadd_rn(a, __dmul_rn(__dsub_rn(hi, a), t));
}

__global__ void clip_apply_kernel(AscentDeviceBuffers b, int which) {
  const int64_t plane = static_cast<int64_t>(b.h) * b.w;
  const int64_t image = plane * b.c;
  DEEPVIS_FOR_EACH_INDEX(i, image * b.k) {
    const auto k = static_cast<int>(i / image);
    if (!b.updated[k]) continue;
    if (which == 0) {
      if (fabsf(b.x[i]) < b.threshold[k]) b.x[i] = 0.0f;
    } else if (b.per_pixel[k * plane + i % plane] < b.threshold[k]) {
      b.x[i] = 0.0f;
    }
  }
}

__global__ void nan_kernel(AscentDeviceBuffers b) {
  const int64_t image = static_cast<int64_t>(b.c) * b.h * b.w;
  DEEPVIS_FOR_EACH_INDEX(i, image * b.k) {
    const auto k = static_cast<int>(i / image);
    if (b.updated[k] && !isfinite(b.x[i])) b.flags[k * 3 + 2] = 1;  // a benign race: every writer writes 1
  }
}

// One block: stop the units whose x went non-finite, then advance the iteration once every thread has read it.
__global__ void finalize_kernel(AscentDeviceBuffers b) {
  const int ii = *b.iteration;
  for (int k = static_cast<int>(threadIdx.x); k < b.k; k += static_cast<int>(blockDim.x)) {
    if (b.flags[k * 3 + 2]) {
      b.running[k] = 0;
      b.failure[k] = 2;
      b.failure_ii[k] = ii;
    }
  }
  __syncthreads();
  if (threadIdx.x == 0) *b.iteration = ii + 1;
}

__global__ void seed_kernel(AscentDeviceBuffers b, float* seed, int64_t count) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int64_t k = i / b.act_per_item;
    const int64_t at = b.units[k] * b.act_plane + b.act_offset;
    seed[i] = (i % b.act_per_item == at) ? b.params->push_dir : 0.0f;
  }
}

int64_t elements(const AscentDeviceBuffers& b) {
  return static_cast<int64_t>(b.k) * b.c * b.h * b.w;
}

}  // namespace

std::size_t ascent_sort_temp_bytes(int64_t count, int bits) {
  std::size_t bytes = 0;
  DEEPVIS_CUDA_CALL(kWhere, cub::DeviceRadixSort::SortKeys, nullptr, bytes, static_cast<const uint64_t*>(nullptr),
                    static_cast<uint64_t*>(nullptr), checked_int(count, kWhere), 0, bits, cudaStream_t{nullptr});
  return bytes;
}

void ascent_prepare_input(const AscentDeviceBuffers& b, cudaStream_t stream) {
  DEEPVIS_CUDA_CALL(kWhere, cudaMemsetAsync, b.sums, 0, sizeof(double) * 4 * static_cast<std::size_t>(b.k), stream);
  DEEPVIS_CUDA_CALL(kWhere, cudaMemsetAsync, b.flags, 0, sizeof(int) * 3 * static_cast<std::size_t>(b.k), stream);
  prepare_kernel<<<grid_for(elements(b)), kBlock, 0, stream>>>(b);
  check_launch("prepare_kernel", kWhere);
}

void ascent_record(const AscentDeviceBuffers& b, const float* acts, cudaStream_t stream) {
  const int64_t image = static_cast<int64_t>(b.c) * b.h * b.w;
  stats_kernel<<<dim3(static_cast<unsigned>(reduce_blocks(image)), static_cast<unsigned>(b.k)), kReduceBlock, 0,
                 stream>>>(b);
  check_launch("stats_kernel", kWhere);
  record_kernel<<<(b.k + 63) / 64, 64, 0, stream>>>(b, acts);
  check_launch("record_kernel", kWhere);
  copy_kernel<<<grid_for(elements(b)), kBlock, 0, stream>>>(b);
  check_launch("copy_kernel", kWhere);
}

void ascent_update(const AscentDeviceBuffers& b, cudaStream_t stream) {
  const int64_t image = static_cast<int64_t>(b.c) * b.h * b.w;
  gradient_kernel<<<dim3(static_cast<unsigned>(reduce_blocks(image)), static_cast<unsigned>(b.k)), kReduceBlock, 0,
                    stream>>>(b);
  check_launch("gradient_kernel", kWhere);
  decide_kernel<<<(b.k + 63) / 64, 64, 0, stream>>>(b);
  check_launch("decide_kernel", kWhere);
  step_kernel<<<grid_for(elements(b)), kBlock, 0, stream>>>(b);
  check_launch("step_kernel", kWhere);
}

void ascent_blur(const AscentDeviceBuffers& b, cudaStream_t stream) {
  blur_columns_kernel<<<grid_for(elements(b)), kBlock, 0, stream>>>(b);
  check_launch("blur_columns_kernel", kWhere);
  blur_rows_kernel<<<grid_for(elements(b)), kBlock, 0, stream>>>(b);
  check_launch("blur_rows_kernel", kWhere);
}

void ascent_clip(const AscentDeviceBuffers& b, int which, cudaStream_t stream) {
  const int64_t count = which == 0 ? elements(b) : static_cast<int64_t>(b.k) * b.h * b.w;
  clip_keys_kernel<<<grid_for(count), kBlock, 0, stream>>>(b, which);
  check_launch("clip_keys_kernel", kWhere);
  std::size_t bytes = b.sort_temp_bytes;
  DEEPVIS_CUDA_CALL(kWhere, cub::DeviceRadixSort::SortKeys, b.sort_temp, bytes, static_cast<const uint64_t*>(b.keys),
                    b.sorted, checked_int(count, kWhere), 0, b.sort_bits, stream);
  clip_threshold_kernel<<<(b.k + 63) / 64, 64, 0, stream>>>(b, which);
  check_launch("clip_threshold_kernel", kWhere);
  clip_apply_kernel<<<grid_for(elements(b)), kBlock, 0, stream>>>(b, which);
  check_launch("clip_apply_kernel", kWhere);
}

void ascent_finish(const AscentDeviceBuffers& b, cudaStream_t stream) {
  nan_kernel<<<grid_for(elements(b)), kBlock, 0, stream>>>(b);
  check_launch("nan_kernel", kWhere);
  finalize_kernel<<<1, 256, 0, stream>>>(b);
  check_launch("finalize_kernel", kWhere);
}

void ascent_seed(const AscentDeviceBuffers& b, float* seed, int64_t seed_count, cudaStream_t stream) {
  seed_kernel<<<grid_for(seed_count), kBlock, 0, stream>>>(b, seed, seed_count);
  check_launch("seed_kernel", kWhere);
}

}  // namespace deepvis::cuda
