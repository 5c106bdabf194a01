#pragma once
// What the optimization panel keeps between frames (part of AppState): the widgets' values. The session holds
// the truth; the panel copies its parameters back whenever no widget is being edited and every command it sent
// has been carried out, so a preset or a refused value shows as the session has it.
#include "app/ascent/ascent_command.hpp"
#include "compute/vis/ascent_params.hpp"

#include <cstdint>
#include <string>

namespace deepvis::app {

struct AscentPanelState {
  vis::AscentParams params;      // the sliders (target and start fields unused: they have commands of their own)
  std::string target_text;       // "layer:unit" typed by the user
  bool follow_selection = true;  // the target follows the selected unit
  std::string followed;          // the selection last sent as the target ("layer:unit")
  StartKind start = StartKind::Noise;
  std::string start_file;
  std::string save_prefix;         // empty: a name made from the model, layer and unit
  bool show_x_alone = false;       // the image as x around gray instead of x plus the mean
  uint64_t loaded_generation = 0;  // the engine's ModelInfo::generation last sent to the session
};

}  // namespace deepvis::app
