// The live GUI's camera inputs without a camera: the WxH size parsing, the --camera / --camera-size flags, and a
// missing camera reported by the index asked for while the last good frame stays.
#include "app/capture/camera_size.hpp"
#include "app/capture/capture_thread.hpp"
#include "app/capture/frame_source.hpp"
#include "app/capture/latest_frame_slot.hpp"
#include "compute/core/error.hpp"
#include "tests/support/polling.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

using namespace deepvis::app;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

bool camera_present() {
  return std::filesystem::exists("/dev/video0");
}

}  // namespace

TEST_CASE("live: a camera size parses as WIDTHxHEIGHT and anything else is refused naming the value") {
  CHECK(parse_camera_size("640x480") == cv::Size(640, 480));
  CHECK(parse_camera_size("1920X1080") == cv::Size(1920, 1080));
  CHECK(parse_camera_size("1x16384") == cv::Size(1, 16384));
  CHECK(parse_camera_size("") == cv::Size(0, 0));  // not given: the camera's default
  CHECK(camera_size_text(cv::Size(1280, 720)) == "1280x720");
  for (const char* bad : {"640", "640x", "x480", "0x480", "640x0", "-640x480", "640x480x3", "640 x 480", "axb",
                          "16385x100", "99999999x1", "640,480"}) {
    INFO(bad);
    const std::string quoted = std::string("'") + bad + "'";
    CHECK_THROWS_WITH_AS(parse_camera_size(bad), doctest::Contains(quoted.c_str()), deepvis::Error);
  }
}

TEST_CASE("live: a missing camera asked for a size is reported by its index, and c retries that camera") {
  if (camera_present()) {
    DEEPVIS_SKIP("a camera is present; the no-camera path is not tested here");
  }
  CHECK_THROWS_WITH_AS(open_camera(95, cv::Size(640, 480)), doctest::Contains("no camera at index 95"), deepvis::Error);

  TempDir dir;
  REQUIRE(cv::imwrite(dir.path("last.png"), cv::Mat(24, 32, CV_8UC3, cv::Scalar(1, 2, 3))));
  LatestFrameSlot slot;
  CaptureThread capture(slot);
  capture.post(OpenPath{dir.path("last.png")});
  REQUIRE(deepvis::test::eventually([&] { return slot.published() == 1; }));

  capture.post(OpenCamera{95, 1280, 720});
  REQUIRE(deepvis::test::eventually([&] { return capture.status().commands_done == 2; }));
  CaptureStatus status = capture.status();
  CHECK(status.error_count == 1);
  CHECK(status.error.find("no camera at index 95") != std::string::npos);
  CHECK(status.kind == SourceKind::Files);  // the image stays open
  CHECK(slot.published() == 1);
  CHECK(slot.take_newer(0)->name == "last.png");

  // `c` goes to the camera asked for last, not to camera 0.
  capture.post(SwitchCameraFiles{});
  REQUIRE(deepvis::test::eventually([&] { return capture.status().commands_done == 3; }));
  status = capture.status();
  CHECK(status.error_count == 2);
  CHECK(status.error.find("no camera at index 95") != std::string::npos);
  CHECK(status.error.find("staying on the files") != std::string::npos);
}

TEST_CASE("live: --camera-size and --camera are checked before any window opens") {
  const std::string deepvis = deepvis::test::deepvis_binary();
  // No display is needed to be told: each is refused during parsing.
  const auto bad_size =
      run_process({deepvis, "--camera", "0", "--camera-size", "640by480"}, "env -u DISPLAY -u WAYLAND_DISPLAY");
  CHECK(bad_size.exit_code == 2);
  CHECK(bad_size.output.find("'640by480'") != std::string::npos);
  CHECK(bad_size.output.find("WIDTHxHEIGHT") != std::string::npos);

  const auto negative = run_process({deepvis, "--camera", "-1"}, "env -u DISPLAY -u WAYLAND_DISPLAY");
  CHECK(negative.exit_code == 2);
  CHECK(negative.output.find("--camera") != std::string::npos);

  const auto both = run_process({deepvis, "--camera", "0", "--input", DEEPVIS_SOURCE_DIR "/README.md"},
                                "env -u DISPLAY -u WAYLAND_DISPLAY");
  CHECK(both.exit_code == 2);
  CHECK(both.output.find("excludes") != std::string::npos);

  // A good size and a missing camera without a display: the flags parse, and the failure is the display's (exit 5,
  // environment), not a usage error.
  if (!camera_present()) {
    const auto parsed =
        run_process({deepvis, "--camera", "93", "--camera-size", "320x240"}, "env -u DISPLAY -u WAYLAND_DISPLAY");
    INFO(parsed.output);
    CHECK(parsed.exit_code == 5);
  }
}
