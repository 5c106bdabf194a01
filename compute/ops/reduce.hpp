#pragma once
// Reductions over any set of axes: ReduceMean, ReduceMax, ReduceSum, ReduceL2, keepdims or not. Each input element
// belongs to exactly one output element (reduce_owners); every backend groups the inputs of each output with
// compute/ops/index_groups.hpp, so the forward is a gather per output and the backward an elementwise pass per input.
// None is a rectifier: every backward mode uses the true derivative. ReduceMax splits its gradient evenly between
// tied maxima, as PyTorch's amax does; ReduceL2's is x / y (zero where y = 0).
#include "compute/core/host_device.hpp"
#include "compute/core/tensor.hpp"
#include "compute/ops/op_kind.hpp"

#include <math.h>
#include <vector>

namespace deepvis {

#define DEEPVIS_REDUCE_OP_CASES \
  case OpKind::ReduceMean:      \
  case OpKind::ReduceMax:       \
  case OpKind::ReduceSum:       \
  case OpKind::ReduceL2

inline constexpr bool is_reduce(OpKind kind) {
  switch (kind) {
  DEEPVIS_REDUCE_OP_CASES:
    return true;
    default: return false;
  }
}

struct ReduceParams {
  Dims axes;  // normalized, sorted, distinct; never empty (the importer lists every axis for "all")
  bool keepdims = true;
};

Dims reduce_output_dims(const ReduceParams& p, const Dims& x);

// Per input element, the index of the output element it is reduced into.
std::vector<int64_t> reduce_owners(const ReduceParams& p, const Dims& x);

// The output reduced from x[members[begin]] .. x[members[end - 1]], accumulated in Acc.
template <typename Acc>
DEEPVIS_HOST_DEVICE Acc reduce_group(OpKind kind, const float* x, const int64_t* members, int64_t begin, int64_t end) {
  Acc acc = kind == OpKind::ReduceMax ? -static_cast<Acc>(INFINITY) : Acc(0);
  for (int64_t k = begin; k < end; ++k) {
    const Acc v = x[members[k]];
    if (kind == OpKind::ReduceMax) {
      acc = v > acc ? v : acc;
    } else {
      acc += kind == OpKind::ReduceL2 ? v * v : v;
    }
  }
  if (kind == OpKind::ReduceMean) acc /= static_cast<Acc>(end - begin);
  if (kind == OpKind::ReduceL2) acc = ::sqrt(acc);
  return acc;
}

// How many of the group's inputs equal y (ReduceMax's ties).
DEEPVIS_HOST_DEVICE inline int64_t reduce_ties(const float* x, const int64_t* members, int64_t begin, int64_t end,
                                               float y) {
  int64_t ties = 0;
  for (int64_t k = begin; k < end; ++k) ties += x[members[k]] == y ? 1 : 0;
  return ties;
}

// The derivative of output y (reduced from `count` inputs, `ties` of them equal to y for ReduceMax) with respect
// to one input x.
template <typename T>
DEEPVIS_HOST_DEVICE T reduce_partial(OpKind kind, T x, T y, int64_t count, int64_t ties) {
  switch (kind) {
    case OpKind::ReduceMean: return T(1) / static_cast<T>(count);
    case OpKind::ReduceSum: return T(1);
    case OpKind::ReduceMax: return x == y ? T(1) / static_cast<T>(ties) : T(0);
    case OpKind::ReduceL2: return y == T(0) ? T(0) : x / y;
    default: return T(0);
  }
}

}  // namespace deepvis
