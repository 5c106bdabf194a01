#pragma once
// The key table: every binding of the window in one list. Keys produce the same Commands the panels produce, and
// the help overlay (h) is generated from this table, so the two cannot disagree.
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

#include <optional>
#include <string>
#include <vector>

namespace deepvis::app {

struct KeyChord {
  int key = 0;        // GLFW key code (ImGui 1.86 indexes keys by the backend's codes)
  bool ctrl = false;  // with Ctrl held
};

struct KeyBinding {
  std::vector<KeyChord> keys;  // any of them triggers it
  const char* description;
  bool repeat;  // fires again while held (cursor moves), or once per press (toggles)
  void (*apply)(Commands& commands);
};

const std::vector<KeyBinding>& key_bindings();

// "Left", "J", "Esc", "Ctrl+O", ...
std::string key_name(const KeyChord& chord);
// "Left, J" for the help overlay.
std::string key_names(const KeyBinding& binding);

// "o", "Left", "Esc", "Space", ".", "Ctrl+O" (any case) to a chord, as key_name writes them; nullopt when unknown.
std::optional<KeyChord> key_from_name(const std::string& name);

// Adds the commands of a key press; false when the chord is not bound.
bool commands_for_key(const KeyChord& chord, Commands& commands);

}  // namespace deepvis::app
