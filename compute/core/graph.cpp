#include "compute/core/graph.hpp"

#include "compute/core/error.hpp"
#include "compute/ops/binary.hpp"

#include <sstream>

namespace deepvis {

int Graph::find_blob(const std::string& name) const {
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (blobs[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Graph::producer(int blob) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].output == blob) return static_cast<int>(i);
  }
  return -1;
}

namespace {

void require_inputs(const Node& node, const std::vector<Dims>& in, size_t lo, size_t hi) {
  if (in.size() < lo || in.size() > hi) {
    throw Error(std::string(op_name(node.kind)) + " node '" + node.name + "' has " + std::to_string(in.size()) +
                " inputs, expected " + std::to_string(lo) + (hi != lo ? " to " + std::to_string(hi) : ""));
  }
}

void require_rank(const Node& node, const Dims& d, int rank, const char* what) {
  if (static_cast<int>(d.size()) != rank) {
    throw Error(std::string(op_name(node.kind)) + " node '" + node.name + "': " + what + " must be " +
                std::to_string(rank) + "-D, got " + to_string(d));
  }
}

// The op's own rule, each error naming the node.
Dims op_output_dims(const Node& node, const std::vector<Dims>& in) {
  try {
    switch (node.kind) {
      case OpKind::Conv:
        require_inputs(node, in, 2, 3);
        require_rank(node, in[0], 4, "input");
        return conv_output_dims(node.params_as<ConvParams>(), in[0], in[1]);
      case OpKind::Relu:
      case OpKind::LeakyRelu:
      case OpKind::Sigmoid:
      case OpKind::Clip:
      case OpKind::Lrn:
      DEEPVIS_SMOOTH_OP_CASES:
        require_inputs(node, in, 1, 1);
        return in[0];
      case OpKind::BatchNorm: require_inputs(node, in, 5, 5); return in[0];
      case OpKind::Softmax: require_inputs(node, in, 1, 1); return in[0];
      case OpKind::MaxPool:
      case OpKind::AveragePool:
        require_inputs(node, in, 1, 1);
        require_rank(node, in[0], 4, "input");
        return pool_output_dims(node.params_as<PoolParams>(), in[0]);
      case OpKind::GlobalAveragePool:
      case OpKind::GlobalMaxPool:
        require_inputs(node, in, 1, 1);
        require_rank(node, in[0], 4, "input");
        return {in[0][0], in[0][1], 1, 1};
      case OpKind::Gemm:
        require_inputs(node, in, 2, 3);
        return gemm_output_dims(node.params_as<GemmParams>(), in[0], in[1]);
      case OpKind::MatMul:
        require_inputs(node, in, 2, 2);
        require_rank(node, in[0], 2, "A");
        require_rank(node, in[1], 2, "B");
        return gemm_output_dims(GemmParams{}, in[0], in[1]);
      DEEPVIS_BINARY_OP_CASES:
        require_inputs(node, in, 2, 2);
        if (node.kind == OpKind::PRelu && broadcast_dims(in[0], in[1]) != in[0]) {
          throw Error("the slope " + to_string(in[1]) + " does not broadcast to X " + to_string(in[0]));
        }
        return broadcast_dims(in[0], in[1]);
      case OpKind::Squeeze:
        require_inputs(node, in, 1, 1);
        return squeeze_output_dims(node.params_as<AxesParams>(), in[0]);
      case OpKind::Unsqueeze:
        require_inputs(node, in, 1, 1);
        return unsqueeze_output_dims(node.params_as<AxesParams>(), in[0]);
      case OpKind::Transpose:
        require_inputs(node, in, 1, 1);
        return transpose_output_dims(node.params_as<TransposeParams>(), in[0]);
      case OpKind::Slice:
        require_inputs(node, in, 1, 1);
        return slice_output_dims(node.params_as<SliceParams>(), in[0]);
      case OpKind::Expand:
        require_inputs(node, in, 1, 1);
        return broadcast_dims(in[0], node.params_as<ExpandParams>().shape);
      case OpKind::Tile: require_inputs(node, in, 1, 1); return tile_output_dims(node.params_as<TileParams>(), in[0]);
      case OpKind::Gather:
        require_inputs(node, in, 1, 1);
        return gather_output_dims(node.params_as<GatherParams>(), in[0]);
      case OpKind::DepthToSpace:
        require_inputs(node, in, 1, 1);
        return depth_to_space_output_dims(node.params_as<BlockParams>(), in[0]);
      case OpKind::SpaceToDepth:
        require_inputs(node, in, 1, 1);
        return space_to_depth_output_dims(node.params_as<BlockParams>(), in[0]);
      DEEPVIS_REDUCE_OP_CASES:
        require_inputs(node, in, 1, 1);
        return reduce_output_dims(node.params_as<ReduceParams>(), in[0]);
      case OpKind::Concat:
        require_inputs(node, in, 1, 1 << 20);
        return concat_output_dims(node.params_as<ConcatParams>(), in);
      case OpKind::Flatten:
        require_inputs(node, in, 1, 1);
        return flatten_output_dims(node.params_as<FlattenParams>(), in[0]);
      case OpKind::Reshape:
        require_inputs(node, in, 1, 2);  // the shape input, when kept, is a constant already folded into params
        return reshape_output_dims(node.params_as<ReshapeParams>(), in[0]);
      case OpKind::Pad: require_inputs(node, in, 1, 3); return pad_output_dims(node.params_as<PadParams>(), in[0]);
      case OpKind::Count_: break;
    }
  } catch (const std::bad_variant_access&) {
    throw Error(std::string(op_name(node.kind)) + " node '" + node.name + "' has parameters of the wrong kind");
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.find("'" + node.name + "'") != std::string::npos) throw;
    throw Error(std::string(op_name(node.kind)) + " node '" + node.name + "': " + what);
  }
  throw Error("unknown op kind in node '" + node.name + "'");
}

}  // namespace

Dims infer_dims(const Node& node, const std::vector<Dims>& in) {
  Dims out = op_output_dims(node, in);
  try {
    check_dims(out);  // whatever the rule computed from the file's numbers, it must describe a tensor
  } catch (const Error& e) {
    throw Error(std::string(op_name(node.kind)) + " node '" + node.name + "': " + e.what());
  }
  return out;
}

void infer_all_dims(Graph& graph) {
  for (Node& node : graph.nodes) {
    std::vector<Dims> in;
    in.reserve(node.inputs.size());
    for (int b : node.inputs) in.push_back(graph.blobs[static_cast<size_t>(b)].dims);
    graph.blobs[static_cast<size_t>(node.output)].dims = infer_dims(node, in);
  }
}

namespace {

std::string join(const Dims& d, const char* sep) {
  std::string s;
  for (size_t i = 0; i < d.size(); ++i) s += (i ? sep : "") + std::to_string(d[i]);
  return s;
}

}  // namespace

std::string describe_params(const Node& node) {
  std::ostringstream os;
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, ConvParams>) {
          os << "kernel " << join(p.kernel, "x") << " stride " << join(p.strides, ",") << " pad "
             << join(p.pads_begin, ",") << "," << join(p.pads_end, ",") << " dilation " << join(p.dilations, ",")
             << " group " << p.group;
        } else if constexpr (std::is_same_v<P, PoolParams>) {
          os << "kernel " << join(p.kernel, "x") << " stride " << join(p.strides, ",") << " pad "
             << join(p.pads_begin, ",") << "," << join(p.pads_end, ",");
          if (p.ceil_mode) os << " ceil";
          if (p.count_include_pad) os << " count_include_pad";
        } else if constexpr (std::is_same_v<P, LeakyReluParams>) {
          os << "alpha " << p.alpha;
        } else if constexpr (std::is_same_v<P, ClipParams>) {
          os << "min " << p.min << " max " << p.max;
        } else if constexpr (std::is_same_v<P, SmoothParams>) {
          const char* sep = "";
          if (p.alpha != 0.0f) os << "alpha " << p.alpha, sep = " ";
          if (p.beta != 0.0f) os << sep << "beta " << p.beta, sep = " ";
          if (p.gamma != 0.0f) os << sep << "gamma " << p.gamma;
        } else if constexpr (std::is_same_v<P, LrnParams>) {
          os << "size " << p.size << " alpha " << p.alpha << " beta " << p.beta << " bias " << p.bias;
        } else if constexpr (std::is_same_v<P, BatchNormParams>) {
          os << "epsilon " << p.epsilon;
        } else if constexpr (std::is_same_v<P, GemmParams>) {
          os << "alpha " << p.alpha << " beta " << p.beta << (p.trans_a ? " transA" : "")
             << (p.trans_b ? " transB" : "");
        } else if constexpr (std::is_same_v<P, ConcatParams>) {
          os << "axis " << p.axis;
        } else if constexpr (std::is_same_v<P, FlattenParams>) {
          os << "axis " << p.axis;
        } else if constexpr (std::is_same_v<P, ReshapeParams>) {
          os << "shape " << join(p.shape, ",");
        } else if constexpr (std::is_same_v<P, PadParams>) {
          os << "pads " << join(p.pads_begin, ",") << "," << join(p.pads_end, ",");
          if (p.mode == PadMode::Constant) os << " value " << p.value;
          if (p.mode == PadMode::Reflect) os << " reflect";
          if (p.mode == PadMode::Edge) os << " edge";
        } else if constexpr (std::is_same_v<P, AxesParams>) {
          os << "axes " << join(p.axes, ",");
        } else if constexpr (std::is_same_v<P, TransposeParams>) {
          os << "perm " << join(p.perm, ",");
        } else if constexpr (std::is_same_v<P, SliceParams>) {
          os << "axes " << join(p.axes, ",") << " starts " << join(p.starts, ",") << " ends " << join(p.ends, ",")
             << " steps " << join(p.steps, ",");
        } else if constexpr (std::is_same_v<P, ExpandParams>) {
          os << "shape " << join(p.shape, ",");
        } else if constexpr (std::is_same_v<P, TileParams>) {
          os << "repeats " << join(p.repeats, ",");
        } else if constexpr (std::is_same_v<P, GatherParams>) {
          os << "axis " << p.axis << " " << p.indices.size() << " indices";
        } else if constexpr (std::is_same_v<P, BlockParams>) {
          os << "blocksize " << p.blocksize << (p.crd ? " CRD" : "");
        } else if constexpr (std::is_same_v<P, ReduceParams>) {
          os << "axes " << join(p.axes, ",") << (p.keepdims ? " keepdims" : "");
        } else if constexpr (std::is_same_v<P, SoftmaxParams>) {
          os << "axis " << p.axis << (p.coerce_2d ? " (2-D)" : "");
        }
      },
      node.params);
  return os.str();
}

}  // namespace deepvis
