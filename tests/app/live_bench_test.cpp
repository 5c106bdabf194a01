// `deepvis bench --live`: the per-stage table and JSON over the sample video, checked for the bookkeeping a wrong
// program gets wrong (stages that do not add up, frame counts, the frame size), and the errors for a missing input
// or model. No timing is asserted.
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>

using deepvis::test::deepvis_binary;
using deepvis::test::run_process;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
const std::string kVideo = std::string(DEEPVIS_SOURCE_DIR) + "/samples/sample_video.avi";

// The one line of the output that is a JSON object (OpenCV may log on stderr around it).
nlohmann::json json_line(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.front() == '{') return nlohmann::json::parse(line);
  }
  FAIL("no JSON line in: " << output);
  return {};
}

double mean_ms(const nlohmann::json& j, const char* stage) {
  return j.at("stages").at(stage).at("mean_ms").get<double>();
}

}  // namespace

TEST_CASE("live: bench --live times every stage of the pipeline and the stages add up") {
  REQUIRE_MESSAGE(std::filesystem::exists(kVideo), "run scripts/make-samples first");
  const auto r = run_process({deepvis_binary(), "bench", "--live", "--model", kModel, "--input", kVideo, "--frames",
                              "40", "--warmup", "2", "--backward", "guided", "--json"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = json_line(r.output);
  CHECK(j.at("frames") == 40);
  CHECK(j.at("backward") == "guided");
  CHECK(j.at("input_size") == "640x480");  // the sample video's frames (scripts/make-samples)
  // CI and this machine have Mesa's headless EGL, so the texture stage is there, on the host path (not NVIDIA).
  CHECK(j.at("texture_path") == "host atlas, PBO upload");
  for (const char* stage : {"capture", "preprocess", "forward", "backward", "grid (engine side)", "engine total",
                            "texture update", "frame (capture to texture)"}) {
    INFO(stage);
    const nlohmann::json& s = j.at("stages").at(stage);
    CHECK(s.at("mean_ms").get<double>() > 0.0);
    CHECK(s.at("median_ms").get<double>() <= s.at("max_ms").get<double>());
    CHECK(s.at("mean_ms").get<double>() <= s.at("max_ms").get<double>());
  }
  // The engine's total encloses its four stages; a frame is its capture, the engine's work and the texture update.
  const double stages =
      mean_ms(j, "preprocess") + mean_ms(j, "forward") + mean_ms(j, "backward") + mean_ms(j, "grid (engine side)");
  CHECK(mean_ms(j, "engine total") >= stages * 0.999);
  CHECK(mean_ms(j, "frame (capture to texture)") >=
        (mean_ms(j, "capture") + mean_ms(j, "engine total") + mean_ms(j, "texture update")) * 0.999);
  // fps counts the timed frames over their summed time: the reciprocal of the mean frame time.
  CHECK(j.at("fps").get<double>() == doctest::Approx(1000.0 / mean_ms(j, "frame (capture to texture)")).epsilon(1e-6));
  CHECK(j.at("engine_fps").get<double>() == doctest::Approx(1000.0 / mean_ms(j, "engine total")).epsilon(1e-6));
}

TEST_CASE("live: bench --live prints a table with a row per stage") {
  const auto r = run_process({deepvis_binary(), "bench", "--live", "--model", kModel, "--input", kVideo, "--frames",
                              "10", "--warmup", "1", "--backward", "off"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* row :
       {"capture", "preprocess", "forward", "backward", "grid (engine side)", "engine total", "texture update"}) {
    CHECK(r.output.find(std::string("\n") + row + " ") != std::string::npos);
  }
  CHECK(r.output.find("10 frames after 1 warm-up") != std::string::npos);
}

TEST_CASE("live: bench --live computes where --device says") {
  const auto cpu = run_process({deepvis_binary(), "bench", "--live", "--model", kModel, "--input", kVideo, "--frames",
                                "3", "--warmup", "0", "--device", "cpu", "--json"});
  INFO(cpu.output);
  REQUIRE(cpu.exit_code == 0);
  CHECK(json_line(cpu.output).at("device") == "cpu");
  const auto cuda = run_process({deepvis_binary(), "bench", "--live", "--model", kModel, "--input", kVideo, "--frames",
                                 "3", "--warmup", "0", "--device", "cuda", "--json"});
  INFO(cuda.output);
  if (cuda.exit_code == 0) {
    CHECK(json_line(cuda.output).at("device") == "cuda");  // a machine with a GPU
  } else {
    CHECK(cuda.exit_code == 5);  // environment: no usable GPU, as in every other command
    const size_t first = cuda.output.find("no usable GPU");
    REQUIRE(first != std::string::npos);
    CHECK(cuda.output.find("no usable GPU", first + 1) == std::string::npos);  // said once
  }
}

TEST_CASE("live: bench --live names a missing input or model and exits with their codes") {
  const auto no_input = run_process(
      {deepvis_binary(), "bench", "--live", "--model", kModel, "--input", "/nonexistent/clip.avi", "--frames", "3"});
  CHECK(no_input.exit_code == 4);
  CHECK(no_input.output.find("/nonexistent/clip.avi") != std::string::npos);
  const auto no_model = run_process(
      {deepvis_binary(), "bench", "--live", "--model", "/nonexistent/net.onnx", "--input", kVideo, "--frames", "3"});
  CHECK(no_model.exit_code == 3);
  CHECK(no_model.output.find("/nonexistent/net.onnx") != std::string::npos);
}
