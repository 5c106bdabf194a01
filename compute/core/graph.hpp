#pragma once
// The network as data: named blobs and topologically sorted nodes. The ONNX importer builds it; Net runs it.
#include "compute/core/tensor.hpp"
#include "compute/ops/conv.hpp"
#include "compute/ops/eltwise.hpp"
#include "compute/ops/linear.hpp"
#include "compute/ops/norm.hpp"
#include "compute/ops/op_kind.hpp"
#include "compute/ops/pool.hpp"
#include "compute/ops/rearrange.hpp"
#include "compute/ops/reduce.hpp"
#include "compute/ops/smooth.hpp"
#include "compute/ops/softmax.hpp"
#include "compute/ops/structure.hpp"

#include <string>
#include <variant>
#include <vector>

namespace deepvis {

struct NoParams {};

using OpParams =
    std::variant<NoParams, ConvParams, LeakyReluParams, ClipParams, PoolParams, LrnParams, BatchNormParams, GemmParams,
                 ConcatParams, FlattenParams, ReshapeParams, PadParams, SoftmaxParams, SmoothParams, AxesParams,
                 TransposeParams, SliceParams, ExpandParams, TileParams, GatherParams, BlockParams, ReduceParams>;

struct Node {
  std::string name;  // the ONNX node's name, or "<op>_<index>" when it had none
  OpKind kind = OpKind::Relu;
  OpParams params;
  std::vector<int> inputs;  // blob ids, in ONNX input order (constants included)
  int output = -1;          // blob id

  template <class P>
  const P& params_as() const {
    return std::get<P>(params);
  }
};

struct Blob {
  std::string name;
  Dims dims;  // at the graph's batch size (dim 0 of the input)
  bool constant = false;
  Tensor value;  // constants only (initializers, Constant nodes, folded weights)
};

struct Graph {
  std::string source;  // the file it came from, for messages
  std::vector<Blob> blobs;
  std::vector<Node> nodes;  // topological order
  int input = -1;           // the one non-constant graph input
  std::vector<int> outputs;

  int find_blob(const std::string& name) const;  // -1 when absent
  // Where the blob comes from: the index of the node producing it, -1 for the input and constants.
  int producer(int blob) const;
};

// Output dims of `node` given its input dims. Throws deepvis::Error naming the node on bad dims.
Dims infer_dims(const Node& node, const std::vector<Dims>& input_dims);

// Recomputes every non-constant blob's dims from the input's (after changing the batch size).
void infer_all_dims(Graph& graph);

// A short human description: "Conv 3x3/2 pad 1,1,1,1 group 1" and so on, for `info`.
std::string describe_params(const Node& node);

}  // namespace deepvis
