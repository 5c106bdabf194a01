#include "app/ui/key_events.hpp"

#include "app/ui/key_bindings.hpp"

namespace deepvis::app {

int apply_key_events(const std::vector<KeyEvent>& events, Commands& commands) {
  int fired = 0;
  for (const KeyEvent& e : events) {
    for (const KeyBinding& binding : key_bindings()) {
      if (e.action == KeyAction::Repeat && !binding.repeat) continue;
      for (const KeyChord& chord : binding.keys) {
        if (chord.key == e.key && chord.ctrl == e.ctrl) {
          binding.apply(commands);
          ++fired;
        }
      }
    }
  }
  return fired;
}

}  // namespace deepvis::app
