#pragma once
// Every panel is a free function over the frame's Snapshot and the plain AppState; one panel per file.
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

namespace deepvis::app {

void draw_menu_bar(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_input_panel(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_open_dialog(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_model_dialog(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_camera_dialog(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_about_window(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_layer_list(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_activation_grid(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_unit_panel(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_backward_panel(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_predictions(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_status_bar(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_help_overlay(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_optimization_panel(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_unit_optimized_panel(const Snapshot& snapshot, AppState& state, Commands& commands);
void draw_layer_gallery_panel(const Snapshot& snapshot, AppState& state, Commands& commands);

}  // namespace deepvis::app
