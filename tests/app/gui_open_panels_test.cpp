// --open PANEL opens panels at start, in scripted runs too (where the per-unit pane starts closed), and says in
// the screenshot's sidecar which are open; an unknown panel is a usage error.
#include "tests/support/headless_gui.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

using namespace deepvis;

namespace {
const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";

nlohmann::json sidecar_of(const std::vector<std::string>& args) {
  test::TempDir dir;
  const auto run = test::run_gui_screenshot(args, dir);
  INFO(run.process.output);
  REQUIRE(run.process.exit_code == 0);
  std::ifstream in(dir.path("screenshot.grid.json"));
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}
}  // namespace

TEST_CASE("gui: --open opens the optimization panel, the per-unit pane and the gallery at start") {
  const nlohmann::json closed = sidecar_of({"--model", kModel});
  CHECK(closed["panels"]["optimization"] == false);
  CHECK(closed["panels"]["unit_optimized"] == false);  // scripted runs start with it closed
  CHECK(closed["panels"]["gallery"] == false);
  const nlohmann::json open =
      sidecar_of({"--model", kModel, "--open", "optimization,unit-optimized", "--open", "gallery"});
  INFO(open.dump());
  CHECK(open["panels"]["optimization"] == true);
  CHECK(open["panels"]["unit_optimized"] == true);
  CHECK(open["panels"]["gallery"] == true);
  CHECK(open["error"] == "");
  CHECK(open["optimizer"]["error"] == "");
}

TEST_CASE("gui: --open with an unknown panel is a usage error naming the choices") {
  const auto run = test::run_process({test::deepvis_binary(), "--open", "histogram"});
  CHECK(run.exit_code == 2);
  CHECK(run.output.find("optimization") != std::string::npos);
}
