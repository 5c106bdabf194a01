#include "app/gui/gui_recording.hpp"

#include "compute/core/error.hpp"
#include "render/framebuffer_capture.hpp"

#include <cstdio>

namespace deepvis::app {

namespace {

void notify(AppState& state, const std::string& line) {
  std::fprintf(stderr, "deepvis: %s\n", line.c_str());
  state.status_message = line;
}

std::string closed_panel(RecordTarget target) {
  return std::string("the ") + record_target_name(target) + " panel is closed";
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
  // A running recording keeps the target it started with; the menu's choice waits for the next one.
  const RecordTarget target = recorder.active() ? recorder.target() : state.record_target;
  const std::optional<cv::Rect> region = record_region(target, state.panel_rects, width, height);
  if (state.record && !recorder.active()) {
    if (!region) {
      // Nothing to record: say which panel and how to get it back, and leave no file behind.
      state.record = false;
      notify(state, "cannot record: " + closed_panel(target) +
                        " (open it from the View menu, or choose another in the Record menu)");
      return;
    }
    try {
      RecorderOptions named_here = options;  // deepvis names the file: .avi instead when H.264 is missing
      named_here.keep_extension = false;
      recorder.start(timestamped_path(folder, ".mp4"), region->width, region->height, fps, named_here, target);
      const RecordingStatus s = recorder.status();
      notify(state, "recording " + s.file + " (" + s.codec + "), " + s.target + " " + std::to_string(region->width) +
                        "x" + std::to_string(region->height));
    } catch (const Error& e) {
      state.record = false;
      notify(state, std::string("cannot record: ") + e.what());
      return;
    }
  } else if (!state.record && recorder.active()) {
    notify(state, recorder.stop());
    return;
  }
  if (!recorder.active()) return;
  if (!region) {
    // The panel was closed mid-recording: finalize what there is rather than fill the video with made-up frames.
    state.record = false;
    notify(state, closed_panel(target) + ", recording stopped: " + recorder.stop());
    return;
  }
  recorder.capture(*region, height);
}

}  // namespace deepvis::app
