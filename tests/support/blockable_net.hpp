#pragma once
// A small convnet whose middle the cpu backend keeps channel-blocked: every op family that runs on blocked data
// (Conv, the activations, a same-dims Add, Concat along channels, an unfolded BatchNormalization, oneDNN max and
// average pooling, a global pool with its one-pixel output) between plain parts (an LRN on the first activation,
// the classifier).
#include "compute/core/graph.hpp"

namespace deepvis::test {

// Input (batch, 3, 12, 12); blobs named after their nodes: conv_a relu_a lrn_a conv_b relu_b pool_b conv_c leaky_c
// residual clip_c concat bn conv_d sigmoid_d avgpool_d conv_e gap flatten fc. `channels` is conv_b..conv_d's width.
Graph blockable_net(int batch = 1, int channels = 32);

}  // namespace deepvis::test
