#include "compute/onnx/shape_inference.hpp"

#include "compute/onnx/load_model.hpp"
#include "compute/onnx/tensor_proto.hpp"

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>
#include <onnx/shape_inference/implementation.h>

#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace deepvis::onnx_internal {

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
// Far beyond any image's side, and a few milliseconds of libonnx's loop below.
constexpr int64_t kMaxStrideSteps = int64_t{1} << 24;

using Check = std::function<void(onnx::InferenceContext&)>;

const onnx::TensorShapeProto* input_shape(onnx::InferenceContext& ctx, size_t slot) {
  const onnx::TypeProto* type = slot < ctx.getNumInputs() ? ctx.getInputType(slot) : nullptr;
  return type && type->has_tensor_type() && type->tensor_type().has_shape() ? &type->tensor_type().shape() : nullptr;
}

Check short_shape_input(size_t slot) {
  return [slot](onnx::InferenceContext& ctx) {
    const onnx::TensorShapeProto* shape = input_shape(ctx, slot);
    if (shape && shape->dim_size() == 1 && shape->dim(0).dim_value() > kMaxShapeRank) {
      fail_shape_inference("the shape input has ", shape->dim(0).dim_value(), " elements; at most ", kMaxShapeRank,
                           " dims are supported");
    }
  };
}

// Each value of the named int or ints attributes in [1, max].
Check attributes_in_range(std::vector<std::string> names, int64_t max) {
  return [names = std::move(names), max](onnx::InferenceContext& ctx) {
    for (const std::string& name : names) {
      const onnx::AttributeProto* a = ctx.getAttribute(name);
      if (!a) continue;
      std::vector<int64_t> values(a->ints().begin(), a->ints().end());
      if (a->has_i()) values.push_back(a->i());
      for (int64_t v : values) {
        if (v < 1) fail_shape_inference("attribute '", name, "' must be positive, got ", v);
        if (v > max) fail_shape_inference("attribute '", name, "' is ", v, ", over ", max);
      }
    }
  };
}

// Beyond its attributes' signs, Conv and pooling inference assumes weights of the input's rank (it reads the
// input's dims by the kernel's), and, with auto_pad and no pads, walks each spatial dim down to its remainder by
// the stride one subtraction at a time.
void check_window_dims(onnx::InferenceContext& ctx) {
  const onnx::TensorShapeProto* x = input_shape(ctx, 0);
  const onnx::TensorShapeProto* w = input_shape(ctx, 1);
  if (x && w && x->dim_size() != w->dim_size()) {
    fail_shape_inference("the weights have rank ", w->dim_size(), ", the input ", x->dim_size());
  }
  const onnx::AttributeProto* auto_pad = ctx.getAttribute("auto_pad");
  const onnx::AttributeProto* strides = ctx.getAttribute("strides");
  if (!x || !strides || !auto_pad || auto_pad->s() == "VALID" || ctx.getAttribute("pads")) return;
  for (int i = 0; i < strides->ints_size() && i + 2 < x->dim_size(); ++i) {
    const int64_t dim = x->dim(i + 2).dim_value();
    if (dim / strides->ints(i) > kMaxStrideSteps) {
      fail_shape_inference("auto_pad over a dim of ", dim, " with stride ", strides->ints(i), " is not supported");
    }
  }
}

// Gemm-6's inference reads the dims of A and B without checking that they are matrices (later versions check).
void check_matrices(onnx::InferenceContext& ctx) {
  for (size_t slot = 0; slot < 2; ++slot) {
    const onnx::TensorShapeProto* shape = input_shape(ctx, slot);
    if (shape && shape->dim_size() != 2) fail_shape_inference("input ", slot, " is not a matrix");
  }
}

// LayerNormalization's inference reads the input's dims from `axis` on without checking its range. Without the
// attribute the axis is -1, which a scalar input has no room for either.
void check_axis(onnx::InferenceContext& ctx) {
  const onnx::TensorShapeProto* x = input_shape(ctx, 0);
  const onnx::AttributeProto* attribute = ctx.getAttribute("axis");
  const int64_t axis = attribute ? attribute->i() : -1;
  if (x && (axis < -x->dim_size() || axis >= x->dim_size())) {
    fail_shape_inference("attribute 'axis' is ", axis, ", outside the input's ", x->dim_size(), " dims");
  }
}

// libonnx's schemas, except for checked copies of the guarded ops' versions up to kMaxOpset. Built once and never
// changed, so concurrent imports can share it.
class CheckedRegistry final : public onnx::ISchemaRegistry {
 public:
  CheckedRegistry() {
    const Check window_attributes = attributes_in_range({"strides", "dilations", "kernel_shape"}, kInt64Max);
    const Check window = [window_attributes](onnx::InferenceContext& ctx) {
      window_attributes(ctx);  // first: the dims check divides by the strides
      check_window_dims(ctx);
    };
    // blocksize * blocksize divides the channels: it must not wrap around to 0.
    const Check block = attributes_in_range({"blocksize"}, int64_t{1} << 31);
    const std::pair<const char*, Check> checks[] = {{"Expand", short_shape_input(1)},
                                                    {"Reshape", short_shape_input(1)},
                                                    {"ConstantOfShape", short_shape_input(0)},
                                                    {"Conv", window},
                                                    {"ConvTranspose", window},
                                                    {"MaxPool", window},
                                                    {"AveragePool", window},
                                                    {"LpPool", window},
                                                    {"DepthToSpace", block},
                                                    {"SpaceToDepth", block},
                                                    {"LayerNormalization", check_axis},
                                                    {"Gemm", check_matrices}};
    for (const auto& entry : checks) {
      const Check& check = entry.second;  // a named variable, which C++17 lambdas can capture
      for (int version = 1; version <= kMaxOpset; ++version) {
        const onnx::OpSchema* original = onnx::OpSchemaRegistry::Schema(entry.first, version);
        if (!original || copies_.count(original)) continue;
        onnx::OpSchema copy = *original;
        copy.TypeAndShapeInferenceFunction(
            [check, infer = original->GetTypeAndShapeInferenceFunction()](onnx::InferenceContext& ctx) {
              check(ctx);
              infer(ctx);
            });
        copies_.emplace(original, std::move(copy));
      }
    }
  }

  const onnx::OpSchema* GetSchema(const std::string& key, const int max_inclusive_version,
                                  const std::string& domain) const override {
    const onnx::OpSchema* original = onnx::OpSchemaRegistry::Schema(key, max_inclusive_version, domain);
    auto it = copies_.find(original);
    return it == copies_.end() ? original : &it->second;
  }

 private:
  std::map<const onnx::OpSchema*, onnx::OpSchema> copies_;
};

void check_constants_in(const onnx::GraphProto& g, const std::string& source) {
  for (const onnx::TensorProto& t : g.initializer()) check_raw_data_size(t, source + ": tensor '" + t.name() + "'");
  for (const onnx::NodeProto& node : g.node()) {
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (a.has_t()) check_raw_data_size(a.t(), source + ": node '" + node.name() + "' (op " + node.op_type() + ")");
      if (a.has_g()) check_constants_in(a.g(), source);
      for (const onnx::GraphProto& sub : a.graphs()) check_constants_in(sub, source);
    }
  }
}

}  // namespace

void check_constants(const onnx::ModelProto& model, const std::string& source) {
  check_constants_in(model.graph(), source);
}

void infer_shapes(onnx::ModelProto& model) {
  static const CheckedRegistry registry;
  onnx::shape_inference::InferShapes(model, &registry);
}

}  // namespace deepvis::onnx_internal
