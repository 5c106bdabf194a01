#pragma once
// Joins the optimization session to the GUI's frame loop, so the loop needs three lines: it owns the worker
// (and with it the session's own Net) and the GL texture of the image. Main thread only; needs a current GL
// context that outlives it.
#include "app/ascent/ascent_worker.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"
#include "render/gl_texture.hpp"

#include <cstdint>
#include <memory>

namespace deepvis::app {

class AscentFrameLink {
 public:
  // The session runs as a job of `runner` (the engine's), over the engine's model.
  explicit AscentFrameLink(JobRunner& runner);

  // Before the panels: loads the engine's model into the session the first time the panel is open with it (a
  // Net of its own over the engine's weights, so a model nobody optimizes costs nothing), and puts the newest snapshot
  // and its image (uploaded when it changed) into `snapshot`.
  void begin_frame(AppState& state, Snapshot& snapshot);
  // After the panels: sends the panel's commands to the worker.
  void end_frame(Commands& commands);

 private:
  AscentWorker worker_;
  render::GlTexture texture_;
  uint64_t uploaded_sequence_ = 0;
  bool uploaded_x_alone_ = false;
};

}  // namespace deepvis::app
