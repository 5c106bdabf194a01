// Resize and Upsample, any mode (nearest, linear, cubic) and coordinate transformation, over any axes but the
// batch. Each output coordinate along an axis is a fixed weighted sum of input coordinates along it, and the
// N-D interpolation of ONNX is the product of the 1-D ones, so the op is exactly one constant matrix per resized
// axis (along_axis: a MatMul), built here once at import. The weights follow the ONNX reference
// (onnx/backend/test/case/node/resize.py): the coordinate transform in double, ratio 1 on an exact grid point,
// the n nearest input positions (ties to the smaller) of the edge-padded input, exclude_outside renormalizing.
// Resize-10 and Upsample have no coordinate attributes; their rule (asymmetric, and nearest as floor when
// enlarging, ceil when shrinking) is the one ONNX Runtime keeps for them.
#include "compute/onnx/lowerings.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis::onnx_internal {

namespace {

enum class Interp { Nearest, Linear, Cubic };

struct ResizeRule {
  Interp interp = Interp::Nearest;
  std::string coordinates = "half_pixel";
  std::string nearest = "round_prefer_floor";  // "simple": Resize-10 and Upsample
  double cubic_a = -0.75;
  bool exclude_outside = false;
  float extrapolation = 0.0f;
};

// One axis: input length, output length, scale, and the tf_crop_and_resize region.
struct AxisResize {
  int64_t in = 0;
  int64_t out = 0;
  double scale = 1.0;
  double roi_start = 0.0;
  double roi_end = 1.0;
};

std::vector<double> coefficients(const ResizeRule& r, double ratio) {
  if (r.interp == Interp::Linear) return {1.0 - ratio, ratio};
  if (r.interp == Interp::Cubic) {
    const double a = r.cubic_a;
    const double p = ratio + 1.0;
    const double q = 1.0 - ratio;
    const double s = q + 1.0;
    return {((a * p - 5 * a) * p + 8 * a) * p - 4 * a, ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
            ((a + 2) * q - (a + 3)) * q * q + 1, ((a * s - 5 * a) * s + 8 * a) * s - 4 * a};
  }
  if (ratio == 1.0) return {0.0, 1.0};  // an exact grid point
  if (r.nearest == "round_prefer_ceil") return {ratio < 0.5 ? 1.0 : 0.0, ratio >= 0.5 ? 1.0 : 0.0};
  if (r.nearest == "floor") return {1.0, 0.0};
  if (r.nearest == "ceil") return {0.0, 1.0};
  return {ratio <= 0.5 ? 1.0 : 0.0, ratio > 0.5 ? 1.0 : 0.0};  // round_prefer_floor
}

// The input coordinate of output coordinate x; false when tf_crop_and_resize puts it outside the input.
bool source_coordinate(const ResizeRule& r, const AxisResize& a, int64_t x, double& x_ori) {
  const double in = static_cast<double>(a.in);
  const double out_width = a.scale * in;  // the reference's: fractional when a scale does not divide
  const auto xd = static_cast<double>(x);
  const std::string& mode = r.coordinates;
  if (mode == "align_corners") {
    x_ori = out_width == 1.0 ? 0.0 : xd * (in - 1) / (out_width - 1);
  } else if (mode == "asymmetric") {
    x_ori = xd / a.scale;
  } else if (mode == "tf_crop_and_resize") {
    const double span = a.roi_end - a.roi_start;
    x_ori = out_width == 1.0 ? span * (in - 1) / 2 : xd * span * (in - 1) / (out_width - 1);
    x_ori += a.roi_start * (in - 1);
    return x_ori >= 0 && x_ori <= in - 1;
  } else if (mode == "tf_half_pixel_for_nn") {
    x_ori = (xd + 0.5) / a.scale;
  } else if (mode == "pytorch_half_pixel") {
    x_ori = out_width == 1.0 ? -0.5 : (xd + 0.5) / a.scale - 0.5;
  } else {  // half_pixel
    x_ori = (xd + 0.5) / a.scale - 0.5;
  }
  return true;
}

// The (in x out) matrix of one axis; `inside[x]` is 0 where tf_crop_and_resize extrapolates.
Tensor axis_matrix(const ResizeRule& r, const AxisResize& a, std::vector<float>& inside) {
  std::vector<float> m(static_cast<size_t>(a.in * a.out), 0.0f);
  inside.assign(static_cast<size_t>(a.out), 1.0f);
  auto add = [&](int64_t i, int64_t x, double w) {
    m[static_cast<size_t>(std::clamp<int64_t>(i, 0, a.in - 1) * a.out + x)] += static_cast<float>(w);
  };
  for (int64_t x = 0; x < a.out; ++x) {
    double x_ori = 0.0;
    if (!source_coordinate(r, a, x, x_ori)) {
      inside[static_cast<size_t>(x)] = 0.0f;
      continue;
    }
    if (r.nearest == "simple" && r.interp == Interp::Nearest) {
      add(static_cast<int64_t>(a.scale < 1.0 ? std::ceil(x_ori) : std::floor(x_ori)), x, 1.0);
      continue;
    }
    const double floor_x = std::floor(x_ori);
    const bool on_grid = floor_x == x_ori;
    std::vector<double> c = coefficients(r, on_grid ? 1.0 : x_ori - floor_x);
    const auto n = static_cast<int64_t>(c.size());
    const int64_t pad = (n + 1) / 2;
    // The n nearest positions, ties to the smaller, among the edge-padded input's [-pad, in + pad).
    int64_t start = static_cast<int64_t>(floor_x) - (on_grid ? n / 2 : n / 2 - 1);
    start = std::clamp(start, -pad, a.in + pad - n);
    if (r.exclude_outside) {
      double sum = 0.0;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t i = start + j;
        if (i < 0 || i >= a.in) c[static_cast<size_t>(j)] = 0.0;
        sum += c[static_cast<size_t>(j)];
      }
      for (double& v : c) v /= sum;
    }
    for (int64_t j = 0; j < n; ++j) add(start + j, x, c[static_cast<size_t>(j)]);
  }
  return Tensor({a.in, a.out}, m);
}

bool is_identity(const Tensor& m) {
  if (m.dims()[0] != m.dims()[1]) return false;
  const int64_t size = m.dims()[0];
  for (int64_t i = 0; i < size; ++i) {
    for (int64_t j = 0; j < size; ++j) {
      if (m.at(i * size + j) != (i == j ? 1.0f : 0.0f)) return false;
    }
  }
  return true;
}

Interp interp_of(NodeView& n, const std::string& mode) {
  if (mode == "nearest") return Interp::Nearest;
  if (mode == "linear" || mode == "bilinear") return Interp::Linear;
  if (mode == "cubic" && n.proto.op_type() == "Resize" && n.opset() >= 11) return Interp::Cubic;
  n.fail("mode '" + mode + "' is not supported (nearest, linear" + std::string(n.opset() >= 11 ? ", cubic" : "") + ")");
}

void check_one_of(NodeView& n, const std::string& attr, const std::string& value,
                  std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return;
  }
  n.fail("attribute '" + attr + "' is '" + value + "', which is not supported");
}

// Builds the per-axis matrices for the lengths and scales resolved by the caller, applies them, and adds the
// extrapolation value where tf_crop_and_resize leaves the input.
void resize_axes(NodeView& n, const ResizeRule& r, std::vector<AxisResize> axes) {
  const Dims x = n.dims(0, "X");
  std::vector<Tensor> matrices(x.size());
  std::vector<std::vector<float>> inside(x.size());
  std::vector<size_t> resized;
  bool extrapolates = false;
  for (size_t d = 0; d < x.size(); ++d) {
    if (axes[d].out < 1) n.fail("the output dim " + std::to_string(d) + " would be " + std::to_string(axes[d].out));
    matrices[d] = axis_matrix(r, axes[d], inside[d]);
    const bool crops = std::find(inside[d].begin(), inside[d].end(), 0.0f) != inside[d].end();
    extrapolates = extrapolates || (crops && r.extrapolation != 0.0f);
    if (crops || !is_identity(matrices[d])) resized.push_back(d);
  }
  if (!resized.empty() && resized.front() == 0) {
    n.fail("resizing the batch axis (dim 0) is not supported; each image is resized on its own");
  }
  if (resized.empty()) {
    n.ctx.alias(n.output(), n.required_input(0, "X"), n.where());
    return;
  }
  std::vector<AxisMatrix> steps;  // the last axis first: it needs no Transpose
  for (size_t k = resized.size(); k-- > 0;) steps.push_back({static_cast<int64_t>(resized[k]), matrices[resized[k]]});
  const int cur = along_axes(n, n.blob(0, "X"), x, std::move(steps), !extrapolates);
  if (!extrapolates) return;
  // extrapolation * (1 - inside), the outer product of the axes' masks, broadcast over the others.
  Dims fill_dims(x.size(), 1);
  for (size_t d : resized) fill_dims[d] = axes[d].out;
  Tensor fill(fill_dims);
  for (int64_t e = 0; e < fill.numel(); ++e) {
    int64_t rest = e;
    float in = 1.0f;
    for (size_t d = x.size(); d-- > 0;) {
      const int64_t coord = rest % fill_dims[d];
      rest /= fill_dims[d];
      if (std::find(resized.begin(), resized.end(), d) != resized.end()) in *= inside[d][static_cast<size_t>(coord)];
    }
    fill.at(e) = r.extrapolation * (1.0f - in);
  }
  n.emit(OpKind::Add, NoParams{}, {cur, n.constant("extrapolation", std::move(fill))});
}

// Output lengths from `sizes`, or from `scales` (floor of length x scale), per the Resize spec.
std::vector<AxisResize> resolve_axes(NodeView& n, const Dims& x, const std::vector<float>& scales, const Dims& sizes,
                                     const std::vector<float>& roi) {
  const size_t rank = x.size();
  std::vector<AxisResize> axes(rank);
  if (!roi.empty() && roi.size() != 2 * rank) {
    n.fail("roi has " + std::to_string(roi.size()) + " values, a " + std::to_string(rank) + "-D input needs " +
           std::to_string(2 * rank));
  }
  if (!sizes.empty() && sizes.size() != rank) {
    n.fail("sizes has " + std::to_string(sizes.size()) + " values for a " + std::to_string(rank) + "-D input");
  }
  if (sizes.empty() && scales.size() != rank) {
    n.fail("scales has " + std::to_string(scales.size()) + " values for a " + std::to_string(rank) + "-D input");
  }
  for (size_t d = 0; d < rank; ++d) {
    AxisResize& a = axes[d];
    a.in = x[d];
    if (!roi.empty()) {
      a.roi_start = roi[d];
      a.roi_end = roi[d + rank];
    }
    if (!sizes.empty()) {
      a.out = sizes[d];
      a.scale = static_cast<double>(a.out) / static_cast<double>(a.in);
    } else {
      a.scale = scales[d];
      if (!(a.scale > 0.0) || !std::isfinite(a.scale)) n.fail("scale " + std::to_string(a.scale) + " is not positive");
      a.out = static_cast<int64_t>(std::floor(static_cast<double>(a.in) * a.scale));
    }
  }
  return axes;
}

std::vector<float> optional_floats(NodeView& n, int slot, const char* what) {
  if (!n.has_input(slot)) return {};
  const Tensor t = n.ctx.constant_float(n.input(slot), n.where(), what);
  return std::vector<float>(t.data(), t.data() + t.numel());
}

}  // namespace

void convert_resize(NodeView& n) {
  const Dims x = n.dims(0, "X");
  ResizeRule r;
  r.interp = interp_of(n, n.attrs.get_string("mode", "nearest"));
  std::vector<float> scales;
  Dims sizes;
  std::vector<float> roi;
  if (n.opset() < 11) {  // Resize-10: X and scales only
    r.coordinates = "asymmetric";
    r.nearest = "simple";
    scales = optional_floats(n, 1, "the scales input");
  } else {
    r.coordinates = n.attrs.get_string("coordinate_transformation_mode", "half_pixel");
    check_one_of(n, "coordinate_transformation_mode", r.coordinates,
                 {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize",
                  "tf_half_pixel_for_nn"});
    r.nearest = n.attrs.get_string("nearest_mode", "round_prefer_floor");
    check_one_of(n, "nearest_mode", r.nearest, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"});
    r.cubic_a = n.attrs.get_float("cubic_coeff_a", -0.75f);
    r.exclude_outside = n.attrs.get_int("exclude_outside", 0) != 0;
    r.extrapolation = n.attrs.get_float("extrapolation_value", 0.0f);
    if (r.coordinates == "tf_crop_and_resize") roi = optional_floats(n, 1, "the roi input");
    scales = optional_floats(n, 2, "the scales input");
    if (n.has_input(3)) sizes = n.ctx.constant_int64(n.input(3), n.where(), "the sizes input");
    if (!scales.empty() && !sizes.empty()) n.fail("both scales and sizes are given; the spec allows one");
  }
  resize_axes(n, r, resolve_axes(n, x, scales, sizes, roi));
}

void convert_upsample(NodeView& n) {
  const Dims x = n.dims(0, "X");
  ResizeRule r;
  r.interp = interp_of(n, n.attrs.get_string("mode", "nearest"));
  r.coordinates = "asymmetric";
  r.nearest = "simple";
  const std::vector<float> scales =
      n.opset() < 9 ? n.attrs.get_floats("scales", {}) : optional_floats(n, 1, "the scales input");
  resize_axes(n, r, resolve_axes(n, x, scales, {}, {}));
}

}  // namespace deepvis::onnx_internal
