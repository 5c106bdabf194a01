// Frame sources and the capture thread: folders in name order, video files looping or ending, missing cameras,
// and failures that leave the last good frame in place.
#include "app/capture/capture_thread.hpp"
#include "app/capture/file_list_source.hpp"
#include "app/capture/frame_source.hpp"
#include "app/capture/latest_frame_slot.hpp"
#include "app/capture/video_source.hpp"
#include "compute/core/error.hpp"
#include "tests/support/polling.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

using namespace deepvis::app;
using deepvis::test::TempDir;

namespace {

cv::Mat flat_bgr(int b, int g, int r, int w = 32, int h = 24) {
  return cv::Mat(h, w, CV_8UC3, cv::Scalar(b, g, r));
}

void write_garbage(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  std::fputs("not an image", f);
  std::fclose(f);
}

// A short MJPG video whose frame i is flat gray 40 * i; false when this OpenCV cannot write one.
bool write_video(const std::string& path, int frames) {
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25.0, cv::Size(32, 24));
  if (!writer.isOpened()) return false;
  for (int i = 0; i < frames; ++i) writer.write(flat_bgr(40 * i, 40 * i, 40 * i));
  return true;
}

}  // namespace

TEST_CASE("engine: capture of a folder lists its images by name and steps with wrap-around") {
  TempDir dir;
  REQUIRE(cv::imwrite(dir.path("b.png"), flat_bgr(0, 0, 255)));  // red
  REQUIRE(cv::imwrite(dir.path("a.png"), flat_bgr(0, 255, 0)));  // green
  REQUIRE(cv::imwrite(dir.path("c.jpg"), flat_bgr(255, 0, 0)));  // blue
  write_garbage(dir.path("notes.txt"));
  const std::string folder = std::filesystem::path(dir.path("a.png")).parent_path().string();

  auto source = open_source(folder);
  CHECK(source->kind() == SourceKind::Files);
  std::string name;
  cv::Mat rgb = source->read(name);
  CHECK(name == "a.png");
  CHECK(rgb.at<cv::Vec3b>(0, 0) == cv::Vec3b(0, 255, 0));  // RGB order
  CHECK(source->step_file(1));
  source->read(name);
  CHECK(name == "b.png");
  CHECK(source->step_file(2));  // b -> c -> a
  rgb = source->read(name);
  CHECK(name == "a.png");
  CHECK(source->step_file(-1));  // a -> c
  rgb = source->read(name);
  CHECK(name == "c.jpg");
  CHECK(rgb.at<cv::Vec3b>(0, 0)[2] > 200);  // blue, in RGB's third place
  CHECK(source->describe().find("3 of 3") != std::string::npos);

  // A single image steps through its folder, starting from itself.
  auto single = open_source(dir.path("b.png"));
  single->read(name);
  CHECK(name == "b.png");
  CHECK(single->step_file(1));
  single->read(name);
  CHECK(name == "c.jpg");

  CHECK_THROWS_AS(open_source(dir.path("missing.png")), deepvis::Error);
}

TEST_CASE("engine: capture of a video file reads its frames in order, then loops or reports the end") {
  TempDir dir;
  const std::string video = dir.path("clip.avi");
  if (!write_video(video, 4)) {
    DEEPVIS_SKIP("this OpenCV cannot write MJPG AVI files; video source not tested");
  }
  auto source = open_source(video);
  CHECK(source->kind() == SourceKind::Video);
  CHECK(source->live());
  CHECK(source->frame_interval_s() == doctest::Approx(1.0 / 25.0));
  std::string name;
  for (int i = 0; i < 4; ++i) {
    const cv::Mat rgb = source->read(name);
    CHECK(std::abs(static_cast<int>(rgb.at<cv::Vec3b>(12, 16)[1]) - 40 * i) <= 6);  // MJPG is lossy
  }
  CHECK(name == "clip.avi #4");
  const cv::Mat again = source->read(name);  // loops by default
  CHECK(static_cast<int>(again.at<cv::Vec3b>(12, 16)[1]) <= 6);
  CHECK(name == "clip.avi #1");

  source->set_loop(false);
  for (int i = 1; i < 4; ++i) source->read(name);
  CHECK_THROWS_WITH_AS(source->read(name), doctest::Contains("ended"), deepvis::Error);
}

TEST_CASE("engine: capture reports a missing camera by its index") {
  CHECK_THROWS_WITH_AS(open_camera(97), doctest::Contains("no camera at index 97"), deepvis::Error);
}

TEST_CASE("engine: the capture thread publishes frames, steps files, and keeps the last good frame on errors") {
  TempDir dir;
  REQUIRE(cv::imwrite(dir.path("1.png"), flat_bgr(10, 10, 10)));
  REQUIRE(cv::imwrite(dir.path("2.png"), flat_bgr(20, 20, 20)));
  write_garbage(dir.path("3.png"));
  const std::string folder = std::filesystem::path(dir.path("1.png")).parent_path().string();

  LatestFrameSlot slot;
  CaptureThread capture(slot);
  capture.post(OpenPath{folder});
  REQUIRE(deepvis::test::eventually([&] { return slot.published() == 1; }));
  const std::optional<Frame> first = slot.take_newer(0);
  REQUIRE(first);
  CHECK(first->name == "1.png");
  CHECK(first->capture_ms > 0.0);  // reading and decoding the PNG, timed
  CHECK(first->still);             // an image of a folder: the engine does not follow a face across it
  CHECK(capture.status().kind == SourceKind::Files);

  capture.post(StepFile{1});
  REQUIRE(deepvis::test::eventually([&] { return slot.published() == 2; }));
  CHECK(slot.take_newer(1)->name == "2.png");

  // 3.png is not an image: an error naming it, and 2.png stays the newest frame.
  capture.post(StepFile{1});
  REQUIRE(deepvis::test::eventually([&] { return capture.status().error_count == 1; }));
  CHECK(capture.status().error.find("3.png") != std::string::npos);
  CHECK(slot.published() == 2);
  CHECK(slot.take_newer(0)->name == "2.png");

  // A file that does not exist: reported, the folder stays open.
  capture.post(OpenPath{dir.path("gone.png")});
  REQUIRE(deepvis::test::eventually([&] { return capture.status().error_count == 2; }));
  CHECK(capture.status().error.find("gone.png") != std::string::npos);
  CHECK(capture.status().kind == SourceKind::Files);
  CHECK(deepvis::test::eventually([&] { return capture.status().commands_done == 4; }));
}

TEST_CASE("engine: switching to the camera without one says so and stays on the files") {
  if (std::filesystem::exists("/dev/video0")) {
    DEEPVIS_SKIP("a camera is present; the no-camera path is not tested here");
  }
  TempDir dir;
  REQUIRE(cv::imwrite(dir.path("only.png"), flat_bgr(50, 60, 70)));
  LatestFrameSlot slot;
  CaptureThread capture(slot);
  capture.post(OpenPath{dir.path("only.png")});
  capture.post(SwitchCameraFiles{});
  REQUIRE(deepvis::test::eventually([&] { return capture.status().commands_done == 2; }));
  const CaptureStatus status = capture.status();
  CHECK(status.error.find("no camera") != std::string::npos);
  CHECK(status.error.find("staying on the files") != std::string::npos);
  CHECK(status.kind == SourceKind::Files);
  REQUIRE(deepvis::test::eventually([&] { return slot.published() == 1; }));
  CHECK(slot.take_newer(0)->name == "only.png");
}
