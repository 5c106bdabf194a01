// AsyncReadback under the headless EGL context: every frame read back through the PBO ring equals the synchronous
// read (render/framebuffer_capture.hpp) of the same frame, in order, with the documented latency, also when the
// size changes between frames.
#include "app/record/window_recorder.hpp"
#include "compute/core/error.hpp"
#include "render/async_readback.hpp"
#include "render/egl_context.hpp"
#include "render/framebuffer_capture.hpp"
#include "render/pbo_uploader.hpp"
#include "render/textured_quad.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <epoxy/gl.h>
#include <opencv2/core.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace deepvis;
using deepvis::test::TempDir;

namespace {

cv::Mat pattern(int w, int h, int frame) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      m.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>(x * 5 + frame * 40), static_cast<uint8_t>(y * 9 + frame),
                                        static_cast<uint8_t>((x ^ y) + frame * 17));
    }
  }
  return m;
}

}  // namespace

TEST_CASE("record: AsyncReadback returns what the synchronous read sees, frame by frame, at its latency") {
  render::EglContext context;
  INFO(context.description());
  render::PboUploader uploader;
  render::TexturedQuad quad;
  for (int depth : {2, 3}) {
    render::AsyncReadback readback(depth);
    CHECK(readback.depth() == depth);
    std::vector<cv::Mat> expected;  // the synchronous read of each frame drawn
    std::vector<cv::Mat> got;
    // Odd widths (rows not 4-byte aligned), and a size change in the middle, as when a window is resized.
    const int sizes[][2] = {{37, 23}, {37, 23}, {37, 23}, {64, 40}, {64, 40}, {51, 17}, {51, 17}};
    int frame = 0;
    for (const auto& size : sizes) {
      const int w = size[0], h = size[1];
      render::OffscreenFramebuffer target(w, h);
      uploader.upload(pattern(w, h, frame));
      target.bind();
      glClearColor(1, 0, 1, 1);
      glClear(GL_COLOR_BUFFER_BIT);
      quad.draw(uploader.texture());
      expected.push_back(render::read_framebuffer_bgr(w, h));
      const cv::Mat done = readback.read(w, h);
      // Nothing for the first depth-1 frames, then the frame from depth-1 calls earlier.
      if (frame < depth - 1) {
        CHECK(done.empty());
      } else {
        REQUIRE_FALSE(done.empty());
        got.push_back(done);
      }
      CHECK(readback.in_flight() == std::min(frame + 1, depth - 1));
      glBindFramebuffer(GL_FRAMEBUFFER, 0);
      ++frame;
    }
    for (cv::Mat done = readback.finish_one(); !done.empty(); done = readback.finish_one()) got.push_back(done);
    CHECK(readback.in_flight() == 0);
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      REQUIRE(got[i].size() == expected[i].size());
      CHECK_MESSAGE(cv::norm(got[i], expected[i], cv::NORM_INF) == 0, "depth " << depth << " frame " << i);
      // Not vacuous: the drawn pattern itself, top-down.
      CHECK(cv::norm(got[i], pattern(got[i].cols, got[i].rows, static_cast<int>(i)), cv::NORM_INF) == 0);
    }
  }
  CHECK_THROWS_AS(render::AsyncReadback(4), Error);
}

TEST_CASE("record: what recording a 1080p window costs the frame loop (printed), every frame accounted for") {
  TempDir dir;
  render::EglContext context;
  const int w = 1920, h = 1080, frames = 90;
  render::OffscreenFramebuffer target(w, h);
  render::PboUploader uploader;
  render::TexturedQuad quad;
  const cv::Mat image = pattern(w, h, 0);
  double capture_ms = 0.0;
  // A stand-in for the GUI's frame: a full-window upload and draw, then (when recording) the recording step.
  auto run = [&](app::WindowRecorder* recorder) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < frames; ++k) {
      uploader.upload(image);
      target.bind();
      quad.draw(uploader.texture());
      if (recorder) {
        const auto c0 = std::chrono::steady_clock::now();
        recorder->capture(w, h);
        capture_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c0).count();
      }
      glFinish();  // the frame is on screen: what vsync would wait for
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / frames;
  };
  run(nullptr);  // warm-up: first-use allocations in the driver
  const double plain = run(nullptr);
  app::WindowRecorder recorder;
  recorder.start(dir.path("bench.mp4"), w, h, 30.0);
  const double recording = run(&recorder);
  const app::RecordingStatus status = recorder.status();
  const std::string summary = recorder.stop();
  MESSAGE("1080p frame: " << plain << " ms plain, " << recording << " ms recording (+"
                          << 100.0 * (recording - plain) / plain << "%), of which " << capture_ms / frames
                          << " ms in the recording step; " << summary);
  // Every frame read back is either written or counted as dropped (the last one in flight is written by stop()).
  CHECK(status.frames + status.dropped <= static_cast<uint64_t>(frames));
  CHECK(summary.find("recorded ") == 0);
  const auto recorded = std::stoull(summary.substr(9));
  const auto dropped = std::stoull(summary.substr(summary.find("), ") + 3));
  CHECK(recorded + dropped == static_cast<uint64_t>(frames));
  CHECK(recorded >= 1);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}
