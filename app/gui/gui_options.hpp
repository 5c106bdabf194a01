#pragma once
#include <string>

namespace deepvis::app {

// Options of the interactive front end (deepvis with no subcommand).
struct GuiOptions {
  std::string input;       // image shown at start; empty: the built-in test pattern
  int frames = 0;          // render this many frames, then exit; 0: run until the window closes
  std::string screenshot;  // write the last frame here (implies a finite --frames)
  int width = 1280;
  int height = 800;
};

// Runs the window until closed (or for options.frames frames). Returns the process exit code.
int run_gui(const GuiOptions& options);

}  // namespace deepvis::app
