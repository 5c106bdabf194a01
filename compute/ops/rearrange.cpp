#include "compute/ops/rearrange.hpp"

#include "compute/core/dims_math.hpp"
#include "compute/core/error.hpp"
#include "compute/core/graph.hpp"

#include <algorithm>

namespace deepvis {

namespace {

// Row-major strides of `dims`.
std::vector<int64_t> strides_of(const Dims& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

// Calls fn(output coordinates) for every output element in order; fn returns that element's source.
template <class Fn>
std::vector<int64_t> map_outputs(const Dims& out, Fn fn) {
  std::vector<int64_t> sources(static_cast<size_t>(numel(out)));
  std::vector<int64_t> c(out.size(), 0);
  for (size_t e = 0; e < sources.size(); ++e) {
    sources[e] = fn(c);
    for (size_t d = out.size(); d-- > 0;) {
      if (++c[d] < out[d]) break;
      c[d] = 0;
    }
  }
  return sources;
}

void require_4d(const Dims& x, const char* op) {
  if (x.size() != 4) throw Error(std::string(op) + " needs a 4-D (N, C, H, W) input, got " + to_string(x));
}

// numpy's "reflect" (the edge itself is not repeated), for any distance outside [0, n).
int64_t reflect(int64_t c, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  c %= period;
  if (c < 0) c += period;
  return c < n ? c : period - c;
}

}  // namespace

std::vector<SliceRange> resolve_slice(const SliceParams& p, const Dims& x) {
  std::vector<SliceRange> r(x.size());
  for (size_t i = 0; i < x.size(); ++i) r[i] = {0, 1, x[i]};
  for (size_t k = 0; k < p.axes.size(); ++k) {
    const int64_t axis = p.axes[k];
    if (axis < 0 || axis >= static_cast<int64_t>(x.size())) {
      throw Error("Slice axis " + std::to_string(axis) + " is out of range for " + to_string(x));
    }
    const int64_t dim = x[static_cast<size_t>(axis)];
    const int64_t step = k < p.steps.size() ? p.steps[k] : 1;
    if (step == 0) throw Error("Slice step is 0");
    int64_t start = p.starts.at(k);
    int64_t end = p.ends.at(k);
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    // |step| may be up to 2^63 (INT64_MIN has no negation in int64); start and end lie within [-1, dim].
    const int64_t span = step > 0 ? end - start : start - end;
    const uint64_t stride = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
    const int64_t count = span <= 0 ? 0 : static_cast<int64_t>((static_cast<uint64_t>(span) - 1) / stride + 1);
    r[static_cast<size_t>(axis)] = {start, step, count};
  }
  return r;
}

Dims transpose_output_dims(const TransposeParams& p, const Dims& x) {
  if (p.perm.size() != x.size()) {
    throw Error("Transpose perm has " + std::to_string(p.perm.size()) + " entries for a " + std::to_string(x.size()) +
                "-D input");
  }
  Dims out(x.size());
  std::vector<char> seen(x.size(), 0);
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t from = p.perm[i];
    if (from < 0 || from >= static_cast<int64_t>(x.size()) || seen[static_cast<size_t>(from)]) {
      throw Error("Transpose perm is not a permutation of the input's dims");
    }
    seen[static_cast<size_t>(from)] = 1;
    out[i] = x[static_cast<size_t>(from)];
  }
  return out;
}

Dims slice_output_dims(const SliceParams& p, const Dims& x) {
  const std::vector<SliceRange> r = resolve_slice(p, x);
  Dims out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = r[i].count;
  return out;
}

Dims tile_output_dims(const TileParams& p, const Dims& x) {
  if (p.repeats.size() != x.size()) {
    throw Error("Tile has " + std::to_string(p.repeats.size()) + " repeats for a " + std::to_string(x.size()) +
                "-D input");
  }
  Dims out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (p.repeats[i] < 0) throw Error("Tile repeats must not be negative");
    out[i] = dims_mul(x[i], p.repeats[i]);
  }
  return out;
}

Dims gather_output_dims(const GatherParams& p, const Dims& x) {
  if (p.axis < 0 || p.axis >= static_cast<int64_t>(x.size())) {
    throw Error("Gather axis " + std::to_string(p.axis) + " is out of range for " + to_string(x));
  }
  const int64_t dim = x[static_cast<size_t>(p.axis)];
  for (int64_t i : p.indices) {
    if (i < -dim || i >= dim) throw Error("Gather index " + std::to_string(i) + " is out of range for " + to_string(x));
  }
  if (numel(p.indices_dims) != static_cast<int64_t>(p.indices.size())) {
    throw Error("Gather indices do not fill their dims " + to_string(p.indices_dims));
  }
  Dims out(x.begin(), x.begin() + p.axis);
  out.insert(out.end(), p.indices_dims.begin(), p.indices_dims.end());
  out.insert(out.end(), x.begin() + p.axis + 1, x.end());
  return out;
}

Dims depth_to_space_output_dims(const BlockParams& p, const Dims& x) {
  require_4d(x, "DepthToSpace");
  const int64_t b = p.blocksize;
  if (b < 1 || x[1] % dims_mul(b, b) != 0) {
    throw Error("DepthToSpace: " + std::to_string(x[1]) + " channels do not divide into blocks of " +
                std::to_string(b) + "x" + std::to_string(b));
  }
  return {x[0], x[1] / (b * b), dims_mul(x[2], b), dims_mul(x[3], b)};
}

Dims space_to_depth_output_dims(const BlockParams& p, const Dims& x) {
  require_4d(x, "SpaceToDepth");
  const int64_t b = p.blocksize;
  if (b < 1 || x[2] % b != 0 || x[3] % b != 0) {
    throw Error("SpaceToDepth: " + to_string(x) + " does not divide into blocks of " + std::to_string(b));
  }
  return {x[0], dims_mul(dims_mul(x[1], b), b), x[2] / b, x[3] / b};
}

bool is_rearrange(const Node& node) {
  switch (node.kind) {
  DEEPVIS_REARRANGE_OP_CASES:
    return true;
    case OpKind::Pad: return node.params_as<PadParams>().mode != PadMode::Constant;
    default: return false;
  }
}

namespace {

// Each rearrangement's source index for every output element, in the output's row-major order.
std::vector<int64_t> transpose_sources(const Node& node, const Dims& in, const Dims& out) {
  const std::vector<int64_t> stride = strides_of(in);
  const size_t rank = in.size();
  const Dims& perm = node.params_as<TransposeParams>().perm;
  return map_outputs(out, [&](const std::vector<int64_t>& c) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i) src += c[i] * stride[static_cast<size_t>(perm[i])];
    return src;
  });
}

std::vector<int64_t> slice_sources(const Node& node, const Dims& in, const Dims& out) {
  const std::vector<int64_t> stride = strides_of(in);
  const size_t rank = in.size();
  const std::vector<SliceRange> r = resolve_slice(node.params_as<SliceParams>(), in);
  return map_outputs(out, [&](const std::vector<int64_t>& c) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i) src += (r[i].start + c[i] * r[i].step) * stride[i];
    return src;
  });
}

std::vector<int64_t> repeat_sources(const Dims& in, const Dims& out) {
  const std::vector<int64_t> stride = strides_of(in);
  const size_t rank = in.size();
  // Both repeat the input: Expand broadcasts its size-1 dims (the output may have more dims, on the left),
  // Tile repeats whole copies. Either way the source coordinate is the output's modulo the input's dim.
  const size_t lead = out.size() - rank;
  return map_outputs(out, [&](const std::vector<int64_t>& c) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i) src += (c[lead + i] % in[i]) * stride[i];
    return src;
  });
}

std::vector<int64_t> gather_sources(const Node& node, const Dims& in, const Dims& out) {
  const std::vector<int64_t> stride = strides_of(in);
  const size_t rank = in.size();
  const GatherParams& p = node.params_as<GatherParams>();
  const auto axis = static_cast<size_t>(p.axis);
  const size_t idx_rank = p.indices_dims.size();
  const std::vector<int64_t> idx_stride = strides_of(p.indices_dims);
  const int64_t dim = in[axis];
  return map_outputs(out, [&](const std::vector<int64_t>& c) {
    int64_t flat = 0;
    for (size_t k = 0; k < idx_rank; ++k) flat += c[axis + k] * idx_stride[k];
    int64_t at = p.indices[static_cast<size_t>(flat)];
    if (at < 0) at += dim;
    int64_t src = at * stride[axis];
    for (size_t i = 0; i < axis; ++i) src += c[i] * stride[i];
    for (size_t i = axis + 1; i < rank; ++i) src += c[i + idx_rank - 1] * stride[i];
    return src;
  });
}

std::vector<int64_t> depth_to_space_sources(const Node& node, const Dims& in, const Dims& out) {
  const std::vector<int64_t> stride = strides_of(in);
  const BlockParams& p = node.params_as<BlockParams>();
  const int64_t b = p.blocksize;
  const int64_t c_out = out[1];
  return map_outputs(out, [&](const std::vector<int64_t>& c) {
    const int64_t i = c[2] % b;
    const int64_t j = c[3] % b;
    const int64_t channel = p.crd ? c[1] * b * b + i * b + j : (i * b + j) * c_out + c[1];
    return c[0] * stride[0] + channel * stride[1] + (c[2] / b) * stride[2] + (c[3] / b) * stride[3];
  });
}

std::vector<int64_t> space_to_depth_sources(const Node& node, const Dims& in, const Dims& out) {
  const std::vector<int64_t> stride = strides_of(in);
  const int64_t b = node.params_as<BlockParams>().blocksize;
  const int64_t c_in = in[1];
  return map_outputs(out, [&](const std::vector<int64_t>& c) {
    const int64_t block = c[1] / c_in;  // i * b + j
    const int64_t channel = c[1] % c_in;
    return c[0] * stride[0] + channel * stride[1] + (c[2] * b + block / b) * stride[2] +
           (c[3] * b + block % b) * stride[3];
  });
}

std::vector<int64_t> pad_sources(const Node& node, const Dims& in, const Dims& out) {
  const std::vector<int64_t> stride = strides_of(in);
  const size_t rank = in.size();
  const PadParams& p = node.params_as<PadParams>();
  return map_outputs(out, [&](const std::vector<int64_t>& c) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i) {
      int64_t at = c[i] - p.pads_begin[i];
      if (at < 0 || at >= in[i]) {
        if (p.mode == PadMode::Constant) return int64_t{-1};
        at = p.mode == PadMode::Edge ? std::clamp<int64_t>(at, 0, in[i] - 1) : reflect(at, in[i]);
      }
      src += at * stride[i];
    }
    return src;
  });
}

}  // namespace

std::vector<int64_t> rearrange_sources(const Node& node, const Dims& in, const Dims& out) {
  switch (node.kind) {
    case OpKind::Transpose: return transpose_sources(node, in, out);
    case OpKind::Slice: return slice_sources(node, in, out);
    case OpKind::Expand:
    case OpKind::Tile: return repeat_sources(in, out);
    case OpKind::Gather: return gather_sources(node, in, out);
    case OpKind::DepthToSpace: return depth_to_space_sources(node, in, out);
    case OpKind::SpaceToDepth: return space_to_depth_sources(node, in, out);
    case OpKind::Pad: return pad_sources(node, in, out);
    default: break;
  }
  throw Error("node '" + node.name + "' (" + std::string(op_name(node.kind)) + ") is not a rearrangement");
}

}  // namespace deepvis
