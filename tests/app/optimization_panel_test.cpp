// The optimization panel drawn in a headless ImGui context (no window, no GL: ImGui builds draw lists without a
// renderer), over a real session's snapshot: it follows the selected unit with exactly one target command per
// change, takes the session's parameters back when in sync, and keeps the user's edit while one is on its way.
#include "app/ascent/ascent_session.hpp"
#include "app/panels/panels.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

#include <doctest/doctest.h>
#include <imgui.h>

#include <memory>
#include <string>
#include <variant>

using namespace deepvis;
using namespace deepvis::app;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";

// One ImGui frame with only the optimization panel; returns the commands it produced.
Commands draw_frame(const Snapshot& snapshot, AppState& state) {
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(1280.0f, 800.0f);
  io.DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  Commands commands;
  draw_optimization_panel(snapshot, state, commands);
  ImGui::Render();
  return commands;
}

struct ImGuiContextGuard {
  ImGuiContextGuard() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    unsigned char* pixels = nullptr;
    int w = 0;
    int h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // the atlas must be built before NewFrame
  }
  ~ImGuiContextGuard() { ImGui::DestroyContext(); }
};

}  // namespace

TEST_CASE("ascent session: the panel follows the selected unit and syncs its sliders with the session") {
  ImGuiContextGuard imgui;
  AscentSession session;
  session.apply(LoadAscentModel{kModel, {}});
  session.apply(SetAscentTargetText{"logits:2"});
  session.apply(ApplyAscentPreset{2});
  REQUIRE_MESSAGE(session.error().empty(), session.error());
  session.apply(StepAscent{});

  auto engine = std::make_shared<EngineSnapshot>();
  auto model = std::make_shared<ModelInfo>();
  model->generation = 1;
  model->path = kModel;
  model->stem = "fashion_mnist";
  engine->model = model;
  engine->settings.layer = "logits";
  engine->settings.unit = 5;

  AppState state;
  state.show_optimization = true;
  Snapshot snapshot;
  snapshot.engine = engine;
  snapshot.ascent = session.snapshot();
  snapshot.ascent_texture = 1;  // any name: nothing is rendered
  snapshot.ascent_in_sync = true;

  Commands first = draw_frame(snapshot, state);
  REQUIRE(first.ascent.size() == 1);
  const auto* target = std::get_if<SetAscentTarget>(&first.ascent[0]);
  REQUIRE(target != nullptr);
  CHECK(target->layer == "logits");
  CHECK(target->unit == 5);
  CHECK(state.optimization.followed == "logits:5");
  CHECK(state.optimization.params.decay == 0.3);  // preset 2, taken from the session
  CHECK(state.optimization.params.max_iter == 750);

  // Same selection: nothing more is sent. A different one: one more target.
  CHECK(draw_frame(snapshot, state).ascent.empty());
  engine->settings.unit = 6;
  Commands third = draw_frame(snapshot, state);
  REQUIRE(third.ascent.size() == 1);
  CHECK(std::get<SetAscentTarget>(third.ascent[0]).unit == 6);

  // While a change is on its way (not in sync), the panel keeps its own values.
  state.optimization.params.decay = 0.01;
  snapshot.ascent_in_sync = false;
  CHECK(draw_frame(snapshot, state).ascent.empty());
  CHECK(state.optimization.params.decay == 0.01);
  snapshot.ascent_in_sync = true;
  draw_frame(snapshot, state);
  CHECK(state.optimization.params.decay == 0.3);

  // Not following: the selection is left alone.
  state.optimization.follow_selection = false;
  engine->settings.unit = 7;
  CHECK(draw_frame(snapshot, state).ascent.empty());
}
