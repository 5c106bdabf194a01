#pragma once
// The GUI's plain state and the two things panels exchange with the frame loop:
// a read-only Snapshot of what to show, and Commands asking the loop to do something.
#include <optional>
#include <string>

namespace deepvis::app {

// What the user chose and which panels are open. Panels edit it directly; it owns no resources.
struct AppState {
  bool show_input = true;
  bool show_about = false;
  bool open_dialog = false;
  std::string open_path;       // text of the "Open image" dialog
  std::string status_message;  // last error or notice, shown in the menu bar until replaced
};

// Read-only facts for one frame. The loop builds it; panels only look.
struct Snapshot {
  unsigned input_texture = 0;  // GL texture name, 0 when there is no image
  int input_width = 0;
  int input_height = 0;
  std::string input_name;
  float fps = 0.0f;
};

// Requests from panels, carried out by the loop after the panels are drawn.
struct Commands {
  std::optional<std::string> open_image;
  bool quit = false;
};

}  // namespace deepvis::app
