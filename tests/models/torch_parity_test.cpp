// Whole torchvision architectures against PyTorch: the oracle is tests/fixtures/make_torch_fixtures.py run with
// Debian's python3-torch. Small models are committed; the others are generated on first use (a few seconds each,
// into a cache keyed by the torch version: tests/support/torch_fixtures.hpp), since their weights are too big to
// commit.
#include "compute/io/npy.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/torch_fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace deepvis;

namespace {

// The oracle is PyTorch in float64. Our float32 results must be within 1e-4 of it, or, where float32 itself cannot
// get that close (input gradients of deep nets lose digits to cancellation), within twice PyTorch's own float32
// error or of our own rounding sensitivity (a Relu or max-pool switch that flips at rounding level moves a correct
// float32 result as far as it is from float64), capped at 5e-2 (test::fp32_parity_bound). The reference backend
// accumulates in double and must always be within 1e-4. Returns the worst error / bound of the three modes (<= 1
// passes), which the case reports.
double check_backend(Net& net, const fs::path& dir, int64_t unit, const std::string& label, bool allow_fp32_error) {
  const Tensor input = read_npy((dir / "input.npy").string());
  net.forward(input);
  const int logits = net.graph().outputs.front();
  const double forward_err = test::max_relative_error(net.blob(logits), read_npy((dir / "output.npy").string()));
  CHECK_MESSAGE(forward_err <= 1e-4, label << " forward: relative error " << forward_err);

  Tensor seed(net.blob_dims(logits));
  seed.at(unit) = 1.0f;
  Gradients grads = net.make_gradients();
  const std::pair<const char*, BackwardMode> modes[] = {
      {"gradient", BackwardMode::Gradient}, {"deconv", BackwardMode::Deconv}, {"guided", BackwardMode::Guided}};
  double worst_ratio = 0.0;
  for (const auto& [mode_name, mode] : modes) {
    const double own = allow_fp32_error ? test::rounding_sensitivity(net, input, logits, seed, mode) : 0.0;
    net.forward(input);
    net.backward_from(logits, seed, mode, grads);
    const std::string stem = std::string("grad_") + mode_name;
    const Tensor truth = read_npy((dir / (stem + ".npy")).string());
    const double err = test::max_scaled_error(grads.input(), truth);
    const double torch_fp32_err = test::max_scaled_error(read_npy((dir / (stem + "_fp32.npy")).string()), truth);
    const double bound = allow_fp32_error ? test::fp32_parity_bound(torch_fp32_err, own) : 1e-4;
    const std::string line = label + " " + mode_name + ": relative error " + std::to_string(err) + ", bound " +
                             std::to_string(bound) + " (PyTorch float32 " + std::to_string(torch_fp32_err) +
                             ", own rounding sensitivity " + std::to_string(own) + ")";
    CHECK_MESSAGE(err <= bound, line);
    MESSAGE(line << ", ratio " << err / bound);
    worst_ratio = std::max(worst_ratio, err / bound);
  }
  return worst_ratio;
}

void check_against_torch(const std::string& name, const std::string& size, bool committed,
                         const std::string& variant = "") {
  const fs::path dir = test::torch_fixture(name, size, committed, variant);
  nlohmann::json meta;
  std::ifstream(dir / "meta.json") >> meta;
  const Graph graph = import_onnx((dir / "model.onnx").string());
  const int64_t unit = meta["unit"].get<int64_t>();
  Net cpu(graph, make_cpu_backend());
  double worst = check_backend(cpu, dir, unit, name + " (cpu)", true);
  if (committed ||
      std::getenv(
          "DEEPVIS_TORCH_REFERENCE")) {  // the naive reference is slow; the small models suffice to pin it to PyTorch
    Net reference(graph, make_reference_backend());
    worst = std::max(worst, check_backend(reference, dir, unit, name + " (reference)", false));
  }
  MESSAGE(name << ": worst error / bound over the modes and backends: " << worst);
}

}  // namespace

TEST_CASE("torch: SqueezeNet 1.1 (committed fixture) matches PyTorch forward and in all three backward modes") {
  check_against_torch("squeezenet1_1", "64", true);
}

TEST_CASE("torch: MobileNetV2 (committed fixture, BN + ReLU6 + residual adds) matches PyTorch") {
  check_against_torch("mobilenet_v2", "64", true);
}

TEST_CASE("torch: ResNet-18 matches PyTorch") {
  check_against_torch("resnet18", "64", false);
}

TEST_CASE("torch: GoogLeNet (ceil-mode pools, Inception concats) matches PyTorch") {
  check_against_torch("googlenet", "64", false);
}

TEST_CASE("torch: DenseNet-121 (dense concats, BN not after a conv) matches PyTorch") {
  check_against_torch("densenet121", "64", false);
}

TEST_CASE("torch: MobileNetV3-small (HardSwish, HardSigmoid squeeze-excitation gates) matches PyTorch") {
  check_against_torch("mobilenet_v3_small", "64", false);
}

TEST_CASE("torch: AlexNet at 224 matches PyTorch") {
  check_against_torch("alexnet", "224", false);
}

TEST_CASE("torch: VGG-11 with batch norm at 224 matches PyTorch") {
  check_against_torch("vgg11_bn", "224", false);
}

TEST_CASE("torch: ShuffleNetV2 x0.5 (channel shuffle: Reshape-Transpose-Reshape; Split halves) matches PyTorch") {
  check_against_torch("shufflenet_v2_x0_5", "64", false);
}

TEST_CASE("torch: MNASNet 0.5 (ReduceMean over the spatial dims) matches PyTorch") {
  check_against_torch("mnasnet0_5", "64", false);
}

TEST_CASE("torch: EfficientNet-B0 (SiLU as Sigmoid-Mul, squeeze-excitation) matches PyTorch") {
  check_against_torch("efficientnet_b0", "64", false);
}

TEST_CASE("torch: RegNetY-400MF (grouped convs, squeeze-excitation) matches PyTorch") {
  check_against_torch("regnet_y_400mf", "64", false);
}

TEST_CASE("torch: ConvNeXt-Tiny (LayerNorm as ReduceMean-Sub-Pow-Sqrt-Div, GELU by Erf, N-D MatMul) matches PyTorch") {
  check_against_torch("convnext_tiny", "64", false);
}

TEST_CASE("torch: ResNeXt-50 32x4d (grouped 3x3 convolutions) matches PyTorch") {
  check_against_torch("resnext50_32x4d", "64", false);
}

TEST_CASE("torch: Inception v3 (asymmetric 1x7/7x1 kernels, average-pool branches) at 96 matches PyTorch") {
  check_against_torch("inception_v3", "96", false);
}

TEST_CASE("torch: Wide ResNet-50-2 (bottlenecks twice as wide) matches PyTorch") {
  check_against_torch("wide_resnet50_2", "64", false);
}

TEST_CASE("torch: MobileNetV3-Large matches PyTorch") {
  check_against_torch("mobilenet_v3_large", "64", false);
}

// Its fixture costs over two minutes of CI to make (a 500 MB export), and VGG-11 with BN runs the same convolution
// stack, pools and classifier in every CI run; this one runs where DEEPVIS_TORCH_SLOW_ZOO=1.
TEST_CASE("torch: VGG-11 without batch norm at 224 matches PyTorch") {
  const char* slow = std::getenv("DEEPVIS_TORCH_SLOW_ZOO");
  if (!slow || std::string(slow) != "1") {
    DEEPVIS_SKIP("VGG-11 without BN needs DEEPVIS_TORCH_SLOW_ZOO=1 (its fixture takes over 2 minutes to make)");
  }
  check_against_torch("vgg11", "224", false);
}

TEST_CASE(
    "torch: a small U-Net (ConvTranspose, InstanceNorm, GroupNorm, LayerNorm, bilinear and nearest Resize) matches "
    "PyTorch at every pixel's logit path") {
  check_against_torch("tiny_unet", "64", false);
}

TEST_CASE(
    "torch: the U-Net exported at opset 17 (LayerNormalization) with a dynamic batch matches PyTorch, and runs "
    "a batch of two as two batches of one") {
  check_against_torch("tiny_unet", "64", false, "opset17@dynamic");
  const fs::path dir = test::torch_fixture("tiny_unet", "64", false, "opset17@dynamic");
  Net net(import_onnx((dir / "model.onnx").string()), make_cpu_backend());
  const Tensor one = read_npy((dir / "input.npy").string());
  const Tensor other = test::random_tensor(one.dims(), 11);
  net.forward(one);
  const int out = net.graph().outputs.front();
  const Tensor want_one = net.blob(out).clone();
  net.forward(other);
  const Tensor want_other = net.blob(out).clone();
  Dims two_dims = one.dims();
  two_dims[0] = 2;
  Tensor two(two_dims);
  std::copy(one.data(), one.data() + one.numel(), two.data());
  std::copy(other.data(), other.data() + other.numel(), two.data() + one.numel());
  net.set_batch(2);
  net.forward(two);
  const Tensor& got = net.blob(out);
  REQUIRE(got.dims()[0] == 2);
  const int64_t half = got.numel() / 2;
  double worst = 0;
  for (int64_t i = 0; i < half; ++i) {
    worst = std::max<double>(worst, std::fabs(got.at(i) - want_one.at(i)));
    worst = std::max<double>(worst, std::fabs(got.at(half + i) - want_other.at(i)));
  }
  CHECK(worst < 1e-5);
}

TEST_CASE("torch: LR-ASPP MobileNetV3-Large (segmentation head: bilinear Resize, sigmoid attention) matches PyTorch") {
  check_against_torch("lraspp_mobilenet_v3_large", "64", false);
}

TEST_CASE(
    "torch: a CaffeNet-style net with nn.LocalResponseNorm (exported as a channel-axis 3-D AveragePool) matches "
    "PyTorch") {
  check_against_torch("caffenet_lrn", "113", false);
}

// Inputs other than 3 x N x N: the model's own input dims drive every shape, in forward and in all three backward
// modes (the net is imported with its input dims read from the file, and the oracle's input has them too).
TEST_CASE("torch: a grayscale ResNet-18 (1 x 1 x 64 x 64 input) matches PyTorch") {
  const fs::path dir = test::torch_fixture("resnet18", "64", false, "gray");
  CHECK(read_npy((dir / "input.npy").string()).dims() == Dims{1, 1, 64, 64});
  check_against_torch("resnet18", "64", false, "gray");
}

TEST_CASE("torch: ResNet-18 on a non-square 1 x 3 x 240 x 320 input matches PyTorch") {
  const fs::path dir = test::torch_fixture("resnet18", "240x320", false);
  CHECK(read_npy((dir / "input.npy").string()).dims() == Dims{1, 3, 240, 320});
  check_against_torch("resnet18", "240x320", false);
}

TEST_CASE("torch: the U-Net on a non-square 48 x 80 input (per-axis Resize and ConvTranspose) matches PyTorch") {
  check_against_torch("tiny_unet", "48x80", false);
}
