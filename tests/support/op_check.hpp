#pragma once
// Shared checks for op tests: random tensors, error metrics, running one node on a backend, and finite
// differences (the independent oracle for Gradient mode).
#include "compute/core/backend.hpp"
#include "compute/core/graph_builder.hpp"
#include "compute/core/net.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace deepvis::test {

// Uniform in [lo, hi), deterministic for a seed.
Tensor random_tensor(Dims dims, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// max |a - b| / max(max |b|, 1e-6): the relative error used by the tolerances.
double max_relative_error(const Tensor& a, const Tensor& b);
double max_abs_error(const Tensor& a, const Tensor& b);
// max |a - b| / max |b|, with no floor: for input gradients of whole nets, which can be far below 1e-6 (random
// EfficientNet-B0's are about 1e-14) and must still be compared at their own scale.
double max_scaled_error(const Tensor& a, const Tensor& b);

// The bound for a float32 result against a float64 oracle where float32 itself loses digits (input gradients of
// deep nets): twice what float32 loses there, measured two ways, PyTorch's own float32 error on the same input and
// our result's own rounding sensitivity (rounding_sensitivity), but never tighter than 1e-4 nor looser than 5e-2,
// so a result a few percent wrong fails however much float32 lost.
double fp32_parity_bound(double torch_fp32_error, double own_sensitivity = 0.0);

// How far `net`'s input gradient (seeded with `seed` at `blob`, in `mode`) moves, as max_scaled_error, when the
// input is scaled by 1 + 2^-22 or 1 + 2^-21, as a whole and by a random factor of that size per element:
// rounding-level changes. A deep net's Relu and max-pool switches can
// flip at that scale, which moves a correct float32 result by as much as it differs from float64; a wrong rule
// moves it by far more than rounding. Leaves `net` holding the last nudged run.
double rounding_sensitivity(Net& net, const Tensor& input, int blob, const Tensor& seed, BackwardMode mode);

// A graph whose only node reads the input (slot 0) and the given constants (slots 1..).
Graph single_node_graph(OpKind kind, OpParams params, const Dims& input_dims, const std::vector<Tensor>& constants);

// DenseNet's pattern in small: every layer's output feeds every later Concat of the block. Input 1x3x6x6, output
// 1x5x6x6; channel counts are multiples of 16 (the CPU backend blocks them), and one Concat reads a blob twice.
// Nodes: a = conv1x1(x), b = conv3x3(a), c1 = concat(a, b), d = conv3x3(c1), c2 = concat(a, b, d, d),
// out = conv1x1(c2).
Graph dense_block_graph();

// A DenseNet block without repeats, at batch 1: x0 = conv(input), then three layers x_k = conv(relu(c_k-1)) over
// c_k = concat(x0..x_k) (c0 a one-input Concat), out = conv(c3). Input 1x3x6x6; 16 channels per x_k.
Graph dense_chain_graph();

// conv1 -> bn1 -> relu1 -> conv2 -> bn2 -> relu2, out = relu2 + bn2: relu1 alone reads bn1 (a kernel that
// fuses_relu runs it), bn2 has two readers (no fusion). Input 2x3x5x5, 16 channels (the CPU backend blocks them).
Graph batch_norm_relu_graph();

// The largest max_relative_error over every non-constant blob: of two Nets' last forward values, or of two
// backward results (blobs a seed does not reach are zero in both).
double worst_blob_error(const Graph& graph, const Net& got, const Net& want);
double worst_blob_error(const Graph& graph, const Gradients& got, const Gradients& want);
// Both together: a forward of `input`, then backward runs seeded (random, from `seed`) at each blob of `seeded`
// in all three modes, comparing every blob's value and gradient between the two Nets.
double worst_error_everywhere(const Graph& graph, Net& got, Net& want, const Tensor& input,
                              const std::vector<std::string>& seeded, uint32_t seed);

// Forward of `graph` on `backend`: the value of the last output.
Tensor run_forward(const Graph& graph, const std::shared_ptr<Backend>& backend, const Tensor& input);

// Backward from the graph's first output with `seed`, in `mode`: the signal at the input.
Tensor run_backward(const Graph& graph, const std::shared_ptr<Backend>& backend, const Tensor& input,
                    const Tensor& seed, BackwardMode mode, const BackwardOptions& options = {});

// Central differences of L(x) = sum(seed * output(x)) at `samples` input positions (all when 0), compared with
// the backend's Gradient-mode backward. Returns the max relative error over the checked entries.
double finite_difference_error(const Graph& graph, const std::shared_ptr<Backend>& backend, const Tensor& input,
                               const Tensor& seed, double step = 1e-2, int samples = 0);

}  // namespace deepvis::test

namespace deepvis::test {

inline constexpr BackwardMode kModes[] = {BackwardMode::Gradient, BackwardMode::Deconv, BackwardMode::Guided};

// The backends every op test compares: the naive reference and the CPU backend.
std::vector<std::shared_ptr<Backend>> backends();

// Element-wise equality with hand values, within a relative epsilon.
void check_values(const Tensor& got, const std::vector<float>& want, double epsilon = 1e-6);

}  // namespace deepvis::test
