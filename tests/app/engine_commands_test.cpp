// The key table and what commands do to the AppState and send to the engine and capture threads, without pixels.
#include "app/gui/apply_commands.hpp"
#include "app/ui/key_bindings.hpp"

#include <doctest/doctest.h>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <variant>

using namespace deepvis;
using namespace deepvis::app;

namespace {

Commands press(int key, bool ctrl = false) {
  Commands c;
  REQUIRE_MESSAGE(commands_for_key({key, ctrl}, c), "key " << key << " is not bound");
  return c;
}

// An engine snapshot with a model of two layers: "conv" with 10 channels (a 4-column grid) and "fc" with 5 units.
EngineSnapshot fake_engine(uint64_t generation = 1) {
  auto model = std::make_shared<ModelInfo>();
  model->generation = generation;
  model->stem = "net";
  model->layers = {{"conv", {1, 10, 8, 8}, "Conv"}, {"fc", {1, 5}, "Gemm"}};
  model->default_layer = "conv";
  EngineSnapshot e;
  e.model = model;
  e.settings.layer = "conv";
  return e;
}

AppState state_on(const std::string& layer, int unit) {
  AppState s;
  s.layer = layer;
  s.unit = unit;
  return s;
}

template <class T>
const T* find_command(const std::vector<EngineCommand>& commands) {
  const T* found = nullptr;
  for (const EngineCommand& c : commands) {
    if (const T* t = std::get_if<T>(&c)) found = t;  // the last one wins, as in the engine
  }
  return found;
}

}  // namespace

TEST_CASE("engine: the spec's keys map to their commands") {
  CHECK(press(GLFW_KEY_LEFT).unit_dx == -1);
  CHECK(press(GLFW_KEY_J).unit_dx == -1);
  CHECK(press(GLFW_KEY_RIGHT).unit_dx == 1);
  CHECK(press(GLFW_KEY_L).unit_dx == 1);
  CHECK(press(GLFW_KEY_UP).unit_dy == -1);
  CHECK(press(GLFW_KEY_I).unit_dy == -1);
  CHECK(press(GLFW_KEY_DOWN).unit_dy == 1);
  CHECK(press(GLFW_KEY_K).unit_dy == 1);
  CHECK(press(GLFW_KEY_U).layer_step == -1);
  CHECK(press(GLFW_KEY_O).layer_step == 1);
  CHECK(press(GLFW_KEY_F).toggle_freeze);
  CHECK(press(GLFW_KEY_B).cycle_backward);
  CHECK(press(GLFW_KEY_E).file_step == 1);
  CHECK(press(GLFW_KEY_W).file_step == -1);
  CHECK(press(GLFW_KEY_C).switch_source);
  CHECK(press(GLFW_KEY_Z).toggle_zoom);
  CHECK(press(GLFW_KEY_H).toggle_help);
  CHECK(press(GLFW_KEY_ESCAPE).reset);
  CHECK(press(GLFW_KEY_Q, true).quit);
  CHECK(press(GLFW_KEY_O, true).show_open_dialog);
  // Ctrl+O opens a file; it does not also step the layer.
  CHECK(press(GLFW_KEY_O, true).layer_step == 0);
  Commands none;
  CHECK(!commands_for_key({GLFW_KEY_Q}, none));  // q alone is not quit
  CHECK(!commands_for_key({GLFW_KEY_F, true}, none));
}

TEST_CASE("engine: the key table binds no chord twice and names every key for the help overlay") {
  std::set<std::pair<int, bool>> seen;
  for (const KeyBinding& b : key_bindings()) {
    CHECK(std::string(b.description).size() > 3);
    CHECK(!b.keys.empty());
    for (const KeyChord& k : b.keys) {
      CHECK_MESSAGE(seen.insert({k.key, k.ctrl}).second, key_name(k) << " is bound twice");
      CHECK(key_name(k).find("key ") == std::string::npos);  // a readable name
    }
  }
  CHECK(key_name({GLFW_KEY_ESCAPE}) == "Esc");
  CHECK(key_name({GLFW_KEY_O, true}) == "Ctrl+O");
  const auto left = std::find_if(key_bindings().begin(), key_bindings().end(),
                                 [](const KeyBinding& b) { return b.keys.front().key == GLFW_KEY_LEFT; });
  REQUIRE(left != key_bindings().end());
  CHECK(key_names(*left) == "Left, J");
}

TEST_CASE("engine: cursor keys move the unit through the grid and stop at its edges") {
  const EngineSnapshot engine = fake_engine();
  AppState s = state_on("conv", 0);

  Effects fx = apply_commands(press(GLFW_KEY_L), engine, s);
  CHECK(s.unit == 1);
  REQUIRE(find_command<SelectUnit>(fx.engine));
  CHECK(find_command<SelectUnit>(fx.engine)->unit == 1);

  apply_commands(press(GLFW_KEY_K), engine, s);  // down one row of 4
  CHECK(s.unit == 5);
  apply_commands(press(GLFW_KEY_DOWN), engine, s);
  CHECK(s.unit == 9);
  fx = apply_commands(press(GLFW_KEY_DOWN), engine, s);  // 13 is past the 10 channels: stays
  CHECK(s.unit == 9);
  CHECK(fx.engine.empty());
  apply_commands(press(GLFW_KEY_RIGHT), engine, s);  // 9 is the last channel
  CHECK(s.unit == 9);
  apply_commands(press(GLFW_KEY_I), engine, s);
  CHECK(s.unit == 5);
  apply_commands(press(GLFW_KEY_LEFT), engine, s);
  CHECK(s.unit == 4);

  AppState at_zero = state_on("conv", 0);
  fx = apply_commands(press(GLFW_KEY_J), engine, at_zero);
  CHECK(at_zero.unit == 0);
  CHECK(fx.engine.empty());
  fx = apply_commands(press(GLFW_KEY_UP), engine, at_zero);
  CHECK(at_zero.unit == 0);

  // A click on a tile selects it, clamped to the layer.
  Commands click;
  click.select_unit = 42;
  apply_commands(click, engine, s);
  CHECK(s.unit == 9);
}

TEST_CASE("engine: u / o step through the layers and clamp the unit to the new layer") {
  const EngineSnapshot engine = fake_engine();
  AppState s = state_on("conv", 8);
  Effects fx = apply_commands(press(GLFW_KEY_O), engine, s);
  CHECK(s.layer == "fc");
  CHECK(s.unit == 4);  // fc has 5 units
  REQUIRE(find_command<SelectLayer>(fx.engine));
  CHECK(find_command<SelectLayer>(fx.engine)->name == "fc");
  CHECK(find_command<SelectUnit>(fx.engine)->unit == 4);

  fx = apply_commands(press(GLFW_KEY_O), engine, s);  // already the last layer
  CHECK(s.layer == "fc");
  CHECK(fx.engine.empty());
  apply_commands(press(GLFW_KEY_U), engine, s);
  CHECK(s.layer == "conv");
  CHECK(s.unit == 4);  // fits conv: kept
}

TEST_CASE("engine: b cycles off, gradient, deconv, guided, f toggles freeze, Esc resets") {
  const EngineSnapshot engine = fake_engine();
  AppState s = state_on("fc", 3);
  const BackwardView expected[] = {BackwardView::Gradient, BackwardView::Deconv, BackwardView::Guided,
                                   BackwardView::Off};
  for (BackwardView view : expected) {
    const Effects fx = apply_commands(press(GLFW_KEY_B), engine, s);
    CHECK(s.backward == view);
    REQUIRE(find_command<SetBackward>(fx.engine));
    CHECK(find_command<SetBackward>(fx.engine)->view == view);
  }

  Effects fx = apply_commands(press(GLFW_KEY_F), engine, s);
  CHECK(s.frozen);
  CHECK(find_command<SetFrozen>(fx.engine)->frozen);
  apply_commands(press(GLFW_KEY_Z), engine, s);
  apply_commands(press(GLFW_KEY_H), engine, s);
  apply_commands(press(GLFW_KEY_B), engine, s);
  CHECK(s.zoom);
  CHECK(s.show_help);

  fx = apply_commands(press(GLFW_KEY_ESCAPE), engine, s);
  CHECK(s.layer == "conv");  // the model's default
  CHECK(s.unit == 0);
  CHECK(s.backward == BackwardView::Off);
  CHECK(!s.frozen);
  CHECK(!s.zoom);
  CHECK(!s.show_help);
  CHECK(find_command<SelectLayer>(fx.engine)->name == "conv");
  CHECK(find_command<SelectUnit>(fx.engine)->unit == 0);
  CHECK(find_command<SetBackward>(fx.engine)->view == BackwardView::Off);
  CHECK(!find_command<SetFrozen>(fx.engine)->frozen);
}

TEST_CASE("engine: file, camera and video keys go to the capture thread") {
  const EngineSnapshot engine = fake_engine();
  AppState s;
  Effects fx = apply_commands(press(GLFW_KEY_E), engine, s);
  REQUIRE(fx.capture.size() == 1);
  CHECK(std::get<StepFile>(fx.capture[0]).delta == 1);
  CHECK(fx.engine.empty());
  fx = apply_commands(press(GLFW_KEY_W), engine, s);
  CHECK(std::get<StepFile>(fx.capture[0]).delta == -1);
  fx = apply_commands(press(GLFW_KEY_C), engine, s);
  CHECK(std::holds_alternative<SwitchCameraFiles>(fx.capture[0]));
  fx = apply_commands(press(GLFW_KEY_SPACE), engine, s);
  CHECK(std::holds_alternative<TogglePause>(fx.capture[0]));

  Commands open;
  open.open_image = "/some/folder";
  open.open_model = "/m.onnx";
  fx = apply_commands(open, engine, s);
  CHECK(std::get<OpenPath>(fx.capture[0]).path == "/some/folder");
  CHECK(std::get<LoadModel>(fx.engine[0]).path == "/m.onnx");
  CHECK(s.input_path == "/some/folder");
  CHECK(s.model_path == "/m.onnx");
  CHECK(s.model_layout);
  CHECK(apply_commands(press(GLFW_KEY_Q, true), engine, s).quit);
}

TEST_CASE("engine: the Input panel's crop choice goes to the engine, and to a fresh one") {
  const EngineSnapshot engine = fake_engine();
  AppState s;
  const auto has_crop = [](const std::vector<EngineCommand>& commands) {
    return std::any_of(commands.begin(), commands.end(),
                       [](const EngineCommand& c) { return std::holds_alternative<SetCrop>(c); });
  };
  CHECK_FALSE(has_crop(engine_commands_for(s)));  // the model's own: nothing to say
  Commands pick;
  pick.set_crop = true;
  pick.crop = CropMode::Face;
  Effects fx = apply_commands(pick, engine, s);
  REQUIRE(fx.engine.size() == 1);
  CHECK(std::get<SetCrop>(fx.engine[0]).crop == CropMode::Face);
  CHECK(s.crop == CropMode::Face);
  CHECK(has_crop(engine_commands_for(s)));
  pick.crop = std::nullopt;  // back to the model's
  fx = apply_commands(pick, engine, s);
  CHECK_FALSE(std::get<SetCrop>(fx.engine[0]).crop.has_value());
  CHECK_FALSE(s.crop.has_value());
}

TEST_CASE("engine: the camera dialog's choice opens that camera at that size and is offered next time") {
  const EngineSnapshot engine = fake_engine();
  AppState s;
  Commands open;
  open.open_camera = OpenCamera{2, 1280, 720};
  Effects fx = apply_commands(open, engine, s);
  REQUIRE(fx.capture.size() == 1);
  const OpenCamera& sent = std::get<OpenCamera>(fx.capture[0]);
  CHECK(sent.index == 2);
  CHECK(sent.width == 1280);
  CHECK(sent.height == 720);
  CHECK(s.camera_index == 2);
  CHECK(s.camera_size == "1280x720");
  // The camera's default resolution: no size asked, none offered next time.
  open.open_camera = OpenCamera{0, 0, 0};
  fx = apply_commands(open, engine, s);
  CHECK(std::get<OpenCamera>(fx.capture[0]).width == 0);
  CHECK(s.camera_index == 0);
  CHECK(s.camera_size.empty());
}

TEST_CASE("engine: without a model, cursor keys change nothing and layer keys are ignored") {
  const EngineSnapshot engine;  // no model yet
  AppState s;
  Effects fx = apply_commands(press(GLFW_KEY_L), engine, s);
  CHECK(s.unit == 0);
  CHECK(fx.engine.empty());
  fx = apply_commands(press(GLFW_KEY_O), engine, s);
  CHECK(fx.engine.empty());
}

TEST_CASE("engine: the selection takes the engine's layer and unit once per model load") {
  EngineSnapshot engine = fake_engine(1);
  engine.settings.layer = "fc";
  engine.settings.unit = 2;
  AppState s;
  sync_selection(engine, s);
  CHECK(s.layer == "fc");
  CHECK(s.unit == 2);
  // The user moves on; a later snapshot of the same load does not pull the selection back.
  apply_commands(press(GLFW_KEY_J), engine, s);
  CHECK(s.unit == 1);
  sync_selection(engine, s);
  CHECK(s.unit == 1);
  // A new load does.
  EngineSnapshot reloaded = fake_engine(2);
  sync_selection(reloaded, s);
  CHECK(s.layer == "conv");
  CHECK(s.unit == 0);
}

TEST_CASE("engine: a fresh engine gets the model first, then the whole selection") {
  AppState s = state_on("fc", 3);
  s.model_path = "/m.onnx";
  s.backward = BackwardView::Guided;
  s.grid_norm = GridNorm::Fixed;
  s.fixed_lo = -1.0f;
  s.fixed_hi = 2.0f;
  const std::vector<EngineCommand> commands = engine_commands_for(s);
  REQUIRE(!commands.empty());
  CHECK(std::get<LoadModel>(commands.front()).path == "/m.onnx");
  CHECK(find_command<SelectLayer>(commands)->name == "fc");
  CHECK(find_command<SelectUnit>(commands)->unit == 3);
  CHECK(find_command<SetBackward>(commands)->view == BackwardView::Guided);
  CHECK(find_command<SetGridNorm>(commands)->norm == GridNorm::Fixed);
  CHECK(find_command<SetGridNorm>(commands)->fixed_lo == -1.0f);
  CHECK(find_command<SetGridNorm>(commands)->fixed_hi == 2.0f);
}
