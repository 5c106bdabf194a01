// Receptive fields for any graph (compute/vis/receptive_field.hpp), against three oracles: the published figures
// (Caffe's AlexNet conv5 r 163, stride 16, pad 64 and pool5 195/32/64; VGG-16 pool5 212/32/90), hand-built
// two-branch graphs (one aligned, one that must be reported as not aligned), and a brute-force check on the
// torchvision architectures: the nonzero support of the input gradient of a one-hot seed at a unit lies inside
// the unit's computed region.
#include "compute/vis/receptive_field.hpp"
#include "compute/core/graph_builder.hpp"
#include "compute/core/net.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/ascent_setup.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"
#include "tests/support/torch_fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace deepvis;
using vis::ReceptiveField;

namespace {

struct Layers {
  GraphBuilder b;
  int cur = -1;
  int64_t channels = 0;
  int n = 0;

  Layers(int64_t c, int64_t size) : channels(c) { cur = b.input("data", {1, c, size, size}); }

  int conv(int64_t out, int64_t k, int64_t s, int64_t p, int64_t group = 1, int64_t d = 1) {
    const std::string name = "conv" + std::to_string(++n);
    const int w = b.constant(name + "_w", test::random_tensor({out, channels / group, k, k}, static_cast<uint32_t>(n)));
    ConvParams cp{{k, k}, {s, s}, {d, d}, {p, p}, {p, p}, group};
    cur = b.node(OpKind::Conv, cp, {cur, w}, name, name);
    channels = out;
    return cur;
  }
  int pool(int64_t k, int64_t s, int64_t p = 0, bool ceil = false) {
    PoolParams pp{{k, k}, {s, s}, {1, 1}, {p, p}, {p, p}, ceil, false};
    cur = b.node(OpKind::MaxPool, pp, {cur}, "pool" + std::to_string(++n));
    return cur;
  }
  int relu() { return cur = b.node(OpKind::Relu, {}, {cur}); }
  int lrn() { return cur = b.node(OpKind::Lrn, LrnParams{5, 1e-4f, 0.75f, 1.0f}, {cur}); }
};

void check_field(const ReceptiveField& f, int64_t size, int64_t stride, int64_t pad) {
  CHECK(f.kind == ReceptiveField::Kind::Spatial);
  CHECK(f.aligned);
  CHECK(f.y.size == size);
  CHECK(f.x.size == size);
  CHECK(f.y.stride == stride);
  CHECK(f.y.pad == pad);
  CHECK(f.x.pad == pad);
}

}  // namespace

TEST_CASE("receptive field: Caffe's AlexNet conv5 is 163/16/64 and pool5 195/32/64, as published") {
  Layers l(3, 227);
  l.conv(4, 11, 4, 0);
  l.relu();
  l.lrn();
  l.pool(3, 2);
  l.conv(4, 5, 1, 2, 2);
  l.relu();
  l.lrn();
  l.pool(3, 2);
  l.conv(4, 3, 1, 1);
  l.relu();
  l.conv(4, 3, 1, 1, 2);
  l.relu();
  const int conv5 = l.conv(4, 3, 1, 1, 2);
  l.relu();
  const int pool5 = l.pool(3, 2);
  const Graph g = l.b.build();
  const std::vector<ReceptiveField> f = vis::receptive_fields(g);
  check_field(f[static_cast<size_t>(conv5)], 163, 16, 64);
  check_field(f[static_cast<size_t>(pool5)], 195, 32, 64);
  CHECK(vis::describe(f[static_cast<size_t>(conv5)]) == "r 163, stride 16, pad 64");
  // Unit (2, 5) of conv5 covers input rows 2 * 16 - 64 .. + 162 and columns 5 * 16 - 64 .. + 162.
  CHECK(f[static_cast<size_t>(conv5)].rows(2).first == -32);
  CHECK(f[static_cast<size_t>(conv5)].rows(2).last == 130);
  CHECK(f[static_cast<size_t>(conv5)].cols(5).first == 16);
}

TEST_CASE("receptive field: VGG-16 pool5 is 212/32/90, as published") {
  Layers l(3, 224);
  int pool5 = -1;
  for (int convs : {2, 2, 3, 3, 3}) {
    for (int i = 0; i < convs; ++i) {
      l.conv(4, 3, 1, 1);
      l.relu();
    }
    pool5 = l.pool(2, 2);
  }
  check_field(vis::receptive_fields(l.b.build())[static_cast<size_t>(pool5)], 212, 32, 90);
}

TEST_CASE("receptive field: branches with one centre merge into the larger; another centre is not aligned") {
  {  // a 3x3 and a 1x1 branch, both centred on the unit: aligned, the 3x3's region
    Layers l(2, 16);
    const int in = l.cur;
    const int a = l.conv(2, 3, 1, 1);
    l.cur = in;
    l.channels = 2;
    const int b = l.conv(2, 1, 1, 0);
    const int sum = l.b.node(OpKind::Add, {}, {a, b}, "sum");
    const int cat = l.b.node(OpKind::Concat, ConcatParams{1}, {a, b}, "cat");
    const std::vector<ReceptiveField> f = vis::receptive_fields(l.b.build({sum, cat}));
    check_field(f[static_cast<size_t>(sum)], 3, 1, 1);
    check_field(f[static_cast<size_t>(cat)], 3, 1, 1);
  }
  {  // a 2x2 stride-2 branch (centre 0.5) beside a 1x1 stride-2 branch (centre 0): not aligned, named
    Layers l(2, 8);
    const int in = l.cur;
    const int a = l.conv(2, 2, 2, 0);
    l.cur = in;
    l.channels = 2;
    const int b = l.conv(2, 1, 2, 0);
    const int sum = l.b.node(OpKind::Add, {}, {a, b}, "misaligned_sum");
    const ReceptiveField f = vis::receptive_fields(l.b.build({sum}))[static_cast<size_t>(sum)];
    CHECK_FALSE(f.aligned);
    CHECK(f.note.find("misaligned_sum") != std::string::npos);
    CHECK(f.note.find("centre 0.5 and 0") != std::string::npos);
    CHECK(f.y.size == 2);  // the union of [0, 1] and [0, 0]
    CHECK(vis::describe(f).find("not aligned") != std::string::npos);
  }
}

TEST_CASE("receptive field: global pools and fully connected layers see everything; a transpose is unknown") {
  Layers l(2, 8);
  const int conv = l.conv(2, 3, 1, 1);
  const int gap = l.b.node(OpKind::GlobalAveragePool, {}, {conv}, "gap");
  const int t = l.b.node(OpKind::Transpose, TransposeParams{{0, 1, 3, 2}}, {conv}, "swap");
  const int after = l.b.node(OpKind::Relu, {}, {t}, "after_swap");
  const std::vector<ReceptiveField> f = vis::receptive_fields(l.b.build({gap, after}));
  CHECK(f[static_cast<size_t>(gap)].kind == ReceptiveField::Kind::Global);
  CHECK(f[static_cast<size_t>(after)].kind == ReceptiveField::Kind::Unknown);
  CHECK(f[static_cast<size_t>(after)].note.find("'swap' (Transpose)") != std::string::npos);
}

namespace {

// For a few spatial blobs of the model and two units each (the centre and the top-left), the input gradient of a
// one-hot seed at the unit: every pixel where it is nonzero must lie inside the unit's region. Returns how many
// (blob, unit) pairs had a nonzero gradient, so that a model whose checks were all vacuous is noticed.
int check_support(const std::string& name, const std::string& size) {
  const std::filesystem::path dir = test::torch_fixture(name, size, false);
  const Graph graph = import_onnx((dir / "model.onnx").string());
  const std::vector<ReceptiveField> fields = vis::receptive_fields(graph);
  std::vector<int> spatial;
  for (const Node& node : graph.nodes) {
    const Dims& d = graph.blobs[static_cast<size_t>(node.output)].dims;
    if (d.size() == 4 && d[2] > 1 && fields[static_cast<size_t>(node.output)].kind == ReceptiveField::Kind::Spatial) {
      spatial.push_back(node.output);
    }
  }
  REQUIRE_MESSAGE(!spatial.empty(), name);
  Net net(graph, make_cpu_backend());
  const Tensor input = test::random_tensor(net.input_dims(), 5);
  Gradients grads = net.make_gradients();
  const Dims& in_dims = net.input_dims();
  int nonzero = 0;
  double tightest = 0.0;
  const size_t picks = std::min<size_t>(5, spatial.size());
  for (size_t i = 0; i < picks; ++i) {
    const int blob = spatial[(i * (spatial.size() - 1)) / std::max<size_t>(1, picks - 1)];
    const Dims& d = graph.blobs[static_cast<size_t>(blob)].dims;
    const ReceptiveField& f = fields[static_cast<size_t>(blob)];
    net.forward(input, blob);
    for (const auto& [uy, ux] : {std::pair<int64_t, int64_t>{d[2] / 2, d[3] / 2}, {0, 0}}) {
      Tensor seed(d);
      seed.at(uy * d[3] + ux) = 1.0f;  // channel 0 of element 0
      net.backward_from(blob, seed, BackwardMode::Gradient, grads);
      const Tensor& g = grads.input();
      const vis::PixelRange rows = f.rows(uy), cols = f.cols(ux);
      bool any = false;
      int64_t outside = 0, top = in_dims[2], bottom = -1;
      for (int64_t c = 0; c < in_dims[1]; ++c) {
        for (int64_t y = 0; y < in_dims[2]; ++y) {
          for (int64_t x = 0; x < in_dims[3]; ++x) {
            if (g.at((c * in_dims[2] + y) * in_dims[3] + x) == 0.0f) continue;
            any = true;
            top = std::min(top, y);
            bottom = std::max(bottom, y);
            if (y < rows.first || y > rows.last || x < cols.first || x > cols.last) ++outside;
          }
        }
      }
      CHECK_MESSAGE(outside == 0, name << " " << graph.blobs[static_cast<size_t>(blob)].name << " unit (" << uy << ", "
                                       << ux << "): " << outside << " gradient entries outside " << vis::describe(f));
      nonzero += any ? 1 : 0;
      // How much of the region (clipped to the image) the support spans, for the tightest case: a region far too
      // large would pass the containment check without being right.
      const int64_t clipped = std::min(rows.last, in_dims[2] - 1) - std::max<int64_t>(rows.first, 0) + 1;
      if (any) tightest = std::max(tightest, static_cast<double>(bottom - top + 1) / static_cast<double>(clipped));
    }
  }
  MESSAGE(name << ": " << picks << " blobs, " << nonzero << " units with a nonzero gradient, all inside; the "
               << "support spans up to " << tightest << " of its region's rows");
  CHECK(tightest >= 0.9);
  return nonzero;
}

}  // namespace

TEST_CASE("receptive field: on torchvision's CNNs the one-hot gradient stays inside the region (1)") {
  for (const auto& [name, size] : std::vector<std::pair<std::string, std::string>>{{"squeezenet1_1", "64"},
                                                                                   {"mobilenet_v2", "64"},
                                                                                   {"resnet18", "64"},
                                                                                   {"googlenet", "64"},
                                                                                   {"densenet121", "64"},
                                                                                   {"alexnet", "224"},
                                                                                   {"vgg11_bn", "224"}}) {
    CAPTURE(name);
    CHECK(check_support(name, size) > 0);
  }
}

TEST_CASE("receptive field: on torchvision's CNNs the one-hot gradient stays inside the region (2)") {
  for (const auto& [name, size] : std::vector<std::pair<std::string, std::string>>{{"mobilenet_v3_small", "64"},
                                                                                   {"shufflenet_v2_x0_5", "64"},
                                                                                   {"mnasnet0_5", "64"},
                                                                                   {"efficientnet_b0", "64"},
                                                                                   {"regnet_y_400mf", "64"},
                                                                                   {"resnext50_32x4d", "64"},
                                                                                   {"inception_v3", "96"},
                                                                                   {"wide_resnet50_2", "64"},
                                                                                   {"mobilenet_v3_large", "64"},
                                                                                   {"convnext_tiny", "64"}}) {
    CAPTURE(name);
    CHECK(check_support(name, size) > 0);
  }
}

TEST_CASE("receptive field: deepvis info --receptive-fields lists each layer's, in text and JSON") {
  const std::string model = (test::torch_fixture("squeezenet1_1", "64", true) / "model.onnx").string();
  auto r = test::run_process({test::deepvis_binary(), "info", "--model", model, "--receptive-fields", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  const auto& layers = j["receptive_fields"];
  REQUIRE(layers.size() > 10);
  CHECK(layers[0]["op"] == "Conv");  // features.0: 3x3, stride 2, no padding
  CHECK(layers[0]["size"] == nlohmann::json({3, 3}));
  CHECK(layers[0]["stride"] == nlohmann::json({2, 2}));
  CHECK(layers[0]["pad"] == nlohmann::json({0, 0}));
  CHECK(layers[2]["op"] == "MaxPool");  // 3x3 / 2 after the ReLU: 3 + 2 * 2 = 7, stride 4
  CHECK(layers[2]["size"] == nlohmann::json({7, 7}));
  CHECK(layers.back()["kind"] == "global");
  r = test::run_process({test::deepvis_binary(), "info", "--model", model, "--receptive-fields"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("r 7, stride 4, pad 0") != std::string::npos);
  r = test::run_process({test::deepvis_binary(), "info", "--receptive-fields"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--receptive-fields needs --model") != std::string::npos);
}

TEST_CASE("receptive field: a conv unit's optimized image is cropped to its field, at the centre by default") {
  const std::string model = std::string(DEEPVIS_SOURCE_DIR) + "/tests/fixtures/preset_reference/model.onnx";
  Net net(import_onnx(model), make_cpu_backend());  // 39 x 39 input; conv2 9 x 9 with r 17, stride 4, pad 4
  vis::AscentParams p = vis::preset(3);
  p.push_layer = "conv2";
  p.push_units = {0};
  std::optional<vis::ImageCrop> crop = vis::ascent_unit_crop(net, p);
  REQUIRE(crop.has_value());
  CHECK(crop->y0 == 4 * 4 - 4);  // the centre unit (4, 4)
  CHECK(crop->height == 17);
  CHECK(crop->x0 == 12);
  p.push_y = 0;  // the corner: rows -4 .. 12, clipped to 0 .. 12
  p.push_x = 8;  // columns 28 .. 44, clipped to 28 .. 38
  crop = vis::ascent_unit_crop(net, p);
  REQUIRE(crop.has_value());
  CHECK(crop->y0 == 0);
  CHECK(crop->height == 13);
  CHECK(crop->x0 == 28);
  CHECK(crop->width == 11);
  p.push_y.reset();
  p.push_x.reset();
  p.push_layer = "fc";  // a fully connected unit sees the whole image: no crop
  CHECK_FALSE(vis::ascent_unit_crop(net, p).has_value());

  // deepvis optimize writes the crops beside the full images and records the field.
  test::TempDir dir;
  const auto r =
      test::run_process({test::deepvis_binary(), "optimize", "--model", model, "--device", "cpu", "--layer", "conv2",
                         "--unit", "3", "--preset", "3", "--max-iter", "3", "--out", dir.path("conv")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const cv::Mat full = cv::imread(dir.path("conv_best_X.png")), cropped = cv::imread(dir.path("conv_best_Xpm_rf.png"));
  CHECK(full.rows == 39);
  CHECK(cropped.rows == 17);
  CHECK(cropped.cols == 17);
  std::ifstream in(dir.path("conv_info.json"));
  const auto info = nlohmann::json::parse(in);
  CHECK(info["receptive_field"]["rows"] == nlohmann::json({12, 28}));
  const auto fc = test::run_process({test::deepvis_binary(), "optimize", "--model", model, "--device", "cpu", "--layer",
                                     "fc", "--unit", "3", "--max-iter", "2", "--out", dir.path("fc")});
  REQUIRE_MESSAGE(fc.exit_code == 0, fc.output);
  CHECK_FALSE(std::filesystem::exists(dir.path("fc_best_X_rf.png")));
}
