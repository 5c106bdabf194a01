#pragma once
// Receptive fields for any graph, as shared/spec/deep-visualization.md §4 defines them: per spatial axis, a unit u
// of a blob sees input pixels [u * stride - pad, u * stride - pad + size - 1]. They are built forward from the
// input, one node at a time (the spec's walk back from the unit, run the other way, gives the same numbers):
// a conv or pool with kernel k, stride s, dilation d and leading padding p gives size += (d (k - 1)) * stride,
// pad += p * stride, stride *= s. Pointwise ops (activations, BatchNorm, LRN, channel softmax) are identities; a
// Pad adds its padding, a spatial Slice crops. Where branches meet (Add, Mul, Concat, ...) the region is the
// union of theirs; branches with another stride or another centre are reported as not aligned. Global pools,
// spatial reductions and fully connected layers see the whole input. An op that moves pixels in a way the rule
// does not model (Transpose, Reshape of the spatial dims, an upsampling lowered to matrices) leaves the blob
// unknown, saying which node.
#include "compute/core/graph.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deepvis::vis {

struct AxisField {
  int64_t size = 1;    // r: input pixels one unit sees along the axis
  int64_t stride = 1;  // S: input pixels between neighbouring units
  int64_t pad = 0;     // P: unit 0 starts at input pixel -P
  bool operator==(const AxisField& o) const { return size == o.size && stride == o.stride && pad == o.pad; }
};

// An inclusive range of input pixels along one axis; it may reach outside the image.
struct PixelRange {
  int64_t first = 0, last = 0;
  int64_t length() const { return last - first + 1; }
};

struct ReceptiveField {
  enum class Kind { Spatial, Global, Unknown };
  Kind kind = Kind::Spatial;
  AxisField y, x;
  bool aligned = true;  // false: branches met with another stride or centre (see note)
  std::string note;     // why not aligned, or why unknown: "node 'add_3' (Add): ..."

  PixelRange rows(int64_t unit_y) const { return {unit_y * y.stride - y.pad, unit_y * y.stride - y.pad + y.size - 1}; }
  PixelRange cols(int64_t unit_x) const { return {unit_x * x.stride - x.pad, unit_x * x.stride - x.pad + x.size - 1}; }
};

const char* receptive_kind_name(ReceptiveField::Kind kind);

// One field per blob of `graph` (constants: Global, never used). The input's own is size 1, stride 1, pad 0.
std::vector<ReceptiveField> receptive_fields(const Graph& graph);

// A rectangle of the input image, inside it.
struct ImageCrop {
  int64_t y0 = 0, x0 = 0, height = 0, width = 0;
};

// The input pixels unit (unit_y, unit_x) sees, clipped to a height x width image; nullopt when the field is global
// or unknown (the whole image matters, or nobody knows which part).
std::optional<ImageCrop> unit_crop(const ReceptiveField& field, int64_t unit_y, int64_t unit_x, int64_t height,
                                   int64_t width);

// "r 163x163, stride 16x16, pad 64x64" (one number where both axes agree), "global" or "unknown (...)".
std::string describe(const ReceptiveField& field);

}  // namespace deepvis::vis
