#include "tests/support/blockable_net.hpp"

#include "compute/core/graph_builder.hpp"
#include "tests/support/op_check.hpp"

#include <string>

namespace deepvis::test {

Graph blockable_net(int batch, int channels) {
  GraphBuilder g("blockable_net");
  uint32_t seed = 900;
  const int64_t c = channels;
  auto conv = [&](int x, int64_t in, int64_t out, int64_t k, const std::string& name) {
    const int64_t pad = k / 2;
    const ConvParams p{{k, k}, {1, 1}, {1, 1}, {pad, pad}, {pad, pad}, 1};
    return g.node(OpKind::Conv, p,
                  {x, g.constant(name + "_w", random_tensor({out, in, k, k}, ++seed, -0.3f, 0.3f)),
                   g.constant(name + "_b", random_tensor({out}, ++seed, -0.1f, 0.1f))},
                  name);
  };
  int x = g.input("data", {batch, 3, 12, 12});
  x = conv(x, 3, 16, 3, "conv_a");
  x = g.node(OpKind::Relu, NoParams{}, {x}, "relu_a");
  x = g.node(OpKind::Lrn, LrnParams{3, 0.1f, 0.75f, 1.0f}, {x}, "lrn_a");
  x = conv(x, 16, c, 3, "conv_b");
  x = g.node(OpKind::Relu, NoParams{}, {x}, "relu_b");
  // After a ReLU, windows of zeros tie: the first maximum must win on blocked data too.
  const int pooled =
      g.node(OpKind::MaxPool, PoolParams{{2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, false, false}, {x}, "pool_b");
  x = conv(pooled, c, c, 3, "conv_c");
  x = g.node(OpKind::LeakyRelu, LeakyReluParams{0.1f}, {x}, "leaky_c");
  x = g.node(OpKind::Add, NoParams{}, {x, pooled}, "residual");
  x = g.node(OpKind::Clip, ClipParams{-0.5f, 0.5f}, {x}, "clip_c");
  x = g.node(OpKind::Concat, ConcatParams{1}, {x, pooled}, "concat");
  x = g.node(
      OpKind::BatchNorm, BatchNormParams{1e-5f},
      {x, g.constant("bn_scale", random_tensor({2 * c}, ++seed)),
       g.constant("bn_shift", random_tensor({2 * c}, ++seed)), g.constant("bn_mean", random_tensor({2 * c}, ++seed)),
       g.constant("bn_var", random_tensor({2 * c}, ++seed, 0.5f, 2.0f))},
      "bn");
  x = conv(x, 2 * c, c, 1, "conv_d");
  x = g.node(OpKind::Sigmoid, NoParams{}, {x}, "sigmoid_d");
  x = g.node(OpKind::AveragePool, PoolParams{{2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, false, false}, {x}, "avgpool_d");
  x = conv(x, c, 16, 3, "conv_e");
  x = g.node(OpKind::GlobalAveragePool, NoParams{}, {x}, "gap");
  x = g.node(OpKind::Flatten, FlattenParams{1}, {x}, "flatten");
  g.node(OpKind::Gemm, GemmParams{1.0f, 1.0f, false, true},
         {x, g.constant("fc_w", random_tensor({5, 16}, ++seed)), g.constant("fc_b", random_tensor({5}, ++seed))}, "fc");
  return g.build();
}

}  // namespace deepvis::test
