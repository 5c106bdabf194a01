#include "app/ui/key_bindings.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <cctype>

namespace deepvis::app {

const std::vector<KeyBinding>& key_bindings() {
  // Spec §5: the habits users bring from the original toolbox, then a few of our own. Toggles flip their command,
  // so two presses that arrive between the same two frames cancel, as they would a frame apart.
  static const std::vector<KeyBinding> table = {
      {{{GLFW_KEY_LEFT}, {GLFW_KEY_J}}, "move the unit cursor left", true, [](Commands& c) { --c.unit_dx; }},
      {{{GLFW_KEY_RIGHT}, {GLFW_KEY_L}}, "move the unit cursor right", true, [](Commands& c) { ++c.unit_dx; }},
      {{{GLFW_KEY_UP}, {GLFW_KEY_I}}, "move the unit cursor up", true, [](Commands& c) { --c.unit_dy; }},
      {{{GLFW_KEY_DOWN}, {GLFW_KEY_K}}, "move the unit cursor down", true, [](Commands& c) { ++c.unit_dy; }},
      {{{GLFW_KEY_U}}, "previous layer", true, [](Commands& c) { --c.layer_step; }},
      {{{GLFW_KEY_O}}, "next layer", true, [](Commands& c) { ++c.layer_step; }},
      {{{GLFW_KEY_F}},
       "freeze / unfreeze the input frame",
       false,
       [](Commands& c) { c.toggle_freeze = !c.toggle_freeze; }},
      {{{GLFW_KEY_B}},
       "cycle the backward view: off, gradient, deconv, guided",
       false,
       [](Commands& c) { c.cycle_backward = true; }},
      {{{GLFW_KEY_E}}, "next file", true, [](Commands& c) { ++c.file_step; }},
      {{{GLFW_KEY_W}}, "previous file", true, [](Commands& c) { --c.file_step; }},
      {{{GLFW_KEY_C}},
       "switch between camera and files",
       false,
       [](Commands& c) { c.switch_source = !c.switch_source; }},
      {{{GLFW_KEY_Z}},
       "zoom: the selected unit alone, enlarged",
       false,
       [](Commands& c) { c.toggle_zoom = !c.toggle_zoom; }},
      {{{GLFW_KEY_H}}, "show / hide this help", false, [](Commands& c) { c.toggle_help = !c.toggle_help; }},
      {{{GLFW_KEY_ESCAPE}},
       "reset: default layer, unit 0, backward off, unfrozen",
       false,
       [](Commands& c) { c.reset = true; }},
      {{{GLFW_KEY_SPACE}},
       "pause / resume the video or camera",
       false,
       [](Commands& c) { c.toggle_pause = !c.toggle_pause; }},
      {{{GLFW_KEY_PERIOD}}, "next video frame (pauses)", true, [](Commands& c) { c.step_frame = true; }},
      {{{GLFW_KEY_O, true}},
       "open an image, a folder or a video",
       false,
       [](Commands& c) { c.show_open_dialog = true; }},
      {{{GLFW_KEY_M, true}}, "open a model", false, [](Commands& c) { c.show_model_dialog = true; }},
      {{{GLFW_KEY_R}},
       "start / stop recording the window to video",
       false,
       [](Commands& c) { c.toggle_recording = !c.toggle_recording; }},
      {{{GLFW_KEY_S, true}}, "screenshot of the window (PNG)", false, [](Commands& c) { c.screenshot = true; }},
      {{{GLFW_KEY_Q, true}}, "quit", false, [](Commands& c) { c.quit = true; }},
  };
  return table;
}

std::string key_name(const KeyChord& chord) {
  std::string name;
  switch (chord.key) {
    case GLFW_KEY_LEFT: name = "Left"; break;
    case GLFW_KEY_RIGHT: name = "Right"; break;
    case GLFW_KEY_UP: name = "Up"; break;
    case GLFW_KEY_DOWN: name = "Down"; break;
    case GLFW_KEY_ESCAPE: name = "Esc"; break;
    case GLFW_KEY_SPACE: name = "Space"; break;
    case GLFW_KEY_PERIOD: name = "."; break;
    default:
      if (chord.key >= GLFW_KEY_A && chord.key <= GLFW_KEY_Z) {
        name = std::string(1, static_cast<char>('A' + (chord.key - GLFW_KEY_A)));
      } else {
        name = "key " + std::to_string(chord.key);
      }
  }
  return chord.ctrl ? "Ctrl+" + name : name;
}

std::string key_names(const KeyBinding& binding) {
  std::string out;
  for (const KeyChord& chord : binding.keys) out += (out.empty() ? "" : ", ") + key_name(chord);
  return out;
}

std::optional<KeyChord> key_from_name(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  KeyChord chord;
  if (lower.rfind("ctrl+", 0) == 0) {
    chord.ctrl = true;
    lower = lower.substr(5);
  }
  // The names key_name writes, read back.
  for (int key :
       {GLFW_KEY_LEFT, GLFW_KEY_RIGHT, GLFW_KEY_UP, GLFW_KEY_DOWN, GLFW_KEY_ESCAPE, GLFW_KEY_SPACE, GLFW_KEY_PERIOD}) {
    std::string written = key_name({key, false});
    for (char& c : written) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (written == lower) {
      chord.key = key;
      return chord;
    }
  }
  if (lower.size() == 1 && lower[0] >= 'a' && lower[0] <= 'z') {
    chord.key = GLFW_KEY_A + (lower[0] - 'a');
    return chord;
  }
  return std::nullopt;
}

bool commands_for_key(const KeyChord& chord, Commands& commands) {
  for (const KeyBinding& binding : key_bindings()) {
    for (const KeyChord& k : binding.keys) {
      if (k.key == chord.key && k.ctrl == chord.ctrl) {
        binding.apply(commands);
        return true;
      }
    }
  }
  return false;
}

}  // namespace deepvis::app
