// `deepvis optimize` with the options beyond the paper, through the binary: the flags parse and land in
// info.json's params, and contradictory flags exit 2 with the reason.
#include "compute/io/npy.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using deepvis::Tensor;
using deepvis::test::deepvis_binary;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/tests/fixtures/torch/squeezenet1_1_64/model.onnx";
const std::string kGrayModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
const std::string kLayer = "/features/features.0/Conv_output_0";  // 64 channels of 31 x 31

std::vector<std::string> optimize_args(const std::string& out, std::vector<std::string> extra) {
  std::vector<std::string> args = {deepvis_binary(), "optimize",   "--model", kModel,  "--layer",
                                   kLayer,           "--max-iter", "3",       "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), path);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("cli-optimize: the paper's run records the default options") {
  TempDir dir;
  const auto r = run_process(optimize_args(dir.path("run"), {"--unit", "3", "--preset", "3"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto params = read_json(dir.path("run_info.json"))["params"];
  CHECK(params["objective"] == "neuron");
  CHECK(params["param"] == "pixel");
  CHECK(params["optimizer"] == "sgd");
  CHECK(params["transforms"]["jitter"] == 0);
  CHECK(params["transforms"]["scale_range"] == nlohmann::json({1.0, 1.0}));
  CHECK_FALSE(params.contains("adam"));
  CHECK_FALSE(params.contains("diversity_weight"));
}

TEST_CASE("cli-optimize: transforms, fft and adam flags parse and land in info.json") {
  TempDir dir;
  const auto r = run_process(optimize_args(
      dir.path("run"), {"--unit",        "3",       "--objective", "channel", "--jitter", "2",   "--pad",       "1",
                        "--scale-range", "0.9,1.1", "--rotate",    "5",       "--param",  "fft", "--optimizer", "adam",
                        "--beta1",       "0.8",     "--beta2",     "0.99",    "--lr",     "0.05"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto j = read_json(dir.path("run_info.json"));
  const auto& params = j["params"];
  CHECK(params["objective"] == "channel");
  CHECK(params["transforms"]["jitter"] == 2);
  CHECK(params["transforms"]["pad"] == 1);
  CHECK(params["transforms"]["scale_range"] == nlohmann::json({0.9, 1.1}));
  CHECK(params["transforms"]["rotate_deg"] == 5.0);
  CHECK(params["param"] == "fft");
  CHECK(params["optimizer"] == "adam");
  CHECK(params["adam"]["beta1"] == 0.8);
  CHECK(params["adam"]["beta2"] == 0.99);
  CHECK(params["lr_params"]["lr"] == 0.05);
  CHECK(j["results"]["obj"].size() == 3);
  CHECK(j["results"]["failure"].is_null());
}

TEST_CASE("cli-optimize: direction reads a .npy, diversity over a repeated unit names files per element") {
  TempDir dir;
  std::vector<float> weights(64, 0.0f);
  weights[3] = 3.0f;
  weights[10] = -4.0f;
  deepvis::write_npy(dir.path("d.npy"), Tensor({64}, weights));
  auto r = run_process(
      optimize_args(dir.path("dir"), {"--unit", "3", "--objective", "direction", "--direction", dir.path("d.npy")}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto params = read_json(dir.path("dir_info.json"))["params"];
  CHECK(params["objective"] == "direction");
  CHECK(params["direction_file"] == dir.path("d.npy"));
  CHECK(params["direction_norm"] == doctest::Approx(5.0));

  r = run_process(
      optimize_args(dir.path("div"), {"--units", "3,3", "--objective", "diversity", "--diversity-weight", "50"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  for (const char* name : {"div_elem00_unit0003_info.json", "div_elem01_unit0003_info.json"}) {
    const auto info = read_json(dir.path(name));
    CHECK(info["params"]["objective"] == "diversity");
    CHECK(info["params"]["diversity_weight"] == 50.0);
  }
  CHECK(std::filesystem::exists(dir.path("div_elem01_unit0003_best_X.png")));
}

TEST_CASE("cli-optimize: contradictory or mismatched options exit 2 with the reason") {
  TempDir dir;
  std::vector<float> ten(10, 1.0f);
  deepvis::write_npy(dir.path("ten.npy"), Tensor({10}, ten));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--unit", "3", "--diversity-weight", "5"}, "--diversity-weight needs --objective diversity"},
      {{"--unit", "3", "--objective", "diversity"}, "at least 2 units"},
      {{"--unit", "3", "--beta1", "0.5"}, "need --optimizer adam"},
      {{"--unit", "3", "--optimizer", "adam", "--lr-policy", "progress"}, "constant --lr"},
      {{"--unit", "3", "--objective", "direction"}, "needs a direction vector"},
      {{"--unit", "3", "--objective", "direction", "--direction", dir.path("ten.npy")}, "has 64 channels"},
      {{"--unit", "3", "--direction", dir.path("ten.npy")}, "needs --objective direction"},
      {{"--unit", "3", "--scale-range", "big"}, "--scale-range 'big'"},
      {{"--unit", "3", "--scale-range", "1.2,1.1"}, "scale range"},
      {{"--unit", "3", "--jitter", "-1"}, "jitter must be non-negative"},
  };
  for (const auto& [extra, message] : cases) {
    CAPTURE(message);
    const auto r = run_process(optimize_args(dir.path("bad"), extra));
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.output.find(message) != std::string::npos, r.output);
  }
  const auto gray = run_process({deepvis_binary(), "optimize", "--model", kGrayModel, "--layer", "logits", "--unit",
                                 "0", "--max-iter", "2", "--param", "fft", "--out", dir.path("gray")});
  CHECK(gray.exit_code == 2);
  CHECK_MESSAGE(gray.output.find("needs a 3-channel model") != std::string::npos, gray.output);
  const auto missing = run_process(optimize_args(
      dir.path("bad"), {"--unit", "3", "--objective", "direction", "--direction", dir.path("missing.npy")}));
  CHECK(missing.exit_code == 4);
  CHECK(missing.output.find("missing.npy") != std::string::npos);
}

TEST_CASE("cli-optimize: --transforms takes an ordered list, lands in info.json, and excludes the four flags") {
  TempDir dir;
  const auto r = run_process(optimize_args(
      dir.path("run"), {"--unit", "3", "--transforms", "pad:4,jitter:2,scale:0.9:1.1,rotate:5,jitter:1"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto params = read_json(dir.path("run_info.json"))["params"];
  const auto& list = params["transform_list"];
  REQUIRE(list.size() == 5);
  CHECK(list[0] == nlohmann::json({{"kind", "pad"}, {"pixels", 4}}));
  CHECK(list[2] == nlohmann::json({{"kind", "scale"}, {"range", {0.9, 1.1}}}));
  CHECK(list[3] == nlohmann::json({{"kind", "rotate"}, {"deg", 5.0}}));
  CHECK(list[4] == nlohmann::json({{"kind", "jitter"}, {"pixels", 1}}));
  CHECK(params["transforms"]["jitter"] == 0);  // the four fields stay at their defaults

  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--transforms", "jitter:2", "--jitter", "2"}, "not both"},
      {{"--transforms", "jitter:2,,pad:1"}, "an empty entry"},
      {{"--transforms", "shear:2"}, "transform 'shear:2': expected"},
      {{"--transforms", "jitter:1.5"}, "whole pixels"},
      {{"--transforms", "scale:1.2:1.1"}, "transform 1 (scale): the range must be"},
      {{"--transforms", "jitter:1,rotate:200"}, "transform 2 (rotate)"},
  };
  for (const auto& [extra, message] : bad) {
    CAPTURE(message);
    std::vector<std::string> args = {"--unit", "3"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto out = run_process(optimize_args(dir.path("bad"), args));
    CHECK(out.exit_code == 2);
    CHECK_MESSAGE(out.output.find(message) != std::string::npos, out.output);
  }
}
