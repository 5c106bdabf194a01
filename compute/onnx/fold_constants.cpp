#include "compute/onnx/fold_constants.hpp"

#include "compute/core/error.hpp"
#include "compute/onnx/attributes.hpp"
#include "compute/onnx/tensor_proto.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace deepvis::onnx_internal {

using onnx::TensorProto;

namespace {

using Value = FoldedValue;
using Outputs = std::optional<std::vector<Value>>;

bool float_type(int32_t t) {
  return t == TensorProto::FLOAT || t == TensorProto::DOUBLE || t == TensorProto::FLOAT16 || t == TensorProto::BFLOAT16;
}
bool int_type(int32_t t) {
  return t == TensorProto::INT64 || t == TensorProto::INT32 || t == TensorProto::INT16 || t == TensorProto::INT8 ||
         t == TensorProto::UINT8 || t == TensorProto::UINT16 || t == TensorProto::UINT32 || t == TensorProto::UINT64 ||
         t == TensorProto::BOOL;
}

int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Folded values stay shape-sized: an output over this many elements (or with dims that are negative or whose
// product overflows, which a corrupt file can ask for) is left to fail where it runs, not built here.
constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;

bool small_dims(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n) || n > kMaxFoldedElements) return false;
  }
  return true;
}

std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

// An empty value of `like`'s kind (int or float, same element type) with the given dims.
Value shaped_like(const Value& like, std::vector<int64_t> dims) {
  Value v;
  v.elem_type = like.elem_type;
  v.dims = std::move(dims);
  return v;
}

// Copies element `from` of `src` to the end of `dst` (values and batch marks).
void push_element(Value& dst, const Value& src, int64_t from) {
  const auto i = static_cast<size_t>(from);
  if (src.is_float()) {
    dst.floats.push_back(src.floats[i]);
    return;
  }
  dst.ints.push_back(src.ints[i]);
  if (src.has_batch()) {
    dst.batch.resize(dst.ints.size() - 1, false);
    dst.batch.push_back(src.batch[i]);
  } else if (!dst.batch.empty()) {
    dst.batch.push_back(false);
  }
}

// A gather of elements: out element k is src element index[k] (the shape is the caller's).
Value gather_elements(const Value& src, std::vector<int64_t> dims, const std::vector<int64_t>& index) {
  Value out = shaped_like(src, std::move(dims));
  for (int64_t from : index) push_element(out, src, from);
  if (!out.batch.empty()) out.batch.resize(out.ints.size(), false);
  return out;
}

int64_t normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) throw Error("axis " + std::to_string(axis) + " out of range");
  return axis < 0 ? axis + rank : axis;
}

// The flat source index of every element of `out`, whose dim d moves the source by `steps[d]`.
std::vector<int64_t> strided_index(const std::vector<int64_t>& out, const std::vector<int64_t>& steps) {
  const std::vector<int64_t> out_strides = strides_of(out);
  std::vector<int64_t> index(static_cast<size_t>(product(out)));
  for (size_t k = 0; k < index.size(); ++k) {
    int64_t rest = static_cast<int64_t>(k);
    int64_t from = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      from += (rest / out_strides[d]) * steps[d];
      rest %= out_strides[d];
    }
    index[k] = from;
  }
  return index;
}

// Flat source indices of `dims` broadcast to `out` (NumPy rules; the caller checked compatibility).
std::vector<int64_t> broadcast_index(const std::vector<int64_t>& dims, const std::vector<int64_t>& out) {
  std::vector<int64_t> padded(out.size() - dims.size(), 1);
  padded.insert(padded.end(), dims.begin(), dims.end());
  std::vector<int64_t> steps = strides_of(padded);
  for (size_t d = 0; d < out.size(); ++d) {
    if (padded[d] == 1) steps[d] = 0;
  }
  return strided_index(out, steps);
}

std::optional<std::vector<int64_t>> broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1) return std::nullopt;
    out[i] = x == 1 ? y : x;
  }
  return out;
}

double as_double(const Value& v, size_t i) {
  return v.is_float() ? v.floats[i] : static_cast<double>(v.ints[i]);
}

// One element of a binary op, in double arithmetic.
double arithmetic(const std::string& op, double x, double y) {
  if (op == "Add") return x + y;
  if (op == "Sub") return x - y;
  if (op == "Mul") return x * y;
  if (op == "Div") return x / y;
  if (op == "Min") return std::min(x, y);
  if (op == "Max") return std::max(x, y);
  return std::pow(x, y);  // Pow
}

// A double as int64 when it is an integer in range; converting any other is UB.
std::optional<int64_t> exact_int(double v) {
  if (!(std::fabs(v) < 9.2e18) || std::trunc(v) != v) return std::nullopt;
  return static_cast<int64_t>(v);
}

// The same in int64 arithmetic: Div truncates toward zero, as ONNX's integer Div does. Nullopt where the result
// does not fit (or for a zero divisor): the op then runs, and fails, where it would have.
std::optional<int64_t> arithmetic(const std::string& op, int64_t x, int64_t y) {
  int64_t r = 0;
  if (op == "Add") return __builtin_add_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
  if (op == "Sub") return __builtin_sub_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
  if (op == "Mul") return __builtin_mul_overflow(x, y, &r) ? std::nullopt : std::optional<int64_t>(r);
  if (op == "Div") {
    if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1)) return std::nullopt;
    return x / y;
  }
  if (op == "Min") return std::min(x, y);
  if (op == "Max") return std::max(x, y);
  return exact_int(std::pow(static_cast<double>(x), static_cast<double>(y)));  // Pow
}

// Elementwise on two broadcast operands. Integer results for integer operands (Div truncates, as ONNX's integer
// Div does), bool results for comparisons. Never on the symbolic batch: its value is unknown.
Outputs binary(const std::string& op, const Value& a, const Value& b) {
  if (a.has_batch() || b.has_batch()) return std::nullopt;
  const auto dims = broadcast_dims(a.dims, b.dims);
  if (!dims || !small_dims(*dims)) return std::nullopt;
  const bool compare = op == "Equal" || op == "Less" || op == "Greater";
  const bool floats = a.is_float() || b.is_float();
  Value out = shaped_like(floats ? (a.is_float() ? a : b) : a, *dims);
  if (compare) out.elem_type = TensorProto::BOOL;
  const std::vector<int64_t> ia = broadcast_index(a.dims, *dims);
  const std::vector<int64_t> ib = broadcast_index(b.dims, *dims);
  for (size_t k = 0; k < ia.size(); ++k) {
    const auto i = static_cast<size_t>(ia[k]);
    const auto j = static_cast<size_t>(ib[k]);
    if (compare) {
      const double x = as_double(a, i);
      const double y = as_double(b, j);
      out.ints.push_back(op == "Equal" ? x == y : op == "Less" ? x < y : x > y);
    } else if (floats) {
      out.floats.push_back(arithmetic(op, as_double(a, i), as_double(b, j)));
    } else {
      const std::optional<int64_t> r = arithmetic(op, a.ints[i], b.ints[j]);
      if (!r) return std::nullopt;
      out.ints.push_back(*r);
    }
  }
  return std::vector<Value>{out};
}

Outputs unary(const std::string& op, const Value& x) {
  if (x.has_batch()) return std::nullopt;
  Value out = shaped_like(x, x.dims);
  if (x.is_float()) {
    for (double v : x.floats) {
      double r = v;
      if (op == "Neg") r = -v;
      if (op == "Abs") r = std::fabs(v);
      if (op == "Floor") r = std::floor(v);
      if (op == "Ceil") r = std::ceil(v);
      if (op == "Sqrt") r = std::sqrt(v);
      if (op == "Not") return std::nullopt;
      out.floats.push_back(r);
    }
  } else {
    for (int64_t v : x.ints) {
      int64_t r = v;
      if ((op == "Neg" || op == "Abs") && v == std::numeric_limits<int64_t>::min()) return std::nullopt;
      if (op == "Neg") r = -v;
      if (op == "Abs") r = v < 0 ? -v : v;
      if (op == "Not") r = v == 0;
      if (op == "Sqrt") {
        if (v < 0) return std::nullopt;
        r = static_cast<int64_t>(std::sqrt(static_cast<double>(v)));
      }
      out.ints.push_back(r);
    }
  }
  return std::vector<Value>{out};
}

// Nullopt for a float that no integer type holds (NaN, infinities, beyond int64), whose conversion is undefined.
std::optional<Value> cast(const Value& x, int32_t to) {
  Value out;
  out.elem_type = to;
  out.dims = x.dims;
  if (float_type(to)) {
    for (int64_t i = 0; i < x.numel(); ++i) out.floats.push_back(as_double(x, static_cast<size_t>(i)));
  } else {
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double v = as_double(x, static_cast<size_t>(i));
      if (to == TensorProto::BOOL || !x.is_float()) {
        out.ints.push_back(to == TensorProto::BOOL ? (v != 0.0) : x.ints[static_cast<size_t>(i)]);
      } else {
        const std::optional<int64_t> n = exact_int(std::trunc(v));
        if (!n) return std::nullopt;
        out.ints.push_back(*n);
      }
    }
    if (!x.is_float() && to != TensorProto::BOOL) out.batch = x.batch;
  }
  return out;
}

// An int64 list from an input or, for older opsets, an attribute.
std::optional<std::vector<int64_t>> ints_of(const Value* v) {
  if (!v || v->is_float() || v->has_batch()) return std::nullopt;
  return v->ints;
}

Outputs gather(const Value& data, const Value& indices, int64_t axis_attr) {
  if (indices.is_float() || indices.has_batch() || data.dims.empty()) return std::nullopt;
  const auto rank = static_cast<int64_t>(data.dims.size());
  const int64_t axis = normalize_axis(axis_attr, rank);
  const int64_t n = data.dims[static_cast<size_t>(axis)];
  std::vector<int64_t> dims(data.dims.begin(), data.dims.begin() + axis);
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  if (!small_dims(dims)) return std::nullopt;
  const int64_t outer = product(std::vector<int64_t>(data.dims.begin(), data.dims.begin() + axis));
  const int64_t inner = product(std::vector<int64_t>(data.dims.begin() + axis + 1, data.dims.end()));
  std::vector<int64_t> index;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t raw : indices.ints) {
      const int64_t at = raw < 0 ? raw + n : raw;
      if (at < 0 || at >= n) return std::nullopt;
      for (int64_t i = 0; i < inner; ++i) index.push_back((o * n + at) * inner + i);
    }
  }
  return std::vector<Value>{gather_elements(data, dims, index)};
}

Outputs concat(const std::vector<const Value*>& inputs, int64_t axis_attr) {
  if (inputs.empty()) return std::nullopt;
  const Value& first = *inputs.front();
  const auto rank = static_cast<int64_t>(first.dims.size());
  if (rank == 0) return std::nullopt;
  const int64_t axis = normalize_axis(axis_attr, rank);
  std::vector<int64_t> dims = first.dims;
  dims[static_cast<size_t>(axis)] = 0;
  for (const Value* v : inputs) {
    if (v->dims.size() != first.dims.size() || v->is_float() != first.is_float()) return std::nullopt;
    dims[static_cast<size_t>(axis)] += v->dims[static_cast<size_t>(axis)];
  }
  Value out = shaped_like(first, dims);
  const int64_t outer = product(std::vector<int64_t>(first.dims.begin(), first.dims.begin() + axis));
  for (int64_t o = 0; o < outer; ++o) {
    for (const Value* v : inputs) {
      const int64_t chunk = product(std::vector<int64_t>(v->dims.begin() + axis, v->dims.end()));
      for (int64_t i = 0; i < chunk; ++i) push_element(out, *v, o * chunk + i);
    }
  }
  if (!out.batch.empty()) out.batch.resize(out.ints.size(), false);
  return std::vector<Value>{out};
}

Outputs slice(const Value& data, std::vector<int64_t> starts, std::vector<int64_t> ends, std::vector<int64_t> axes,
              std::vector<int64_t> steps) {
  const size_t rank = data.dims.size();
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    return std::nullopt;
  }
  std::vector<int64_t> begin(rank, 0);
  std::vector<int64_t> step(rank, 1);
  std::vector<int64_t> count = data.dims;
  for (size_t k = 0; k < starts.size(); ++k) {
    const auto axis = static_cast<size_t>(normalize_axis(axes[k], static_cast<int64_t>(rank)));
    const int64_t n = data.dims[axis];
    const int64_t s = steps[k];
    if (s == 0) return std::nullopt;
    // ONNX's clamping: [0, n] for a positive step; starts in [0, n-1] and ends in [-1, n-1] for a negative one.
    auto wrap = [&](int64_t v) { return v < 0 ? v + n : v; };
    const int64_t b =
        s > 0 ? std::clamp<int64_t>(wrap(starts[k]), 0, n) : std::clamp<int64_t>(wrap(starts[k]), 0, n - 1);
    const int64_t e = s > 0 ? std::clamp<int64_t>(wrap(ends[k]), 0, n) : std::clamp<int64_t>(wrap(ends[k]), -1, n - 1);
    begin[axis] = b;
    step[axis] = s;
    // In unsigned arithmetic: |s| may be anything up to 2^63, b and e lie within [-1, n].
    const uint64_t stride = s > 0 ? static_cast<uint64_t>(s) : 0 - static_cast<uint64_t>(s);
    const int64_t span = s > 0 ? e - b : b - e;
    count[axis] = span > 0 ? static_cast<int64_t>((static_cast<uint64_t>(span) - 1) / stride + 1) : 0;
  }
  const std::vector<int64_t> src_strides = strides_of(data.dims);
  const std::vector<int64_t> out_strides = strides_of(count);
  std::vector<int64_t> index;
  for (int64_t k = 0; k < product(count); ++k) {
    int64_t rest = k;
    int64_t from = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t coord = rest / out_strides[d];
      rest %= out_strides[d];
      from += (begin[d] + coord * step[d]) * src_strides[d];
    }
    index.push_back(from);
  }
  return std::vector<Value>{gather_elements(data, count, index)};
}

// Reshape's target: 0 copies the input dim (unless allowzero), -1 takes what is left.
std::optional<std::vector<int64_t>> reshape_dims(const std::vector<int64_t>& in, std::vector<int64_t> shape,
                                                 bool allowzero) {
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowzero) {
      if (i >= in.size()) return std::nullopt;
      shape[i] = in[i];
    }
    if (shape[i] == -1) {
      if (infer >= 0) return std::nullopt;
      infer = static_cast<int>(i);
    } else if (shape[i] < 0 || __builtin_mul_overflow(known, shape[i], &known)) {
      return std::nullopt;
    }
  }
  if (infer >= 0) {
    if (known == 0 || product(in) % known != 0) return std::nullopt;
    shape[static_cast<size_t>(infer)] = product(in) / known;
  }
  if (product(shape) != product(in)) return std::nullopt;
  return shape;
}

Outputs constant_node(const NodeAttributes& attrs, const std::string& where) {
  if (const TensorProto* t = attrs.get_tensor("value")) {
    auto v = folded_from_proto(*t, where);
    if (!v) return std::nullopt;
    return std::vector<Value>{*v};
  }
  Value v;
  if (attrs.has("value_float") || attrs.has("value_floats")) {
    v.elem_type = TensorProto::FLOAT;
    if (attrs.has("value_float")) {
      v.floats = {attrs.get_float("value_float", 0.0f)};
    } else {
      for (float f : attrs.get_floats("value_floats", {})) v.floats.push_back(f);
      v.dims = {static_cast<int64_t>(v.floats.size())};
    }
    return std::vector<Value>{v};
  }
  if (attrs.has("value_int")) {
    v.ints = {attrs.get_int("value_int", 0)};
    return std::vector<Value>{v};
  }
  if (attrs.has("value_ints")) {
    v.ints = attrs.get_ints("value_ints", {});
    v.dims = {static_cast<int64_t>(v.ints.size())};
    return std::vector<Value>{v};
  }
  return std::nullopt;
}

Outputs fold_known(const onnx::NodeProto& node, int64_t opset, const std::vector<const Value*>& in,
                   const NodeAttributes& attrs) {
  const std::string& op = node.op_type();
  auto need = [&](size_t i) -> const Value* { return i < in.size() ? in[i] : nullptr; };
  if (op == "Identity") return need(0) ? Outputs(std::vector<Value>{*need(0)}) : std::nullopt;
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal" || op == "Less" || op == "Greater" ||
      op == "Pow" || ((op == "Min" || op == "Max") && in.size() == 2)) {
    if (!need(0) || !need(1)) return std::nullopt;
    return binary(op, *need(0), *need(1));
  }
  if (op == "Neg" || op == "Abs" || op == "Not" || op == "Floor" || op == "Ceil" || op == "Sqrt") {
    return need(0) ? unary(op, *need(0)) : std::nullopt;
  }
  if (op == "Cast") {
    if (!need(0)) return std::nullopt;
    const auto to = static_cast<int32_t>(attrs.get_int("to", 0));
    if (!float_type(to) && !int_type(to)) return std::nullopt;
    std::optional<Value> out = cast(*need(0), to);
    if (!out) return std::nullopt;
    return std::vector<Value>{*out};
  }
  if (op == "Gather") {
    if (!need(0) || !need(1)) return std::nullopt;
    return gather(*need(0), *need(1), attrs.get_int("axis", 0));
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    const Value* x = need(0);
    if (!x) return std::nullopt;
    std::optional<std::vector<int64_t>> axes =
        opset < 13 ? std::optional<std::vector<int64_t>>(attrs.get_ints("axes", {})) : std::vector<int64_t>{};
    if (opset >= 13 && in.size() > 1) axes = ints_of(need(1));
    if (!axes || (in.size() > 1 && opset >= 13 && !need(1))) return std::nullopt;
    std::vector<int64_t> dims;
    if (op == "Unsqueeze") {
      const auto rank = static_cast<int64_t>(x->dims.size() + axes->size());
      std::set<int64_t> at;
      for (int64_t a : *axes) at.insert(normalize_axis(a, rank));
      if (at.size() != axes->size()) return std::nullopt;  // an axis twice: invalid, and rank would be wrong
      size_t next = 0;
      for (int64_t d = 0; d < rank; ++d) dims.push_back(at.count(d) ? 1 : x->dims[next++]);
    } else {
      const auto rank = static_cast<int64_t>(x->dims.size());
      std::set<int64_t> at;
      for (int64_t a : *axes) at.insert(normalize_axis(a, rank));
      for (int64_t d = 0; d < rank; ++d) {
        const bool drop = at.empty() ? x->dims[static_cast<size_t>(d)] == 1 : at.count(d) > 0;
        if (!drop) dims.push_back(x->dims[static_cast<size_t>(d)]);
      }
    }
    Value out = *x;
    out.dims = dims;
    return std::vector<Value>{out};
  }
  if (op == "Concat") {
    for (const Value* v : in) {
      if (!v) return std::nullopt;
    }
    return concat(in, attrs.get_int("axis", 0));
  }
  if (op == "Slice") {
    const Value* x = need(0);
    if (!x) return std::nullopt;
    if (opset < 10) {
      return slice(*x, attrs.require_ints("starts"), attrs.require_ints("ends"), attrs.get_ints("axes", {}), {});
    }
    const auto starts = ints_of(need(1));
    const auto ends = ints_of(need(2));
    if (!starts || !ends) return std::nullopt;
    std::vector<int64_t> axes;
    std::vector<int64_t> steps;
    if (in.size() > 3 && !node.input(3).empty()) {
      const auto a = ints_of(need(3));
      if (!a) return std::nullopt;
      axes = *a;
    }
    if (in.size() > 4 && !node.input(4).empty()) {
      const auto s = ints_of(need(4));
      if (!s) return std::nullopt;
      steps = *s;
    }
    return slice(*x, *starts, *ends, axes, steps);
  }
  if (op == "Range") {
    if (!need(0) || !need(1) || !need(2) || need(0)->numel() != 1 || need(1)->numel() != 1 || need(2)->numel() != 1 ||
        need(0)->has_batch() || need(1)->has_batch() || need(2)->has_batch() ||
        need(0)->is_float() != need(2)->is_float()) {
      return std::nullopt;
    }
    const double start = as_double(*need(0), 0);
    const double limit = as_double(*need(1), 0);
    const double delta = as_double(*need(2), 0);
    if (delta == 0.0) return std::nullopt;
    const double count = std::max(0.0, std::ceil((limit - start) / delta));
    if (!(count <= static_cast<double>(kMaxFoldedElements))) return std::nullopt;  // NaN too
    const auto n = static_cast<int64_t>(count);
    Value out = shaped_like(*need(0), {n});
    for (int64_t i = 0; i < n; ++i) {
      if (out.is_float()) {
        out.floats.push_back(start + static_cast<double>(i) * delta);
        continue;
      }
      int64_t v = 0;  // in int64, exact where a double would round
      if (__builtin_mul_overflow(i, need(2)->ints[0], &v) || __builtin_add_overflow(v, need(0)->ints[0], &v)) {
        return std::nullopt;
      }
      out.ints.push_back(v);
    }
    return std::vector<Value>{out};
  }
  if (op == "ConstantOfShape") {
    const auto dims = ints_of(need(0));
    if (!dims || !small_dims(*dims)) return std::nullopt;
    Value fill;
    fill.elem_type = TensorProto::FLOAT;
    fill.floats = {0.0};
    if (const TensorProto* t = attrs.get_tensor("value")) {
      auto v = folded_from_proto(*t, attrs.where());
      if (!v || v->numel() != 1) return std::nullopt;
      fill = *v;
    }
    Value out = shaped_like(fill, *dims);
    for (int64_t i = 0; i < product(*dims); ++i) push_element(out, fill, 0);
    return std::vector<Value>{out};
  }
  if (op == "Reshape") {
    const auto shape = ints_of(need(1));
    if (!need(0) || !shape) return std::nullopt;
    const auto dims = reshape_dims(need(0)->dims, *shape, attrs.get_int("allowzero", 0) != 0);
    if (!dims) return std::nullopt;
    Value out = *need(0);
    out.dims = *dims;
    return std::vector<Value>{out};
  }
  if (op == "Transpose") {  // torch's F.pad export reverses its pads with a Transpose of a 2-column table
    if (!need(0)) return std::nullopt;
    const std::vector<int64_t>& source_dims = need(0)->dims;
    std::vector<int64_t> perm = attrs.get_ints("perm", {});
    if (perm.empty()) {
      for (size_t i = source_dims.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
    }
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.size() != source_dims.size()) return std::nullopt;
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i] != static_cast<int64_t>(i)) return std::nullopt;
    }
    std::vector<int64_t> out_dims(perm.size());
    for (size_t d = 0; d < perm.size(); ++d) out_dims[d] = source_dims[static_cast<size_t>(perm[d])];
    const std::vector<int64_t> in_strides = strides_of(source_dims);
    std::vector<int64_t> steps(perm.size());
    for (size_t d = 0; d < perm.size(); ++d) steps[d] = in_strides[static_cast<size_t>(perm[d])];
    const std::vector<int64_t> index = strided_index(out_dims, steps);
    Value out = gather_elements(*need(0), out_dims, index);
    if (!need(0)->batch.empty()) {  // the batch marks move with their elements
      out.batch.assign(index.size(), false);
      for (size_t k = 0; k < index.size(); ++k) out.batch[k] = need(0)->batch[static_cast<size_t>(index[k])];
    }
    return std::vector<Value>{out};
  }
  if (op == "Expand") {
    const auto shape = ints_of(need(1));
    if (!need(0) || !shape) return std::nullopt;
    const auto dims = broadcast_dims(need(0)->dims, *shape);
    if (!dims || !small_dims(*dims)) return std::nullopt;
    return std::vector<Value>{gather_elements(*need(0), *dims, broadcast_index(need(0)->dims, *dims))};
  }
  return std::nullopt;
}

}  // namespace

bool FoldedValue::is_float() const {
  return float_type(elem_type);
}

int64_t FoldedValue::numel() const {
  return product(dims);
}

bool FoldedValue::has_batch() const {
  return std::find(batch.begin(), batch.end(), true) != batch.end();
}

std::optional<FoldedValue> folded_from_proto(const TensorProto& t, const std::string& where) {
  Value v;
  v.elem_type = t.data_type();
  v.dims.assign(t.dims().begin(), t.dims().end());
  if (float_type(v.elem_type)) {
    const Tensor values = tensor_proto_to_float(t, where);
    for (int64_t i = 0; i < values.numel(); ++i) v.floats.push_back(values.at(i));
  } else if (int_type(v.elem_type)) {
    v.ints = tensor_proto_to_int64(t, where);
  } else {
    return std::nullopt;
  }
  if (static_cast<int64_t>(v.is_float() ? v.floats.size() : v.ints.size()) != v.numel()) return std::nullopt;
  return v;
}

TensorProto folded_to_proto(const FoldedValue& v, const std::string& name, int64_t batch_value) {
  TensorProto t;
  t.set_name(name);
  for (int64_t d : v.dims) t.add_dims(d);
  if (v.is_float()) {
    // Folded floats are written as float32 or float64 (a float16 constant is widened; its readers see float32).
    if (v.elem_type == TensorProto::DOUBLE) {
      t.set_data_type(TensorProto::DOUBLE);
      for (double f : v.floats) t.add_double_data(f);
    } else {
      t.set_data_type(TensorProto::FLOAT);
      for (double f : v.floats) t.add_float_data(static_cast<float>(f));
    }
    return t;
  }
  const bool wide =
      v.elem_type == TensorProto::INT64 || v.elem_type == TensorProto::UINT64 || v.elem_type == TensorProto::UINT32;
  t.set_data_type(wide ? TensorProto::INT64 : v.elem_type);
  for (size_t i = 0; i < v.ints.size(); ++i) {
    const int64_t value = (i < v.batch.size() && v.batch[i]) ? batch_value : v.ints[i];
    if (wide) {
      t.add_int64_data(value);
    } else {
      t.add_int32_data(static_cast<int32_t>(value));
    }
  }
  return t;
}

bool foldable_op(const std::string& op) {
  static const std::set<std::string> ops = {
      "Constant", "Identity",  "Shape",    "Size",    "Add",   "Sub",   "Mul",
      "Div",      "Equal",     "Less",     "Greater", "Pow",   "Min",   "Max",
      "Neg",      "Abs",       "Not",      "Floor",   "Ceil",  "Sqrt",  "Cast",
      "Gather",   "Unsqueeze", "Squeeze",  "Concat",  "Slice", "Range", "ConstantOfShape",
      "Reshape",  "Expand",    "Transpose"};
  return ops.count(op) > 0;
}

std::optional<std::vector<FoldedValue>> fold_node(const onnx::NodeProto& node, int64_t opset,
                                                  const std::vector<const FoldedValue*>& inputs,
                                                  const ShapeLookup& shape_of) {
  const std::string& op = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx") return std::nullopt;
  const std::string where = "node '" + node.name() + "' (op " + op + ")";
  const NodeAttributes attrs(node, where);
  try {
    if (op == "Constant") return constant_node(attrs, where);
    if (op == "Shape" || op == "Size") {
      if (node.input_size() < 1) return std::nullopt;
      std::optional<FoldedValue> shape = shape_of(node.input(0));
      if (!shape) return std::nullopt;
      if (op == "Size") {
        if (shape->has_batch()) return std::nullopt;
        int64_t n = 1;
        for (int64_t d : shape->ints) {
          if (__builtin_mul_overflow(n, d, &n)) return std::nullopt;
        }
        Value size;
        size.ints = {n};
        return std::vector<Value>{size};
      }
      const auto rank = static_cast<int64_t>(shape->ints.size());
      int64_t start = attrs.get_int("start", 0);
      int64_t end = attrs.get_int("end", rank);
      if (start < 0) start += rank;
      if (end < 0) end += rank;
      start = std::clamp<int64_t>(start, 0, rank);
      end = std::clamp<int64_t>(end, start, rank);
      return slice(*shape, {start}, {end}, {0}, {1});
    }
    for (const FoldedValue* v : inputs) {
      if (v && v->numel() > (int64_t{1} << 24)) return std::nullopt;  // weights-sized: not folding's business
    }
    return fold_known(node, opset, inputs, attrs);
  } catch (const Error&) {
    return std::nullopt;  // a malformed node is reported where it runs (or by the checker), not while folding
  }
}

}  // namespace deepvis::onnx_internal
