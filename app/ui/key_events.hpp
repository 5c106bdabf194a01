#pragma once
// Key presses as events, every one of them: GLFW's key callback queues them as they arrive and the frame applies
// them all, in order, through the key table. Polling once per frame (ImGui::IsKeyPressed) lost presses that came
// between two frames at 20 fps, and made held keys repeat at the frame rate instead of the system's.
#include "app/ui/ui_commands.hpp"

#include <vector>

namespace deepvis::app {

enum class KeyAction { Press, Repeat };  // Repeat: the system's auto-repeat of a held key

struct KeyEvent {
  int key = 0;  // GLFW key code
  bool ctrl = false;
  KeyAction action = KeyAction::Press;
};

// Applies the events in order: a press fires its binding, a repeat fires only bindings that repeat (cursor moves,
// layer and file steps). Returns how many fired.
int apply_key_events(const std::vector<KeyEvent>& events, Commands& commands);

}  // namespace deepvis::app
