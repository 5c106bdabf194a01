#include "compute/vis/receptive_field.hpp"

#include "compute/ops/binary.hpp"
#include "compute/ops/reduce.hpp"
#include "compute/ops/smooth.hpp"

#include <algorithm>
#include <sstream>

namespace deepvis::vis {

namespace {

using Kind = ReceptiveField::Kind;

bool spatial_4d(const Dims& d) {
  return d.size() == 4;
}

ReceptiveField global_field() {
  ReceptiveField f;
  f.kind = Kind::Global;
  return f;
}

ReceptiveField unknown_field(const Node& node, const std::string& why) {
  ReceptiveField f;
  f.kind = Kind::Unknown;
  f.note = "node '" + node.name + "' (" + std::string(op_name(node.kind)) + "): " + why;
  return f;
}

// A sliding window: kernel k, stride s, dilation d, leading pad p, along one axis.
AxisField slide(const AxisField& in, int64_t k, int64_t s, int64_t d, int64_t p) {
  return {in.size + d * (k - 1) * in.stride, in.stride * s, in.pad + p * in.stride};
}

ReceptiveField windowed(const ReceptiveField& in, const Dims& kernel, const Dims& strides, const Dims& dilations,
                        const Dims& pads_begin) {
  ReceptiveField out = in;
  auto dil = [&](size_t i) { return dilations.empty() ? int64_t{1} : dilations[i]; };
  out.y = slide(in.y, kernel[0], strides[0], dil(0), pads_begin[0]);
  out.x = slide(in.x, kernel[1], strides[1], dil(1), pads_begin[1]);
  return out;
}

// Branches meeting: the union of unit 0's regions; another stride or centre is "not aligned".
ReceptiveField merge(const Node& node, const std::vector<const ReceptiveField*>& parts) {
  ReceptiveField out = *parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const ReceptiveField& p = *parts[i];
    if (p.kind == Kind::Unknown) return p;
    if (out.kind == Kind::Unknown) return out;
    if (p.kind == Kind::Global || out.kind == Kind::Global) {
      out = global_field();
      continue;
    }
    auto join = [&](AxisField& a, const AxisField& b, const char* axis) {
      // Centres of unit 0, doubled to stay integral: 2 (-P) + (r - 1).
      const int64_t centre_a = -2 * a.pad + a.size - 1, centre_b = -2 * b.pad + b.size - 1;
      if ((a.stride != b.stride || centre_a != centre_b) && out.aligned) {
        std::ostringstream why;
        why << "node '" << node.name << "' (" << op_name(node.kind) << ") joins branches with " << axis << " stride "
            << a.stride << " and " << b.stride << ", centre " << static_cast<double>(centre_a) / 2.0 << " and "
            << static_cast<double>(centre_b) / 2.0;
        out.aligned = false;
        out.note = why.str();
      }
      const int64_t first = std::min(-a.pad, -b.pad);
      const int64_t last = std::max(-a.pad + a.size - 1, -b.pad + b.size - 1);
      a = {last - first + 1, std::max(a.stride, b.stride), -first};
    };
    join(out.y, p.y, "y");
    join(out.x, p.x, "x");
    if (!p.aligned && out.aligned) {
      out.aligned = false;
      out.note = p.note;
    }
  }
  return out;
}

bool pointwise(const Node& node) {
  switch (node.kind) {
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Clip:
    case OpKind::Sigmoid:
    case OpKind::Lrn:  // across channels only
    case OpKind::BatchNorm: return true;
    default: return is_smooth(node.kind);
  }
}

// Whether the reduction or softmax mixes the spatial axes (2 and 3) of a 4-D input.
bool mixes_space(const Node& node) {
  if (node.kind == OpKind::Softmax) {
    const SoftmaxParams& p = node.params_as<SoftmaxParams>();
    return p.axis >= 2 || p.coerce_2d;
  }
  for (int64_t a : node.params_as<ReduceParams>().axes) {
    if (a >= 2) return true;
  }
  return false;
}

ReceptiveField sliced(const Node& node, const ReceptiveField& in, const Dims& in_dims) {
  const std::vector<SliceRange> r = resolve_slice(node.params_as<SliceParams>(), in_dims);
  if (r[2].step < 0 || r[3].step < 0) return unknown_field(node, "a reversed spatial slice");
  ReceptiveField out = in;
  out.y = {in.y.size, in.y.stride * r[2].step, in.y.pad - r[2].start * in.y.stride};
  out.x = {in.x.size, in.x.stride * r[3].step, in.x.pad - r[3].start * in.x.stride};
  return out;
}

ReceptiveField padded(const Node& node, const ReceptiveField& in) {
  const PadParams& p = node.params_as<PadParams>();
  if (p.pads_begin.size() != 4) return unknown_field(node, "a pad that is not N, C, H, W");
  ReceptiveField out = in;
  out.y.pad = in.y.pad + p.pads_begin[2] * in.y.stride;
  out.x.pad = in.x.pad + p.pads_begin[3] * in.x.stride;
  return out;
}

// The field of `node`'s output from its non-constant inputs' fields.
ReceptiveField field_of(const Graph& g, const Node& node, const std::vector<ReceptiveField>& fields) {
  std::vector<const ReceptiveField*> parts;
  int first = -1;
  for (int in : node.inputs) {
    if (g.blobs[static_cast<size_t>(in)].constant) continue;
    if (first < 0) first = in;
    parts.push_back(&fields[static_cast<size_t>(in)]);
  }
  if (parts.empty()) return global_field();
  const ReceptiveField& in = *parts[0];
  const Dims& in_dims = g.blobs[static_cast<size_t>(first)].dims;
  const Dims& out_dims = g.blobs[static_cast<size_t>(node.output)].dims;
  if (in.kind == Kind::Unknown) return in;
  if (in.kind == Kind::Global && parts.size() == 1) return in;
  if (!spatial_4d(in_dims) && parts.size() == 1) return in;  // vectors: no spatial axes to change
  switch (node.kind) {
    case OpKind::Conv: {
      const ConvParams& p = node.params_as<ConvParams>();
      return windowed(in, p.kernel, p.strides, p.dilations, p.pads_begin);
    }
    case OpKind::MaxPool:
    case OpKind::AveragePool: {
      const PoolParams& p = node.params_as<PoolParams>();
      return windowed(in, p.kernel, p.strides, p.dilations, p.pads_begin);
    }
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool:
    case OpKind::Gemm:
    case OpKind::Flatten: return global_field();
    case OpKind::MatMul:  // over the spatial axes (an upsampling lowered to matrices) it moves pixels
      return spatial_4d(out_dims) ? unknown_field(node, "a MatMul that keeps spatial axes") : global_field();
    case OpKind::ReduceMean:
    case OpKind::ReduceMax:
    case OpKind::ReduceSum:
    case OpKind::ReduceL2:
    case OpKind::Softmax: return mixes_space(node) ? global_field() : in;
    case OpKind::Slice: return sliced(node, in, in_dims);
    case OpKind::Pad: return padded(node, in);
    case OpKind::Concat:
      if (node.params_as<ConcatParams>().axis >= 2) return unknown_field(node, "a concat along a spatial axis");
      return merge(node, parts);
    default: break;
  }
  if (is_binary(node.kind)) return merge(node, parts);
  if (pointwise(node) && out_dims == in_dims) return in;
  if (!spatial_4d(out_dims) || (out_dims[2] == 1 && out_dims[3] == 1)) return global_field();  // a flattening
  return unknown_field(node, "it rearranges the spatial axes");
}

}  // namespace

const char* receptive_kind_name(ReceptiveField::Kind kind) {
  switch (kind) {
    case Kind::Spatial: return "spatial";
    case Kind::Global: return "global";
    case Kind::Unknown: return "unknown";
  }
  return "?";
}

std::vector<ReceptiveField> receptive_fields(const Graph& graph) {
  std::vector<ReceptiveField> fields(graph.blobs.size(), global_field());
  if (graph.input >= 0) fields[static_cast<size_t>(graph.input)] = ReceptiveField{};
  for (const Node& node : graph.nodes) fields[static_cast<size_t>(node.output)] = field_of(graph, node, fields);
  return fields;
}

std::optional<ImageCrop> unit_crop(const ReceptiveField& f, int64_t unit_y, int64_t unit_x, int64_t height,
                                   int64_t width) {
  if (f.kind != Kind::Spatial) return std::nullopt;
  const PixelRange rows = f.rows(unit_y), cols = f.cols(unit_x);
  const int64_t y0 = std::max<int64_t>(0, rows.first), y1 = std::min(height - 1, rows.last);
  const int64_t x0 = std::max<int64_t>(0, cols.first), x1 = std::min(width - 1, cols.last);
  if (y1 < y0 || x1 < x0) return std::nullopt;
  return ImageCrop{y0, x0, y1 - y0 + 1, x1 - x0 + 1};
}

std::string describe(const ReceptiveField& f) {
  if (f.kind == Kind::Global) return "global";
  if (f.kind == Kind::Unknown) return "unknown (" + f.note + ")";
  std::ostringstream out;
  auto pair = [&](int64_t a, int64_t b) {
    if (a == b) {
      out << a;
    } else {
      out << a << "x" << b;
    }
  };
  out << "r ";
  pair(f.y.size, f.x.size);
  out << ", stride ";
  pair(f.y.stride, f.x.stride);
  out << ", pad ";
  pair(f.y.pad, f.x.pad);
  if (!f.aligned) out << ", not aligned (" << f.note << ")";
  return out.str();
}

}  // namespace deepvis::vis
