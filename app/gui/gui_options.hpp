#pragma once
#include "compute/model/device_choice.hpp"

#include <string>
#include <vector>

namespace deepvis::app {

// Options of the interactive front end (deepvis with no subcommand).
struct GuiOptions {
  std::string input;       // image (or video file) shown at start; empty: the last one, else the built-in test pattern
  int frames = 0;          // render this many frames, then exit; 0: run until the window closes
  std::string screenshot;  // write the last frame here (implies a finite --frames)
  int width = 1280;
  int height = 800;
  std::string model;    // ONNX model to run on the input; empty: none (the input alone), or the last one
  std::string layer;    // layer to show first; empty: the model card's default
  int unit = -1;        // unit (channel) selected first; -1: 0
  std::string mode;     // backward view: off, gradient, deconv or guided; empty: off
  std::string crop;     // center, stretch or face; empty: the last session's choice, else the model's own
  DeviceChoice device;  // where every model of the window computes (--device, --tf32)

  int camera = -1;  // webcam to start on instead of --input; -1: none
  // The resolution asked of the camera (--camera-size); 0: its default. The status bar shows what it granted.
  int camera_width = 0;
  int camera_height = 0;
  // Panels opened at start (--open), over the defaults and a scripted run's closed per-unit pane: "optimization",
  // "unit-optimized", "gallery".
  std::vector<std::string> open_panels;
  // Scripted runs: keys pressed through GLFW's key callback, all between the same two frames, once the first
  // results are on screen ("o", "Ctrl+O", ...): what a user typing faster than the window draws does.
  std::vector<std::string> press;
};

// Runs the window until closed (or for options.frames frames). Returns the process exit code.
int run_gui(const GuiOptions& options);

}  // namespace deepvis::app
