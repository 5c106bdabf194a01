// Recording the window (R) and screenshots (Ctrl+S) through the command layer: keys -> Commands ->
// apply_commands -> AppState, then the frame loop's step (update_window_recording) against an offscreen
// framebuffer in the headless EGL context, checked by decoding the video it leaves.
#include "app/gui/apply_commands.hpp"
#include "app/gui/gui_recording.hpp"
#include "app/record/window_recorder.hpp"
#include "app/ui/key_bindings.hpp"
#include "render/egl_context.hpp"
#include "render/framebuffer_capture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/video_check.hpp"

#include <doctest/doctest.h>
#include <epoxy/gl.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

using namespace deepvis;
using namespace deepvis::app;
using deepvis::test::TempDir;

namespace {

Commands press(int key, bool ctrl = false) {
  Commands c;
  REQUIRE_MESSAGE(commands_for_key({key, ctrl}, c), "key " << key << " is not bound");
  return c;
}

// Frame k of the "window": a flat colour that differs from one frame to the next.
cv::Scalar colour_of(int k) {
  return cv::Scalar((k * 40) % 256, 255 - (k * 25) % 256, (k * 70 + 30) % 256);
}

void draw_frame(render::OffscreenFramebuffer& target, int k) {
  target.bind();
  const cv::Scalar c = colour_of(k);  // BGR
  glClearColor(static_cast<float>(c[2] / 255.0), static_cast<float>(c[1] / 255.0), static_cast<float>(c[0] / 255.0),
               1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
}

std::vector<std::string> files_with(const std::string& folder, const std::string& extension) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    if (e.path().extension() == extension) out.push_back(e.path().string());
  }
  return out;
}

}  // namespace

TEST_CASE("record: R toggles recording and Ctrl+S asks for a screenshot, through apply_commands") {
  AppState state;
  const EngineSnapshot engine;
  apply_commands(press(GLFW_KEY_R), engine, state);
  CHECK(state.record);
  apply_commands(press(GLFW_KEY_R), engine, state);
  CHECK_FALSE(state.record);
  CHECK_FALSE(state.screenshot_pending);
  apply_commands(press(GLFW_KEY_S, true), engine, state);
  CHECK(state.screenshot_pending);
  CHECK_FALSE(state.record);
  // Plain S stays unbound (only the Ctrl chord takes screenshots), and the help overlay lists both keys.
  Commands plain;
  CHECK_FALSE(commands_for_key({GLFW_KEY_S, false}, plain));
  int listed = 0;
  for (const KeyBinding& b : key_bindings()) {
    const std::string names = key_names(b);
    if (names == "R") listed += std::string(b.description).find("record") != std::string::npos;
    if (names == "Ctrl+S") listed += std::string(b.description).find("screenshot") != std::string::npos;
  }
  CHECK(listed == 2);
}

TEST_CASE("record: the frame loop's recording step records, finalizes on stop and takes screenshots") {
  TempDir dir;
  render::EglContext context;
  const int w = 120, h = 80;
  render::OffscreenFramebuffer target(w, h);
  WindowRecorder recorder;
  AppState state;
  const EngineSnapshot engine;
  // A queue deep enough for every frame, and no nice: the count below must not depend on the machine's load.
  RecorderOptions deep;
  deep.queue_capacity = 64;
  deep.encoder_nice = 0;

  // Frames 0-2 before R: not recorded. R, frames 3-12, R again: recorded. Frames 13-14: not.
  int k = 0;
  for (; k < 3; ++k) {
    draw_frame(target, k);
    update_window_recording(recorder, state, w, h, dir.path(""), 30.0, deep);
  }
  CHECK_FALSE(recorder.active());
  apply_commands(press(GLFW_KEY_R), engine, state);
  for (; k < 13; ++k) {
    draw_frame(target, k);
    update_window_recording(recorder, state, w, h, dir.path(""), 30.0, deep);
    CHECK(recorder.active());
    CHECK(recorder.status().active);
  }
  CHECK(state.status_message.find("recording ") == 0);
  apply_commands(press(GLFW_KEY_R), engine, state);
  for (; k < 15; ++k) {
    draw_frame(target, k);
    update_window_recording(recorder, state, w, h, dir.path(""), 30.0, deep);
  }
  CHECK_FALSE(recorder.active());
  INFO(state.status_message);
  CHECK(state.status_message.find("recorded 10 frames") == 0);
  CHECK(state.status_message.find("0 dropped") != std::string::npos);

  std::vector<std::string> videos = files_with(dir.path(""), ".mp4");
  const std::vector<std::string> avis = files_with(dir.path(""), ".avi");
  videos.insert(videos.end(), avis.begin(), avis.end());
  REQUIRE(videos.size() == 1);
  const std::vector<cv::Mat> frames = test::decode_video(videos[0]);
  REQUIRE(frames.size() == 10);
  for (size_t i = 0; i < frames.size(); ++i) {
    CHECK(frames[i].cols == w);
    CHECK(frames[i].rows == h);
    const cv::Scalar mean = cv::mean(frames[i]);
    const cv::Scalar want = colour_of(static_cast<int>(i) + 3);
    for (int c = 0; c < 3; ++c) CHECK_MESSAGE(std::abs(mean[c] - want[c]) < 4.0, "frame " << i << " channel " << c);
  }

  // Ctrl+S: the current frame as a PNG, exactly.
  apply_commands(press(GLFW_KEY_S, true), engine, state);
  draw_frame(target, 20);
  update_window_recording(recorder, state, w, h, dir.path(""), 30.0, deep);
  CHECK_FALSE(state.screenshot_pending);
  const std::vector<std::string> pngs = files_with(dir.path(""), ".png");
  REQUIRE(pngs.size() == 1);
  CHECK(state.status_message == "screenshot " + pngs[0]);
  const cv::Mat shot = cv::imread(pngs[0]);
  CHECK(cv::norm(shot, render::read_framebuffer_bgr(w, h), cv::NORM_INF) == 0);
  const cv::Scalar c20 = colour_of(20);
  CHECK(shot.at<cv::Vec3b>(h / 2, w / 2) ==
        cv::Vec3b(static_cast<uint8_t>(c20[0]), static_cast<uint8_t>(c20[1]), static_cast<uint8_t>(c20[2])));
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

TEST_CASE("record: a window recording that fails (disk almost full) finalizes and says why") {
  TempDir dir;
  render::EglContext context;
  const int w = 64, h = 48;
  render::OffscreenFramebuffer target(w, h);
  int probes = 0;
  RecorderOptions options;
  options.codec = VideoCodec::Mjpg;
  options.free_space = [&](const std::filesystem::path&) -> std::uintmax_t {
    return ++probes <= 4 ? std::uintmax_t{1} << 40 : 0;  // room for the open and 3 frames
  };
  WindowRecorder recorder;
  recorder.start(dir.path("win.avi"), w, h, 30.0, options);
  std::optional<std::string> failure;
  for (int k = 0; k < 40 && !failure; ++k) {
    draw_frame(target, k);
    recorder.capture(w, h);
    failure = recorder.take_failure();
    if (!failure) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(failure.has_value());
  CHECK(failure->find("disk almost full") != std::string::npos);
  CHECK(failure->find("recorded 3 frames") == 0);
  CHECK_FALSE(recorder.active());
  CHECK(test::decode_video(dir.path("win.avi")).size() == 3);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}
