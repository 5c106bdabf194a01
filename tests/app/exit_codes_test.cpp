// One table of exit codes for the window and every subcommand (app/exit_codes.hpp, README.md): each code is held
// here to commands that must give it, and the mapping of error kinds to codes to run_guarded itself.
#include "app/exit_codes.hpp"
#include "app/commands/model_flags.hpp"
#include "compute/core/error.hpp"
#include "tests/support/headless_gui.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using deepvis::test::deepvis_binary;
using deepvis::test::ProcessResult;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
const std::string kNpyModel = std::string(DEEPVIS_SOURCE_DIR) + "/tests/fixtures/torch/squeezenet1_1_64/model.onnx";
const std::string kNpyInput = std::string(DEEPVIS_SOURCE_DIR) + "/tests/fixtures/torch/squeezenet1_1_64/input.npy";
const std::string kPhoto = std::string(DEEPVIS_SOURCE_DIR) + "/samples/photos/grace_hopper.jpg";
const std::string kVideo = std::string(DEEPVIS_SOURCE_DIR) + "/samples/sample_video.avi";
const std::string kLayer = "/conv1/Conv";

ProcessResult run_deepvis(std::vector<std::string> args, const std::string& env = "") {
  args.insert(args.begin(), deepvis_binary());
  return run_process(args, env);
}

void check_code(const ProcessResult& r, int code, const std::string& named) {
  INFO(r.output);
  CHECK(r.exit_code == code);
  CHECK(r.output.find(named) != std::string::npos);
}

// Whether --device cuda can run here: then the "no GPU" cases have nothing to refuse.
bool gpu_usable() {
  return run_deepvis({"forward", "--model", kNpyModel, "--input", kNpyInput, "--device", "cuda", "--json"}).exit_code ==
         0;
}

int guarded(const std::function<int()>& body) {
  return deepvis::app::run_guarded("test", body);
}

}  // namespace

TEST_CASE("exit codes: run_guarded maps each kind of error to its code, and anything unexpected to 1") {
  using namespace deepvis;
  using namespace deepvis::app;
  CHECK(guarded([] { return 0; }) == kExitOk);
  CHECK(guarded([]() -> int { throw CommandError(kExitBadModel, "m"); }) == 3);
  CHECK(guarded([]() -> int { throw OutputError("cannot write x"); }) == 6);
  CHECK(guarded([]() -> int { throw EnvironmentError("no display"); }) == 5);
  CHECK(guarded([]() -> int { throw Error("something else"); }) == 1);
  CHECK(guarded([]() -> int { throw std::logic_error("a bug"); }) == 1);
}

TEST_CASE("exit codes: --help and README.md show the same table as app/exit_codes.hpp") {
  const ProcessResult help = run_deepvis({"--help"});
  REQUIRE(help.exit_code == 0);
  CHECK(help.output.find(deepvis::app::exit_code_help()) != std::string::npos);
  std::ifstream readme(std::string(DEEPVIS_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << readme.rdbuf();
  const std::string rows[] = {
      "| 0 | ok |",        "| 1 | unexpected failure",      "| 2 | usage", "| 3 | bad model", "| 4 | bad input",
      "| 5 | environment", "| 6 | output cannot be written"};
  for (const std::string& row : rows) CHECK_MESSAGE(text.str().find(row) != std::string::npos, row);
}

TEST_CASE("exit codes: 2 for a bad flag, value or combination, in the window and the subcommands") {
  check_code(run_deepvis({"--width", "5", "--frames", "1"}), 2, "--width");
  check_code(run_deepvis({"--device", "quantum", "--frames", "1"}), 2, "--device");
  check_code(run_deepvis({"forward", "--model", kModel, "--input", kPhoto, "--no-such-flag"}), 2, "--no-such-flag");
  // bench --live refuses the flags it would ignore, and the plain bench refuses the live-only ones.
  for (const char* flag : {"--no-fusion", "--profile"}) {
    check_code(run_deepvis({"bench", "--live", "--model", kModel, "--input", kVideo, flag}), 2, flag);
  }
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--what", "step"}, {"--batch", "2"}, {"--iters", "3"}}) {
    std::vector<std::string> args = {"bench", "--live", "--model", kModel, "--input", kVideo};
    args.insert(args.end(), extra.begin(), extra.end());
    check_code(run_deepvis(args), 2, extra[0]);
  }
  check_code(run_deepvis({"bench", "--model", kModel, "--frames", "3"}), 2, "--frames");
  check_code(run_deepvis({"bench", "--model", kModel, "--backward", "deconv"}), 2, "--backward");
}

TEST_CASE("exit codes: 3 for a model that cannot be read, in the window and the subcommands") {
  TempDir dir;
  const std::string missing = dir.path("missing.onnx");
  check_code(run_deepvis({"--model", missing, "--frames", "1"}), 3, "missing.onnx");
  check_code(run_deepvis({"forward", "--model", missing, "--input", kPhoto}), 3, "missing.onnx");
  check_code(run_deepvis({"bench", "--live", "--model", missing, "--input", kVideo, "--frames", "1"}), 3,
             "missing.onnx");
}

TEST_CASE("exit codes: 4 for an input that cannot be read, in the window and the subcommands") {
  TempDir dir;
  const std::string missing = dir.path("missing.png");
  check_code(run_deepvis({"--input", missing, "--frames", "1"}), 4, "missing.png");
  check_code(run_deepvis({"forward", "--model", kModel, "--input", missing}), 4, "missing.png");
  check_code(
      run_deepvis({"render", "--model", kModel, "--layer", kLayer, "--input", missing, "--out", dir.path("g.png")}), 4,
      "missing.png");
}

TEST_CASE("exit codes: 5 when the machine lacks a display or a usable GPU") {
  const ProcessResult no_display = run_deepvis({"--frames", "1"}, "env -u DISPLAY -u WAYLAND_DISPLAY");
  check_code(no_display, 5, "no display");
  if (gpu_usable()) {
    MESSAGE("a GPU is usable here: --device cuda has nothing to refuse");
    return;
  }
  TempDir dir;
  check_code(run_deepvis({"--device", "cuda", "--frames", "1"}), 5, "--device cuda");
  check_code(run_deepvis({"forward", "--model", kModel, "--input", kPhoto, "--device", "cuda"}), 5, "--device cuda");
  check_code(run_deepvis({"bench", "--model", kModel, "--device", "cuda", "--iters", "1"}), 5, "--device cuda");
  check_code(
      run_deepvis({"bench", "--live", "--model", kModel, "--input", kVideo, "--frames", "1", "--device", "cuda"}), 5,
      "--device cuda");
  check_code(run_deepvis({"record", "--model", kModel, "--layer", kLayer, "--input", kVideo, "--out", dir.path("o.mp4"),
                          "--device", "cuda"}),
             5, "--device cuda");
  CHECK_FALSE(std::filesystem::exists(dir.path("o.mp4")));
}

TEST_CASE("exit codes: 6 when a result cannot be written, refused before the work where the path is known") {
  TempDir dir;
  const std::string nowhere = dir.path("no/folder/");
  check_code(run_deepvis({"backward", "--model", kNpyModel, "--input", kNpyInput, "--layer",
                          "/features/features.1/Relu_output_0", "--unit", "0", "--out", nowhere + "g.npy"}),
             6, "does not exist");
  check_code(
      run_deepvis({"render", "--model", kModel, "--layer", kLayer, "--input", kPhoto, "--out", nowhere + "g.png"}), 6,
      "does not exist");
  check_code(run_deepvis({"optimize", "--model", kModel, "--layer", "logits", "--unit", "0", "--max-iter", "2", "--out",
                          nowhere + "opt"}),
             6, "does not exist");
  // forward --out is a folder it creates: under a regular file it cannot.
  std::ofstream(dir.path("file")) << "x";
  check_code(run_deepvis({"forward", "--model", kModel, "--input", kPhoto, "--out", dir.path("file/blobs")}), 6,
             "cannot create");
  // The window's screenshot.
  check_code(run_deepvis({"--input", kPhoto, "--frames", "1", "--screenshot", nowhere + "s.png"},
                         std::getenv("DISPLAY") ? "" : "xvfb-run -a"),
             6, "cannot write");
}

TEST_CASE("exit codes: the window takes --device and --tf32, and its models compute where --device says") {
  TempDir dir;
  const auto run = deepvis::test::run_gui_screenshot({"--model", kModel, "--device", "cpu", "--tf32"}, dir, 1);
  INFO(run.process.output);
  REQUIRE(run.process.exit_code == 0);
  std::ifstream in(dir.path("screenshot.grid.json"));
  const nlohmann::json sidecar = nlohmann::json::parse(in);
  CHECK(sidecar.at("device") == "cpu");
  CHECK(sidecar.at("tf32") == true);
}
