// The host-side bookkeeping of the CUDA backend, which runs without a GPU: Conv's explicit padding, the pooling
// route (cuDNN, cuDNN on a -inf padded copy, or our kernels) and the broadcast plans of Add/Mul. Each plan is run
// through a plain-C++ simulation of what the device does with it (cuDNN's symmetric-pad, floored-size semantics)
// and compared with the ONNX definition: the naive reference backend, or direct index arithmetic.
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/core/error.hpp"
#include "compute/cuda/broadcast_plan.hpp"
#include "compute/cuda/conv_padding.hpp"
#include "compute/cuda/pool_route.hpp"
#include "compute/ops/binary.hpp"
#include "compute/ops/conv.hpp"
#include "compute/ops/pool.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace deepvis;
using namespace deepvis::cuda;

namespace {

// x placed at (top, left) in planes of padded_h x padded_w filled with `value`.
Tensor pad_planes(const Tensor& x, int64_t padded_h, int64_t padded_w, int64_t top, int64_t left, float value) {
  const Dims& d = x.dims();
  Tensor out({d[0], d[1], padded_h, padded_w});
  out.fill(value);
  for (int64_t p = 0; p < d[0] * d[1]; ++p) {
    for (int64_t h = 0; h < d[2]; ++h) {
      for (int64_t w = 0; w < d[3]; ++w) {
        out.at((p * padded_h + h + top) * padded_w + w + left) = x.at((p * d[2] + h) * d[3] + w);
      }
    }
  }
  return out;
}

// cuDNN's convolution as documented: symmetric zero pads, output size floor((H + 2p - extent) / s) + 1.
Tensor cudnn_style_conv(const Tensor& x, const Tensor& w, const ConvParams& p, int64_t pad_h, int64_t pad_w) {
  const Dims& xd = x.dims();
  const Dims& wd = w.dims();
  const int64_t oh = (xd[2] + 2 * pad_h - (p.dilations[0] * (wd[2] - 1) + 1)) / p.strides[0] + 1;
  const int64_t ow = (xd[3] + 2 * pad_w - (p.dilations[1] * (wd[3] - 1) + 1)) / p.strides[1] + 1;
  Tensor y({xd[0], wd[0], oh, ow});
  const int64_t mg = wd[0] / p.group;
  for (int64_t n = 0; n < xd[0]; ++n) {
    for (int64_t m = 0; m < wd[0]; ++m) {
      for (int64_t r = 0; r < oh; ++r) {
        for (int64_t c = 0; c < ow; ++c) {
          double acc = 0;
          for (int64_t ci = 0; ci < wd[1]; ++ci) {
            for (int64_t i = 0; i < wd[2]; ++i) {
              for (int64_t j = 0; j < wd[3]; ++j) {
                const int64_t ih = r * p.strides[0] - pad_h + i * p.dilations[0];
                const int64_t iw = c * p.strides[1] - pad_w + j * p.dilations[1];
                if (ih < 0 || ih >= xd[2] || iw < 0 || iw >= xd[3]) continue;
                const int64_t channel = (m / mg) * wd[1] + ci;
                acc += static_cast<double>(x.at(((n * xd[1] + channel) * xd[2] + ih) * xd[3] + iw)) *
                       w.at(((m * wd[1] + ci) * wd[2] + i) * wd[3] + j);
              }
            }
          }
          y.at(((n * wd[0] + m) * oh + r) * ow + c) = static_cast<float>(acc);
        }
      }
    }
  }
  return y;
}

// cuDNN's max pooling: symmetric pads that never win, floored output size.
Tensor cudnn_style_max_pool(const Tensor& x, const PoolParams& p, int64_t pad_h, int64_t pad_w) {
  const Dims& d = x.dims();
  const int64_t oh = (d[2] + 2 * pad_h - p.kernel[0]) / p.strides[0] + 1;
  const int64_t ow = (d[3] + 2 * pad_w - p.kernel[1]) / p.strides[1] + 1;
  Tensor y({d[0], d[1], oh, ow});
  for (int64_t plane = 0; plane < d[0] * d[1]; ++plane) {
    for (int64_t r = 0; r < oh; ++r) {
      for (int64_t c = 0; c < ow; ++c) {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < p.kernel[0]; ++i) {
          for (int64_t j = 0; j < p.kernel[1]; ++j) {
            const int64_t ih = r * p.strides[0] - pad_h + i, iw = c * p.strides[1] - pad_w + j;
            if (ih >= 0 && ih < d[2] && iw >= 0 && iw < d[3])
              best = std::max(best, x.at((plane * d[2] + ih) * d[3] + iw));
          }
        }
        y.at((plane * oh + r) * ow + c) = best;
      }
    }
  }
  return y;
}

PoolParams pool(int64_t k, int64_t s, Dims begin, Dims end, bool ceil_mode = false, int64_t dilation = 1) {
  return PoolParams{{k, k}, {s, s}, {dilation, dilation}, std::move(begin), std::move(end), ceil_mode, false};
}

// Numpy broadcasting by definition: the offset into an operand of output index `out_index`.
int64_t naive_offset(const Dims& operand, const Dims& out, int64_t out_index) {
  int64_t offset = 0, stride = 1;
  for (size_t k = 0; k < out.size(); ++k) {
    const size_t o = out.size() - 1 - k;
    const int64_t coord = out_index % out[o];
    out_index /= out[o];
    if (k < operand.size()) {
      const int64_t extent = operand[operand.size() - 1 - k];
      if (extent != 1) offset += coord * stride;
      stride *= extent;
    }
  }
  return offset;
}

int64_t plan_offset(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t index) {
  int64_t offset = 0;
  for (size_t d = dims.size(); d-- > 0;) {
    offset += (index % dims[d]) * strides[d];
    index /= dims[d];
  }
  return offset;
}

}  // namespace

TEST_CASE("cuda plan: Conv pads go to cuDNN when symmetric, else into an explicitly padded buffer") {
  const ConvParams sym{{3, 3}, {1, 1}, {1, 1}, {2, 1}, {2, 1}, 1};
  const ConvPadding a = plan_conv_padding(sym, {1, 3, 8, 9});
  CHECK_FALSE(a.explicit_pad);
  CHECK(a.conv_input == Dims{1, 3, 8, 9});
  CHECK(a.pad_h == 2);
  CHECK(a.pad_w == 1);

  const ConvParams asym{{3, 3}, {2, 2}, {1, 1}, {0, 1}, {1, 2}, 1};
  const ConvPadding b = plan_conv_padding(asym, {2, 4, 10, 8});
  CHECK(b.explicit_pad);
  CHECK(b.conv_input == Dims{2, 4, 11, 11});
  CHECK(b.pad_h == 0);
  CHECK(b.pad_w == 0);
  CHECK(b.top == 0);
  CHECK(b.left == 1);

  const ConvParams negative{{3, 3}, {1, 1}, {1, 1}, {-1, 0}, {0, 0}, 1};
  CHECK_THROWS_AS(plan_conv_padding(negative, {1, 1, 5, 5}), Error);
}

TEST_CASE("cuda plan: the Conv padding plan, run with cuDNN's semantics, equals the ONNX convolution") {
  std::mt19937 rng(5);
  auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const auto reference = make_reference_backend();
  for (int trial = 0; trial < 60; ++trial) {
    const int64_t group = pick(1, 2);
    const int64_t k = pick(1, 4), s = pick(1, 3), dil = pick(1, 2);
    ConvParams p{{k, k + pick(0, 1)},      {s, pick(1, 3)},          {dil, pick(1, 2)},
                 {pick(0, 2), pick(0, 2)}, {pick(0, 2), pick(0, 2)}, group};
    const Dims x_dims = {pick(1, 2), 2 * group, pick(6, 11), pick(6, 11)};
    const Dims w_dims = {2 * group, 2, p.kernel[0], p.kernel[1]};
    try {
      conv_output_dims(p, x_dims, w_dims);
    } catch (const Error&) {
      continue;  // the kernel does not fit
    }
    CAPTURE(trial);
    const Tensor x = test::random_tensor(x_dims, static_cast<uint32_t>(trial));
    const Tensor w = test::random_tensor(w_dims, static_cast<uint32_t>(100 + trial));
    const Graph graph = test::single_node_graph(OpKind::Conv, p, x_dims, {w});
    const Tensor want = test::run_forward(graph, reference, x);

    const ConvPadding plan = plan_conv_padding(p, x_dims);
    const Tensor input =
        plan.explicit_pad ? pad_planes(x, plan.conv_input[2], plan.conv_input[3], plan.top, plan.left, 0.0f) : x;
    CHECK(input.dims() == plan.conv_input);
    const Tensor got = cudnn_style_conv(input, w, p, plan.pad_h, plan.pad_w);
    REQUIRE(got.dims() == want.dims());
    CHECK(test::max_relative_error(got, want) <= 1e-6);
  }
}

TEST_CASE("cuda plan: pooling routes for the usual torchvision layers and for what cuDNN cannot do") {
  const Dims x = {1, 64, 112, 112};
  // ResNet: 3x3/2 pad 1, floor: cuDNN as is.
  const PoolParams resnet = pool(3, 2, {1, 1}, {1, 1});
  const PoolPlan r = plan_pool_route(OpKind::MaxPool, resnet, x, pool_output_dims(resnet, x));
  CHECK(r.route == PoolRoute::Cudnn);
  CHECK(r.pad_h == 1);
  CHECK(r.pad_w == 1);
  // GoogLeNet: 3x3/2 ceil_mode: 56 outputs where flooring gives 55, so one -inf row and column are added.
  const PoolParams googlenet = pool(3, 2, {0, 0}, {0, 0}, true);
  const Dims gy = pool_output_dims(googlenet, x);
  REQUIRE(gy == Dims{1, 64, 56, 56});
  const PoolPlan g = plan_pool_route(OpKind::MaxPool, googlenet, x, gy);
  CHECK(g.route == PoolRoute::CudnnPadded);
  CHECK(g.pooled_input == Dims{1, 64, 113, 113});
  CHECK(g.top == 0);
  CHECK(g.left == 0);
  // Unequal pads: padded explicitly.
  const PoolParams asym = pool(2, 2, {0, 1}, {1, 0});
  CHECK(plan_pool_route(OpKind::MaxPool, asym, {1, 1, 7, 7}, pool_output_dims(asym, {1, 1, 7, 7})).route ==
        PoolRoute::CudnnPadded);
  // Dilation, average pooling and global pools: our kernels.
  const PoolParams dilated = pool(3, 1, {0, 0}, {0, 0}, false, 2);
  CHECK(plan_pool_route(OpKind::MaxPool, dilated, {1, 1, 9, 9}, pool_output_dims(dilated, {1, 1, 9, 9})).route ==
        PoolRoute::Own);
  CHECK(plan_pool_route(OpKind::AveragePool, resnet, x, pool_output_dims(resnet, x)).route == PoolRoute::Own);
  CHECK(plan_pool_route(OpKind::GlobalMaxPool, resnet, x, {1, 64, 1, 1}).route == PoolRoute::Own);
  // A window wholly in the padding (pads as large as the window): ONNX-style rules give 0 there; ours.
  const PoolParams wide = pool(2, 2, {2, 2}, {2, 2});
  CHECK(plan_pool_route(OpKind::MaxPool, wide, {1, 1, 4, 4}, pool_output_dims(wide, {1, 1, 4, 4})).route ==
        PoolRoute::Own);
}

TEST_CASE("cuda plan: every cuDNN pooling route, run with cuDNN's semantics, equals the ONNX max pool") {
  std::mt19937 rng(11);
  auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const auto reference = make_reference_backend();
  int routed[3] = {0, 0, 0};
  for (int trial = 0; trial < 200; ++trial) {
    const int64_t kh = pick(1, 4), kw = pick(1, 4);
    PoolParams p{{kh, kw},
                 {pick(1, 3), pick(1, 3)},
                 {1, 1},
                 {pick(0, static_cast<int>(kh) - 1), pick(0, static_cast<int>(kw) - 1)},
                 {pick(0, static_cast<int>(kh) - 1), pick(0, static_cast<int>(kw) - 1)},
                 pick(0, 1) == 1,
                 false};
    const Dims x_dims = {pick(1, 2), pick(1, 3), pick(4, 10), pick(4, 10)};
    Dims y_dims;
    try {
      y_dims = pool_output_dims(p, x_dims);
    } catch (const Error&) {
      continue;  // the window does not fit
    }
    CAPTURE(trial);
    const PoolPlan plan = plan_pool_route(OpKind::MaxPool, p, x_dims, y_dims);
    ++routed[static_cast<int>(plan.route)];
    if (plan.route == PoolRoute::Own) continue;
    const Tensor x = test::random_tensor(x_dims, static_cast<uint32_t>(trial));
    const Tensor want = test::run_forward(test::single_node_graph(OpKind::MaxPool, p, x_dims, {}), reference, x);
    Tensor input = x;
    if (plan.route == PoolRoute::CudnnPadded) {
      input = pad_planes(x, plan.pooled_input[2], plan.pooled_input[3], plan.top, plan.left,
                         -std::numeric_limits<float>::infinity());
      CHECK(plan.pad_h == 0);
      CHECK(plan.pad_w == 0);
    }
    CHECK(input.dims() == plan.pooled_input);
    const Tensor got = cudnn_style_max_pool(input, p, plan.pad_h, plan.pad_w);
    REQUIRE(got.dims() == want.dims());
    CHECK(test::max_abs_error(got, want) == 0.0);
  }
  // The sweep exercised both cuDNN routes.
  CHECK(routed[static_cast<int>(PoolRoute::Cudnn)] > 10);
  CHECK(routed[static_cast<int>(PoolRoute::CudnnPadded)] > 10);
}

TEST_CASE("cuda plan: broadcast dims collapse (bias-like operands become a row per channel)") {
  const BroadcastPlan same = plan_broadcast({2, 3, 4}, {2, 3, 4}, {2, 3, 4});
  CHECK(same.dims == std::vector<int64_t>{24});
  CHECK(same.stride_a == std::vector<int64_t>{1});
  CHECK(same.stride_b == std::vector<int64_t>{1});
  const BroadcastPlan bias = plan_broadcast({2, 3, 4, 5}, {1, 3, 1, 1}, {2, 3, 4, 5});
  CHECK(bias.dims == std::vector<int64_t>{2, 3, 20});
  CHECK(bias.stride_a == std::vector<int64_t>{60, 20, 1});
  CHECK(bias.stride_b == std::vector<int64_t>{0, 1, 0});
  const BroadcastPlan scalar = plan_broadcast({1}, {}, {1});
  CHECK(scalar.dims == std::vector<int64_t>{1});
  CHECK(scalar.total == 1);
  const ReductionPlan r = plan_reduction(bias, false);
  CHECK_FALSE(r.full);
  CHECK(r.count == 3);
  CHECK(r.per_element == 40);
  CHECK(plan_reduction(bias, true).full);
}

TEST_CASE("cuda plan: broadcast and reduction plans address exactly what numpy broadcasting defines") {
  std::mt19937 rng(3);
  auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 300; ++trial) {
    const int rank = pick(0, 5);
    Dims out(static_cast<size_t>(rank)), a, b;
    for (auto& d : out) d = pick(1, 4);
    // Each operand: a suffix of the output's dims, each kept or set to 1.
    auto operand = [&]() {
      Dims d(out.end() - pick(0, rank), out.end());
      for (auto& e : d) {
        if (pick(0, 2) == 0) e = 1;
      }
      return d;
    };
    a = operand();
    b = operand();
    const Dims o = broadcast_dims(a, b);
    CAPTURE(trial);
    CAPTURE(to_string(a));
    CAPTURE(to_string(b));
    const BroadcastPlan plan = plan_broadcast(a, b, o);
    REQUIRE(plan.total == numel(o));
    for (int64_t i = 0; i < plan.total; ++i) {
      CHECK(plan_offset(plan.dims, plan.stride_a, i) == naive_offset(a, o, i));
      CHECK(plan_offset(plan.dims, plan.stride_b, i) == naive_offset(b, o, i));
    }
    for (int which = 0; which < 2; ++which) {
      const Dims& self = which == 0 ? a : b;
      const Dims& other = which == 0 ? b : a;
      const ReductionPlan r = plan_reduction(plan, which == 0);
      REQUIRE(r.count == numel(self));
      REQUIRE(r.count * r.per_element == plan.total);
      std::vector<int> visits(static_cast<size_t>(plan.total), 0);
      for (int64_t j = 0; j < r.count; ++j) {
        const int64_t base_out = plan_offset(r.kept_dims, r.kept_out, j);
        const int64_t base_other = plan_offset(r.kept_dims, r.kept_other, j);
        for (int64_t t = 0; t < r.per_element; ++t) {
          const int64_t out_index = base_out + plan_offset(r.red_dims, r.red_out, t);
          REQUIRE(out_index < plan.total);
          ++visits[static_cast<size_t>(out_index)];
          CHECK(naive_offset(self, o, out_index) == j);  // the term belongs to element j
          CHECK(base_other + plan_offset(r.red_dims, r.red_other, t) == naive_offset(other, o, out_index));
        }
      }
      for (int v : visits) CHECK(v == 1);  // every output term is summed exactly once
      CHECK(r.full == (r.per_element == 1 && r.count == plan.total));
    }
  }
}

#endif  // DEEPVIS_HAVE_CUDA
