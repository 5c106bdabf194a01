#include "app/record/gui_recording.hpp"

#include "compute/core/error.hpp"
#include "render/framebuffer_capture.hpp"

#include <cstdio>

namespace deepvis::app {

namespace {

void notify(AppState& state, const std::string& line) {
  std::fprintf(stderr, "deepvis: %s\n", line.c_str());
  state.status_message = line;
}

}  // namespace

void update_window_recording(WindowRecorder& recorder, AppState& state, int width, int height,
                             const std::string& folder, double fps, const RecorderOptions& options) {
  if (state.screenshot_pending) {
    state.screenshot_pending = false;
    const std::string path = timestamped_path(folder, ".png");
    try {
      render::write_image(path, render::read_framebuffer_bgr(width, height));
      notify(state, "screenshot " + path);
    } catch (const Error& e) {
      notify(state, std::string("screenshot failed: ") + e.what());
    }
  }
  if (const std::optional<std::string> failure = recorder.take_failure()) {
    state.record = false;
    notify(state, *failure);
  }
  if (state.record && !recorder.active()) {
    try {
      recorder.start(timestamped_path(folder, ".mp4"), width, height, fps, options);
      const RecordingStatus s = recorder.status();
      notify(state, "recording " + s.file + " (" + s.codec + ")");
    } catch (const Error& e) {
      state.record = false;
      notify(state, std::string("cannot record: ") + e.what());
      return;
    }
  } else if (!state.record && recorder.active()) {
    notify(state, recorder.stop());
    return;
  }
  if (recorder.active()) recorder.capture(width, height);
}

}  // namespace deepvis::app
