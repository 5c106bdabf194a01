#pragma once
// What a frame's Commands do: they change the AppState at once (so the next key press builds on it, however slow
// the engine is) and produce the requests for the engine and capture threads. Pure: no GL, no threads, so the
// whole key -> command -> state path is tested without pixels.
#include "app/capture/capture_command.hpp"
#include "app/engine/engine_command.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

#include <vector>

namespace deepvis::app {

struct Effects {
  std::vector<EngineCommand> engine;
  std::vector<CaptureCommand> capture;
  bool quit = false;
};

// `engine` supplies the model's layers (for the cursor's grid columns and the layer order) and defaults.
Effects apply_commands(const Commands& commands, const EngineSnapshot& engine, AppState& state);

// After a model (re)load the engine picks the layer and unit (its defaults, or the ones asked for when valid);
// take them over once per load so the cursor starts where the engine is.
void sync_selection(const EngineSnapshot& engine, AppState& state);

// The commands that make a fresh engine match `state` (model first, then the selection).
std::vector<EngineCommand> engine_commands_for(const AppState& state);

}  // namespace deepvis::app
