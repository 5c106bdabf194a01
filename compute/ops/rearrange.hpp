#pragma once
// Ops whose every output element is a copy of one input element (or a constant): Transpose, Slice, Expand, Tile,
// Gather (constant indices), DepthToSpace, SpaceToDepth, and Pad in reflect and edge modes. Each is described by one
// function, rearrange_sources: where each output element reads. Every backend runs that map as a gather forward and,
// through its inverse (compute/ops/index_groups.hpp), as a gather backward that sums the signal of every output that
// read an input element. The semantics of each op live in one place; no op here is a rectifier.
#include "compute/core/tensor.hpp"
#include "compute/ops/op_kind.hpp"

#include <vector>

namespace deepvis {

// The kinds that are always rearrangements (Pad is one only in its reflect and edge modes).
#define DEEPVIS_REARRANGE_OP_CASES \
  case OpKind::Transpose:          \
  case OpKind::Slice:              \
  case OpKind::Expand:             \
  case OpKind::Tile:               \
  case OpKind::Gather:             \
  case OpKind::DepthToSpace:       \
  case OpKind::SpaceToDepth

struct TransposeParams {
  Dims perm;  // a permutation of 0 .. rank - 1: output dim i is input dim perm[i]
};

// ONNX Slice: per listed axis (normalized, distinct), start, end and step, clamped against the input's dims as
// ONNX defines it when the dims are known (so a batch change re-resolves them).
struct SliceParams {
  Dims starts;
  Dims ends;
  Dims axes;
  Dims steps;  // non-zero
};

struct ExpandParams {
  Dims shape;  // broadcast with the input's dims, numpy-style
};

struct TileParams {
  Dims repeats;  // one per input dim, >= 0
};

struct GatherParams {
  int64_t axis = 0;   // normalized
  Dims indices;       // flattened, each in [-dim, dim)
  Dims indices_dims;  // their shape (empty: a scalar index, which drops the axis)
};

// DepthToSpace and SpaceToDepth.
struct BlockParams {
  int64_t blocksize = 1;
  bool crd = false;  // DepthToSpace's CRD mode (column, row, depth); DCR otherwise. SpaceToDepth has only DCR.
};

// One resolved slice of a dim: output index k reads input index start + k * step.
struct SliceRange {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
};

// Per input dim, after ONNX's clamping rules (unlisted dims are taken whole).
std::vector<SliceRange> resolve_slice(const SliceParams& p, const Dims& x);

Dims transpose_output_dims(const TransposeParams& p, const Dims& x);
Dims slice_output_dims(const SliceParams& p, const Dims& x);
Dims tile_output_dims(const TileParams& p, const Dims& x);
Dims gather_output_dims(const GatherParams& p, const Dims& x);
Dims depth_to_space_output_dims(const BlockParams& p, const Dims& x);
Dims space_to_depth_output_dims(const BlockParams& p, const Dims& x);

struct Node;

// Where each output element of `node` (a kind above, or a Pad in reflect or edge mode) reads: the index of an
// element of its first input, or -1 for Pad's constant. Throws deepvis::Error for any other node.
std::vector<int64_t> rearrange_sources(const Node& node, const Dims& input, const Dims& output);

// Whether `node` runs as a rearrangement (the kinds above; Pad unless its mode is constant).
bool is_rearrange(const Node& node);

}  // namespace deepvis
