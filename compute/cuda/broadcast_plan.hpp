#pragma once
// The index bookkeeping of Add/Mul with numpy broadcasting, computed once per kernel on the host: output dims
// collapsed (size-1 dims dropped, neighbours with the same broadcast pattern merged) with each operand's strides,
// and, for the backward pass, how the output-shaped gradient sums back onto one operand. Plain C++ (no CUDA), so
// it is tested on machines without a GPU.
#include "compute/core/tensor.hpp"

#include <vector>

namespace deepvis::cuda {

constexpr int kMaxBroadcastRank = 8;  // after collapsing; the kernels take fixed-size arrays

struct BroadcastPlan {
  std::vector<int64_t> dims;      // collapsed output dims, outermost first (at least one)
  std::vector<int64_t> stride_a;  // element strides of a along them; 0 where a is broadcast
  std::vector<int64_t> stride_b;
  int64_t total = 0;  // output elements
};

// Throws deepvis::Error when more than kMaxBroadcastRank dims remain after collapsing.
BroadcastPlan plan_broadcast(const Dims& a, const Dims& b, const Dims& out);

// The gradient of one operand ("self"): element j of self (its own row-major order) is the sum over the reduced
// dims of g[out offset] (times other[other offset] for Mul). Offsets are sums of index * stride.
struct ReductionPlan {
  std::vector<int64_t> kept_dims, kept_out, kept_other;  // self's dims, outermost first, with their strides
  std::vector<int64_t> red_dims, red_out, red_other;     // the dims self is broadcast along
  int64_t count = 1;                                     // elements of self
  int64_t per_element = 1;                               // terms summed per element (product of red_dims)
  bool full = true;                                      // nothing reduced: elementwise
};

ReductionPlan plan_reduction(const BroadcastPlan& plan, bool for_a);

}  // namespace deepvis::cuda
