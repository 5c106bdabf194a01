// Every key press counts, however slowly the window draws: GLFW's key callback queues each press and the frame
// applies them all through the key table (app/ui/key_events.hpp). Three presses of `o` that arrive between the
// same two frames move three layers, as they would a frame apart; a held key repeats at the system's rate.
#include "app/ui/key_events.hpp"
#include "tests/support/headless_gui.hpp"
#include "tests/support/process.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

using namespace deepvis;
using app::KeyAction;
using app::KeyEvent;

TEST_CASE("keys: every queued event fires its binding, repeats only where the binding repeats") {
  app::Commands c;
  const KeyEvent o{GLFW_KEY_O, false, KeyAction::Press};
  CHECK(app::apply_key_events({o, o, o}, c) == 3);
  CHECK(c.layer_step == 3);
  app::Commands held;
  app::apply_key_events({{GLFW_KEY_RIGHT, false, KeyAction::Press},
                         {GLFW_KEY_RIGHT, false, KeyAction::Repeat},
                         {GLFW_KEY_RIGHT, false, KeyAction::Repeat}},
                        held);
  CHECK(held.unit_dx == 3);  // the system's auto-repeat moves the cursor
  app::Commands toggles;
  CHECK(app::apply_key_events({{GLFW_KEY_F, false, KeyAction::Press}, {GLFW_KEY_F, false, KeyAction::Repeat}},
                              toggles) == 1);  // a held toggle does not repeat
  CHECK(toggles.toggle_freeze);
  app::apply_key_events({{GLFW_KEY_F, false, KeyAction::Press}}, toggles);  // pressed again before the frame
  CHECK_FALSE(toggles.toggle_freeze);                                       // the two presses cancel
  app::Commands ctrl;
  app::apply_key_events({{GLFW_KEY_O, true, KeyAction::Press}}, ctrl);
  CHECK(ctrl.show_open_dialog);
  CHECK(ctrl.layer_step == 0);  // Ctrl+O opens, it does not step
  CHECK(app::apply_key_events({{GLFW_KEY_F12, false, KeyAction::Press}}, ctrl) == 0);
}

TEST_CASE("keys: three presses of o between two frames of the window move three layers") {
  const std::string model = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
  auto layer_after = [&](const std::string& keys) {
    test::TempDir dir;
    std::vector<std::string> args = {"--model", model};
    if (!keys.empty()) args.insert(args.end(), {"--press", keys});
    const auto run = test::run_gui_screenshot(args, dir, 20);
    INFO(run.process.output);
    REQUIRE(run.process.exit_code == 0);
    std::ifstream in(dir.path("screenshot.grid.json"));
    REQUIRE(in.good());
    return nlohmann::json::parse(in)["layer"].get<std::string>();
  };
  CHECK(layer_after("") == "/bn1/BatchNormalization_output_0");
  CHECK(layer_after("o") == "/relu1/Relu_output_0");
  CHECK(layer_after("o,o,o") == "/lrn1/LRN_output_0");
  CHECK(layer_after("o,o,o,u") == "/pool1/MaxPool_output_0");
}
