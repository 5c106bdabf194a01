#pragma once
// The menu bar's "Record" menu: what R records (the whole window or one panel) and start / stop. The choice
// applies to the next recording; one already running keeps what it started with.
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

namespace deepvis::app {

// Inside ImGui::BeginMainMenuBar.
void draw_record_menu(const Snapshot& snapshot, const AppState& state, Commands& commands);

}  // namespace deepvis::app
