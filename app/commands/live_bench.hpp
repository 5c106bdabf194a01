#pragma once
// `deepvis bench --live`: the live GUI's per-frame work without a window. Frames of a video (looping) or an image
// go through the capture source and the EngineCore exactly as in the GUI (preprocess, forward, the selected unit's
// backward view, the grid's engine side), timed per stage; then the window's texture update through the GUI's own
// GuiTextures in a headless EGL context (the GPU interop path where the window would take it, else host atlases
// and PBO uploads), timed until the texels are in place. Without EGL the texture stage is left out, saying why.
#include "app/commands/model_flags.hpp"

#include <string>

namespace deepvis::app {

struct LiveBenchOptions {
  ModelFlags model;                   // --model, --device, --tf32, --threads and the preprocessing overrides
  std::string input;                  // video file, image or folder
  int frames = 200;                   // timed frames
  int warmup = 10;                    // untimed frames first
  std::string backward = "gradient";  // off, gradient, deconv or guided
  std::string layer;                  // "" : the model card's default
  bool json = false;
};

// Prints the table (or one JSON object) on stdout. Throws CommandError: exit 3 when the model does not load,
// exit 4 when the input cannot be opened or a frame fails.
int run_live_bench(const LiveBenchOptions& options);

}  // namespace deepvis::app
