#pragma once
// Inverting an index map: which elements share a key. Ops that move data (compute/ops/rearrange.hpp) map each output
// element to the input element it reads; their backward needs, per input element, the outputs that read it.
// Reductions (compute/ops/reduce.hpp) map each input element to its output; their forward needs, per output, the
// inputs it reduces. Both are this one grouping, built once per kernel, so that every backend's loops are gathers:
// deterministic, and free of atomics on the GPU.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace deepvis {

// Members of group k are members[offsets[k] .. offsets[k + 1]), in increasing order.
struct IndexGroups {
  std::vector<int64_t> offsets;  // groups + 1 entries
  std::vector<int64_t> members;
};

// Groups the indices i of `key` by key[i] (0 .. groups - 1); a negative key belongs to no group.
IndexGroups group_by_key(const std::vector<int64_t>& key, int64_t groups);

}  // namespace deepvis
