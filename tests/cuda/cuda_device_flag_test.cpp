// --device through the deepvis binary in a CUDA build: cuda runs on the GPU or exits 2 with the reason; auto runs
// on the GPU when one is usable, else on the CPU with one note on stderr (none with --json). Runs with or without
// a GPU: the expectation follows what cuda::query_runtime() finds.
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/cuda/device_query.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

using deepvis::test::deepvis_binary;
using deepvis::test::run_process;

namespace {

namespace fs = std::filesystem;

// The build's paths, or, on the GPU machine (a bundle run from a copy of the checkout), the deepvis beside this
// test binary and the fixtures under the working directory.
std::string binary() {
  if (fs::exists(deepvis_binary())) return deepvis_binary();
  return (fs::read_symlink("/proc/self/exe").parent_path() / "deepvis").string();
}

std::string model() {
  const std::string rel = "tests/fixtures/torch/squeezenet1_1_64/model.onnx";
  const fs::path built = fs::path(DEEPVIS_SOURCE_DIR) / rel;
  return fs::exists(built) ? built.string() : (fs::current_path() / rel).string();
}

std::vector<std::string> bench(const std::string& device, bool json) {
  std::vector<std::string> args = {binary(), "bench",   "--model", model(),    "--device",
                                   device,   "--iters", "1",       "--warmup", "0"};
  if (json) args.push_back("--json");
  return args;
}

nlohmann::json last_json_line(const std::string& output) {
  const auto start = output.rfind('{');
  REQUIRE(start != std::string::npos);
  return nlohmann::json::parse(output.substr(start));
}

}  // namespace

TEST_CASE("cuda device flag: --device cuda runs on the GPU, or exits 5 naming why no GPU is usable") {
  const std::string problem = deepvis::cuda::query_runtime().problem;
  const auto r = run_process(bench("cuda", true));
  INFO(r.output);
  if (problem.empty()) {
    CHECK(r.exit_code == 0);
    CHECK(last_json_line(r.output)["device"] == "cuda");
  } else {
    CHECK(r.exit_code == 5);  // environment (app/exit_codes.hpp)
    CHECK(r.output.find("--device cuda: no usable GPU (" + problem + ")") != std::string::npos);
  }
}

TEST_CASE("cuda device flag: --device auto takes the GPU when usable, else the CPU with one note") {
  const std::string problem = deepvis::cuda::query_runtime().problem;
  const std::string note = "no usable GPU (" + problem + "); using the CPU\n";
  const auto text = run_process(bench("auto", false));
  INFO(text.output);
  CHECK(text.exit_code == 0);
  const auto json = run_process(bench("auto", true));
  INFO(json.output);
  REQUIRE(json.exit_code == 0);
  CHECK(json.output.find("no usable GPU") == std::string::npos);
  if (problem.empty()) {
    CHECK(text.output.find("on cuda") != std::string::npos);
    CHECK(last_json_line(json.output)["device"] == "cuda");
  } else {
    const auto at = text.output.find(note);
    CHECK(at != std::string::npos);
    CHECK(text.output.find(note, at + 1) == std::string::npos);  // once
    CHECK(text.output.find("on cpu") != std::string::npos);
    CHECK(last_json_line(json.output)["device"] == "cpu");
  }
  const auto cpu = run_process(bench("cpu", false));
  CHECK(cpu.exit_code == 0);
  CHECK(cpu.output.find("no usable GPU") == std::string::npos);
}

// `deepvis record` loads its model through the engine: --device reaches it as it reaches every other subcommand.
TEST_CASE("cuda device flag: deepvis record takes --device, and --device cuda without a GPU names why") {
  const std::string problem = deepvis::cuda::query_runtime().problem;
  const fs::path photo = fs::path(DEEPVIS_SOURCE_DIR) / "samples/photos/chelsea.png";
  REQUIRE(fs::exists(photo));
  deepvis::test::TempDir dir;
  const auto record = [&](const std::string& device, const std::string& out) {
    return run_process({binary(), "record", "--model", model(), "--input", photo.string(), "--layer",
                        "/features/features.1/Relu_output_0", "--device", device, "--codec", "mjpg", "--out",
                        dir.path(out)});
  };
  const auto cpu = record("cpu", "cpu.avi");
  INFO(cpu.output);
  CHECK(cpu.exit_code == 0);
  CHECK(fs::exists(dir.path("cpu.avi")));
  const auto cuda = record("cuda", "cuda.avi");
  INFO(cuda.output);
  if (problem.empty()) {
    CHECK(cuda.exit_code == 0);
  } else {
    CHECK(cuda.exit_code != 0);
    CHECK(cuda.output.find("--device cuda: no usable GPU (" + problem + ")") != std::string::npos);
  }
}

#endif  // DEEPVIS_HAVE_CUDA
