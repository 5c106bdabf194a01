#include "app/gui/apply_commands.hpp"

#include "app/capture/camera_size.hpp"

#include <algorithm>

namespace deepvis::app {

namespace {

// The selected layer's entry, or null without a model (or before the engine resolved it).
const LayerInfo* current_layer(const EngineSnapshot& engine, const AppState& state) {
  if (!engine.model) return nullptr;
  const int index = engine.model->find_layer(state.layer);
  return index < 0 ? nullptr : &engine.model->layers[static_cast<size_t>(index)];
}

int channels_of(const LayerInfo& layer) {
  return static_cast<int>(layer.dims[1]);
}

// Columns of the layer's grid, as the atlas lays it out.
int grid_cols(const LayerInfo& layer) {
  return make_grid_layout(channels_of(layer), 1, 1, GridOptions{}).cols;
}

void set_unit(int unit, const EngineSnapshot& engine, AppState& state, Effects& fx) {
  if (const LayerInfo* layer = current_layer(engine, state)) unit = std::clamp(unit, 0, channels_of(*layer) - 1);
  state.unit = std::max(0, unit);
  fx.engine.emplace_back(SelectUnit{state.unit});
}

void set_layer(const std::string& name, const EngineSnapshot& engine, AppState& state, Effects& fx) {
  state.layer = name;
  fx.engine.emplace_back(SelectLayer{name});
  // The engine keeps the unit when it fits the new layer, else clamps it; do the same here.
  if (const LayerInfo* layer = current_layer(engine, state)) {
    const int clamped = std::clamp(state.unit, 0, channels_of(*layer) - 1);
    if (clamped != state.unit) set_unit(clamped, engine, state, fx);
  }
}

void set_grid_norm(GridNorm norm, AppState& state, Effects& fx) {
  state.grid_norm = norm;
  fx.engine.emplace_back(SetGridNorm{norm, state.fixed_lo, state.fixed_hi});
}

// Files, models and cameras: what the capture thread and the engine are to open.
void apply_sources(const Commands& c, AppState& state, Effects& fx) {
  if (c.show_open_dialog) state.open_dialog = true;
  if (c.show_model_dialog) state.open_model_dialog = true;
  if (c.open_model) {
    state.model_path = *c.open_model;
    state.relayout = !state.model_layout;  // the input alone gives way to the model's arrangement
    state.model_layout = true;
    fx.engine.emplace_back(LoadModel{*c.open_model});
  }
  if (c.open_image) {
    state.input_path = *c.open_image;
    fx.capture.emplace_back(OpenPath{*c.open_image});
  }
  if (c.open_camera) {
    state.camera_index = c.open_camera->index;
    state.camera_size = c.open_camera->width > 0
                            ? camera_size_text(cv::Size(c.open_camera->width, c.open_camera->height))
                            : std::string();
    fx.capture.emplace_back(*c.open_camera);
  }
  if (c.file_step != 0) fx.capture.emplace_back(StepFile{c.file_step});
  if (c.switch_source) fx.capture.emplace_back(SwitchCameraFiles{});
  if (c.toggle_pause) fx.capture.emplace_back(TogglePause{});
  if (c.step_frame) fx.capture.emplace_back(StepFrame{});
}

// Esc: the card's layer, unit 0, no backward view, per-layer norm, not frozen, no zoom or help.
void apply_reset(const EngineSnapshot& engine, AppState& state, Effects& fx) {
  if (engine.model) set_layer(engine.model->default_layer, engine, state, fx);
  set_unit(0, engine, state, fx);
  state.backward = BackwardView::Off;
  fx.engine.emplace_back(SetBackward{state.backward});
  state.backward_display = BackwardDisplay::Raw;
  fx.engine.emplace_back(SetBackwardDisplay{state.backward_display});
  set_grid_norm(GridNorm::PerLayer, state, fx);
  state.frozen = false;
  fx.engine.emplace_back(SetFrozen{false});
  state.zoom = false;
  state.show_help = false;
}

// The layer and unit: chosen outright, or stepped (u / o through the layers, the cursor keys through the grid).
void apply_selection(const Commands& c, const EngineSnapshot& engine, AppState& state, Effects& fx) {
  if (c.select_layer) set_layer(*c.select_layer, engine, state, fx);
  if (c.layer_step != 0 && engine.model && !engine.model->layers.empty()) {
    const auto& layers = engine.model->layers;
    int index = engine.model->find_layer(state.layer);
    if (index < 0) index = std::max(0, engine.model->find_layer(engine.model->default_layer));
    const int next = std::clamp(index + c.layer_step, 0, static_cast<int>(layers.size()) - 1);
    if (next != index || engine.model->find_layer(state.layer) < 0) {
      set_layer(layers[static_cast<size_t>(next)].name, engine, state, fx);
    }
  }
  if (c.select_unit) set_unit(*c.select_unit, engine, state, fx);
  if (c.unit_dx != 0 || c.unit_dy != 0) {
    if (const LayerInfo* layer = current_layer(engine, state)) {
      const int channels = channels_of(*layer);
      int unit = std::clamp(state.unit + c.unit_dx, 0, channels - 1);
      // Up and down move by a grid row; a move off the grid's top or bottom stays put.
      const int below = unit + c.unit_dy * grid_cols(*layer);
      if (below >= 0 && below < channels) unit = below;
      if (unit != state.unit) set_unit(unit, engine, state, fx);
    }
  }
}

// How the engine draws: backward view and its display, grid norm, crop, colormap, freeze.
void apply_view(const Commands& c, AppState& state, Effects& fx) {
  if (c.cycle_backward) {
    state.backward = next_backward_view(state.backward);
    fx.engine.emplace_back(SetBackward{state.backward});
  }
  if (c.backward) {
    state.backward = *c.backward;
    fx.engine.emplace_back(SetBackward{state.backward});
  }
  if (c.backward_display) {
    state.backward_display = *c.backward_display;
    fx.engine.emplace_back(SetBackwardDisplay{state.backward_display});
  }
  if (c.grid_norm) set_grid_norm(*c.grid_norm, state, fx);
  if (c.set_crop) {
    state.crop = c.crop;
    fx.engine.emplace_back(SetCrop{state.crop});
  }
  if (c.colormap) {
    state.colormap = *c.colormap;
    fx.engine.emplace_back(SetColormap{state.colormap});
  }
  if (c.toggle_freeze) {
    state.frozen = !state.frozen;
    fx.engine.emplace_back(SetFrozen{state.frozen});
  }
}

}  // namespace

Effects apply_commands(const Commands& c, const EngineSnapshot& engine, AppState& state) {
  Effects fx;
  fx.quit = c.quit;
  apply_sources(c, state, fx);
  if (c.reset) apply_reset(engine, state, fx);
  apply_selection(c, engine, state, fx);
  apply_view(c, state, fx);
  if (c.toggle_recording) state.record = !state.record;
  if (c.record_target) state.record_target = *c.record_target;  // a running recording keeps its own
  if (c.screenshot) state.screenshot_pending = true;
  if (c.toggle_help) state.show_help = !state.show_help;
  if (c.toggle_zoom) state.zoom = !state.zoom;
  return fx;
}

void sync_selection(const EngineSnapshot& engine, AppState& state) {
  if (!engine.model || engine.model->generation == state.synced_model) return;
  state.synced_model = engine.model->generation;
  state.layer = engine.settings.layer;
  state.unit = engine.settings.unit;
}

std::vector<EngineCommand> engine_commands_for(const AppState& state) {
  std::vector<EngineCommand> out;
  if (!state.model_path.empty()) out.emplace_back(LoadModel{state.model_path});
  if (!state.layer.empty()) out.emplace_back(SelectLayer{state.layer});
  out.emplace_back(SelectUnit{state.unit});
  out.emplace_back(SetBackward{state.backward});
  out.emplace_back(SetBackwardDisplay{state.backward_display});
  out.emplace_back(SetGridNorm{state.grid_norm, state.fixed_lo, state.fixed_hi});
  out.emplace_back(SetColormap{state.colormap});
  out.emplace_back(SetFrozen{state.frozen});
  if (state.crop) out.emplace_back(SetCrop{state.crop});
  return out;
}

}  // namespace deepvis::app
