// The model subcommands end to end, through the deepvis binary, against the committed PyTorch fixture.
#include "compute/core/net.hpp"
#include "compute/io/npy.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using deepvis::read_npy;
using deepvis::Tensor;
using deepvis::test::deepvis_binary;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

const std::string kFixture = std::string(DEEPVIS_SOURCE_DIR) + "/tests/fixtures/torch/squeezenet1_1_64/";
const std::string kModel = kFixture + "model.onnx";
const std::string kInput = kFixture + "input.npy";

std::string stdout_json(const std::vector<std::string>& args) {
  auto r = run_process(args, "");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto start = r.output.find('{');
  REQUIRE(start != std::string::npos);
  return r.output.substr(start);
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("cli-model: info lists the layers, and --json has inputs, outputs and layers in execution order") {
  const auto text = run_process({deepvis_binary(), "info", "--model", kModel});
  CHECK(text.exit_code == 0);
  CHECK(text.output.find("/features/features.0/Conv_output_0") != std::string::npos);
  CHECK(text.output.find("1x64x31x31") != std::string::npos);
  CHECK(text.output.find("1792") != std::string::npos);  // conv1: 64*3*3*3 + 64 parameters

  const auto j = nlohmann::json::parse(stdout_json({deepvis_binary(), "info", "--model", kModel, "--json"}));
  CHECK(j["inputs"][0]["shape"] == nlohmann::json({1, 3, 64, 64}));
  CHECK(j["outputs"][0]["name"] == "logits");
  REQUIRE(j["layers"].size() > 20);
  CHECK(j["layers"][0]["op"] == "Conv");
  CHECK(j["layers"][0]["param_count"] == 1792);
  CHECK(j["layers"].back()["name"] == "logits");
  for (const auto& layer : j["layers"]) {
    CHECK(layer.contains("name"));
    CHECK(layer.contains("shape"));
    CHECK(layer.contains("params"));
  }
}

TEST_CASE("cli-model: info --ops lists the supported ops") {
  const auto r = run_process({deepvis_binary(), "info", "--ops"});
  CHECK(r.exit_code == 0);
  for (const char* op : {"Conv", "LRN", "BatchNormalization", "Gemm", "Dropout", "Softmax", "Pad"}) {
    CHECK_MESSAGE(r.output.find(std::string("  ") + op + "\n") != std::string::npos, op);
  }
}

TEST_CASE("cli-model: forward writes every blob as .npy and the output matches PyTorch") {
  TempDir dir;
  const auto r = run_process({deepvis_binary(), "forward", "--model", kModel, "--input", kInput, "--layers", "all",
                              "--out", dir.path("blobs")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("top-5") != std::string::npos);
  const Tensor logits = read_npy(dir.path("blobs/logits.npy"));
  CHECK(deepvis::test::max_relative_error(logits, read_npy(kFixture + "output.npy")) <= 1e-4);
  // Unsafe characters in blob names become '_'.
  CHECK(std::filesystem::exists(dir.path("blobs/_features_features.0_Conv_output_0.npy")));
  CHECK(read_npy(dir.path("blobs/_features_features.0_Conv_output_0.npy")).dims() == deepvis::Dims{1, 64, 31, 31});
}

TEST_CASE("cli-model: backward --seed one matches PyTorch's input signal in each mode") {
  TempDir dir;
  for (const char* mode : {"gradient", "deconv", "guided"}) {
    const std::string out = dir.path(std::string(mode) + ".npy");
    const auto r = run_process({deepvis_binary(), "backward", "--model", kModel, "--input", kInput, "--layer", "logits",
                                "--unit", "3", "--seed", "one", "--mode", mode, "--out", out, "--png",
                                dir.path(std::string(mode) + ".png")});
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    const Tensor expected = read_npy(kFixture + "grad_" + mode + ".npy");
    CHECK_MESSAGE(deepvis::test::max_relative_error(read_npy(out), expected) <= 1e-4, mode);
    const cv::Mat png = cv::imread(dir.path(std::string(mode) + ".png"));
    CHECK(png.cols == 64);
    CHECK(png.rows == 64);
  }
}

TEST_CASE("cli-model: backward --seed activation seeds the channel with its own map") {
  TempDir dir;
  const std::string layer = "/features/features.1/Relu_output_0";
  const auto r = run_process({deepvis_binary(), "backward", "--model", kModel, "--input", kInput, "--layer", layer,
                              "--unit", "5", "--mode", "gradient", "--out", dir.path("act.npy")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto r1 = run_process({deepvis_binary(), "backward", "--model", kModel, "--input", kInput, "--layer", layer,
                               "--unit", "5", "--seed", "one", "--mode", "gradient", "--out", dir.path("one.npy")});
  REQUIRE(r1.exit_code == 0);
  // Different seeds, different results; the activation seed is the map itself, so the two are not proportional.
  CHECK(deepvis::test::max_relative_error(read_npy(dir.path("act.npy")), read_npy(dir.path("one.npy"))) > 1e-2);

  // The oracle: the naive reference backend, seeded by hand with channel 5's own map, every other channel zero.
  using namespace deepvis;
  Net net(import_onnx(kModel), make_reference_backend());
  const int blob = net.blob_id(layer);
  net.forward(read_npy(kInput), blob);
  const Tensor& act = net.blob(blob);
  Tensor seed(act.dims());
  const int64_t plane = act.dim(2) * act.dim(3);
  for (int64_t i = 5 * plane; i < 6 * plane; ++i) seed.at(i) = act.at(i);
  Gradients grads = net.make_gradients();
  net.backward_from(blob, seed, BackwardMode::Gradient, grads);
  const double err = test::max_relative_error(read_npy(dir.path("act.npy")), grads.input());
  CHECK_MESSAGE(err <= 1e-5, "--seed activation against backward_from seeded with the map: " << err);
}

TEST_CASE("cli-model: bench --json reports median, min and max") {
  const auto j = nlohmann::json::parse(
      stdout_json({deepvis_binary(), "bench", "--model", kModel, "--what", "step", "--iters", "3", "--json"}));
  CHECK(j["median_ms"].get<double>() > 0);
  CHECK(j["min_ms"].get<double>() <= j["median_ms"].get<double>());
  CHECK(j["max_ms"].get<double>() >= j["median_ms"].get<double>());
}

TEST_CASE("cli-model: bench --profile totals each op over all its nodes") {
  const auto info = nlohmann::json::parse(stdout_json({deepvis_binary(), "info", "--model", kModel, "--json"}));
  std::map<std::string, int> want;  // nodes per op, from info
  for (const auto& layer : info["layers"]) ++want[layer["op"].get<std::string>()];
  const auto r = run_process(
      {deepvis_binary(), "bench", "--model", kModel, "--what", "step", "--iters", "2", "--warmup", "1", "--profile"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const size_t section = r.output.find("op (all its nodes)");
  REQUIRE(section != std::string::npos);
  std::istringstream rows(r.output.substr(section));
  std::string line;
  std::getline(rows, line);  // the header
  std::map<std::string, int> got;
  double shares = 0;
  while (std::getline(rows, line)) {
    std::istringstream row(line);
    std::string op;
    double nodes = 0, fwd = 0, bwd = 0;
    std::string share;
    if (!(row >> op >> nodes >> fwd >> bwd >> share)) break;  // the last line is bench's summary
    got[op] = static_cast<int>(nodes);
    shares += std::stod(share);
  }
  CHECK(got == want);
  CHECK(shares == doctest::Approx(100.0).epsilon(0.01));
  // Each of SqueezeNet's 8 fire modules feeds its squeeze output to two convolutions; the second one's
  // contribution goes through scratch on the CPU (oneDNN's backward-data cannot add in place).
  CHECK(r.output.find("last backward: 8 gradient contributions went through scratch") != std::string::npos);
}

TEST_CASE("cli-model: bad models exit 3 naming the file") {
  TempDir dir;
  write_file(dir.path("garbage.onnx"), "this is not a protobuf at all \x01\x02\x03");
  std::ifstream in(kModel, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_file(dir.path("truncated.onnx"), bytes.substr(0, bytes.size() / 2));
  for (const char* name : {"garbage.onnx", "truncated.onnx", "missing.onnx"}) {
    const auto r = run_process({deepvis_binary(), "forward", "--model", dir.path(name), "--input", kInput});
    CHECK_MESSAGE(r.exit_code == 3, name << ": " << r.output);
    CHECK_MESSAGE(r.output.find(name) != std::string::npos, r.output);
  }
}

TEST_CASE("cli-model: bad inputs exit 4 with the problem named") {
  TempDir dir;
  write_file(dir.path("corrupt.png"), "\x89PNG\r\n\x1a\n broken");
  deepvis::write_npy(dir.path("wrong.npy"), Tensor({1, 3, 32, 32}));
  const std::pair<std::string, std::string> cases[] = {{dir.path("corrupt.png"), "not a decodable image"},
                                                       {dir.path("nothere.jpg"), "not found"},
                                                       {dir.path("wrong.npy"), "1x3x32x32"}};
  for (const auto& c : cases) {
    const std::string& input = c.first;  // named, not a structured binding: doctest's macros capture it
    const std::string& message = c.second;
    const auto r = run_process({deepvis_binary(), "forward", "--model", kModel, "--input", input});
    CHECK_MESSAGE(r.exit_code == 4, input << ": " << r.output);
    CHECK_MESSAGE(r.output.find(message) != std::string::npos, r.output);
  }
}

TEST_CASE("cli-model: a nonexistent layer or unit is a usage error (exit 2)") {
  TempDir dir;
  const auto no_layer = run_process({deepvis_binary(), "backward", "--model", kModel, "--input", kInput, "--layer",
                                     "conv99", "--unit", "0", "--out", dir.path("x.npy")});
  CHECK(no_layer.exit_code == 2);
  CHECK(no_layer.output.find("no layer named 'conv99'") != std::string::npos);
  const auto no_unit = run_process({deepvis_binary(), "backward", "--model", kModel, "--input", kInput, "--layer",
                                    "logits", "--unit", "1000", "--out", dir.path("x.npy")});
  CHECK(no_unit.exit_code == 2);
  CHECK(no_unit.output.find("has no unit 1000") != std::string::npos);
  const auto bad_spec = run_process({deepvis_binary(), "backward", "--model", kModel, "--input", kInput, "--layer",
                                     "logits", "--unit", "3:x", "--out", dir.path("x.npy")});
  CHECK(bad_spec.exit_code == 2);
  CHECK(!std::filesystem::exists(dir.path("x.npy")));  // nothing half-written
}

TEST_CASE("cli-model: --labels overrides the card's labels, and a count mismatch is a bad model (exit 3)") {
  TempDir dir;
  const std::string fashion = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
  deepvis::write_npy(dir.path("zeros.npy"), Tensor({1, 1, 28, 28}));
  {
    std::ofstream labels(dir.path("ten.txt"));
    for (int i = 0; i < 10; ++i) labels << "mylabel" << i << "\n";
  }
  const auto r = run_process({deepvis_binary(), "forward", "--model", fashion, "--input", dir.path("zeros.npy"),
                              "--labels", dir.path("ten.txt")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("mylabel") != std::string::npos);
  CHECK(r.output.find("Trouser") == std::string::npos);
  std::ofstream(dir.path("three.txt")) << "a\nb\nc\n";
  const auto bad = run_process({deepvis_binary(), "forward", "--model", fashion, "--input", dir.path("zeros.npy"),
                                "--labels", dir.path("three.txt")});
  CHECK(bad.exit_code == 3);
  CHECK(bad.output.find("3 labels") != std::string::npos);
}
