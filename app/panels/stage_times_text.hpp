#pragma once
// The status bar's per-stage line, from capture to screen: the capture thread's read, the engine's stages, then
// the main thread's texture update and draw, in the order a frame passes them. Kept apart from the panel so the
// text is testable without ImGui.
#include "app/engine/engine_snapshot.hpp"

#include <string>

namespace deepvis::app {

// "cap 4.1  pre 2.0  fwd 12.3  bwd 9.8  grid 0.41 | tex 0.33  draw 1.2 ms": milliseconds, two decimals below 1 ms
// (GPU stages would all read 0.0 otherwise), one above.
std::string stage_times_text(const StageTimes& engine, double texture_ms, double draw_ms);

}  // namespace deepvis::app
