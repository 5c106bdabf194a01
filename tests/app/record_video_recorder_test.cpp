// VideoRecorder: every queued frame lands in a file OpenCV decodes, a slow encoder drops (and counts) frames
// instead of blocking, a full disk and the destructor both leave a finalized file. The oracle is the decoded video
// compared with the frames pushed, each frame a distinct colour pattern, so a lost, repeated or reordered frame
// shows.
#include "app/record/video_recorder.hpp"
#include "compute/core/error.hpp"
#include "tests/support/process.hpp"
#include "tests/support/video_check.hpp"

#include <doctest/doctest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

using namespace deepvis;
using namespace deepvis::app;
using deepvis::test::TempDir;

namespace {

// Frame k: a smooth colour field whose hue and phase depend on k, so frames differ clearly but compress well.
cv::Mat test_frame(int k, int width = 96, int height = 64) {
  cv::Mat m(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uint8_t>((k * 53 + x * 2) % 256), static_cast<uint8_t>((k * 97 + y * 3) % 256),
                    static_cast<uint8_t>((k * 29 + 128) % 256));
    }
  }
  return m;
}

// The decoded frames are the pushed frames `expected` in order: each close to its own, far from the next one.
void check_frames(const std::vector<cv::Mat>& decoded, const std::vector<int>& expected, int width, int height) {
  REQUIRE(decoded.size() == expected.size());
  for (size_t i = 0; i < decoded.size(); ++i) {
    REQUIRE(decoded[i].cols >= width);
    REQUIRE(decoded[i].rows >= height);
    const cv::Mat visible = decoded[i](cv::Rect(0, 0, width, height));
    const double own = test::mean_abs_diff(visible, test_frame(expected[i], width, height));
    const double other = test::mean_abs_diff(visible, test_frame(expected[i] + 1, width, height));
    CHECK_MESSAGE(own < 6.0, "frame " << i << " differs from frame " << expected[i] << " by " << own);
    CHECK_MESSAGE(other > 20.0, "frame " << i << " is as close to the next frame: " << other);
  }
}

}  // namespace

TEST_CASE("record: VideoRecorder writes every frame, decodable, in both the H.264 and the MJPG path") {
  TempDir dir;
  for (VideoCodec codec : {VideoCodec::Auto, VideoCodec::Mjpg}) {
    RecorderOptions options;
    options.codec = codec;
    options.keep_extension = false;  // as for the window's own file names: the extension follows the codec
    VideoRecorder recorder(dir.path(std::string("clip_") + video_codec_name(codec) + ".mp4"), 96, 64, 25.0, options);
    INFO(recorder.path() << " " << recorder.codec_name());
    if (codec == VideoCodec::Mjpg) {
      CHECK(recorder.path().size() > 4);
      CHECK(recorder.path().substr(recorder.path().size() - 4) == ".avi");
      CHECK(recorder.codec() == VideoCodec::Mjpg);
    } else {
      // Auto says what it picked, and the extension follows: .mp4 for H.264, .avi for MJPG.
      const std::string ext = recorder.path().substr(recorder.path().size() - 4);
      CHECK(ext == (recorder.codec() == VideoCodec::H264 ? ".mp4" : ".avi"));
      MESSAGE("auto picked " << recorder.codec_name());
    }
    std::vector<int> expected;
    for (int k = 0; k < 20; ++k) {
      REQUIRE(recorder.push_waiting(test_frame(k)));
      expected.push_back(k);
    }
    CHECK(recorder.stop() == 20);
    CHECK(recorder.frames_dropped() == 0);
    CHECK(recorder.message().empty());
    CHECK_FALSE(recorder.active());
    CHECK_FALSE(recorder.push(test_frame(0)));  // stopped: refused, not counted as dropped
    CHECK(recorder.frames_dropped() == 0);
    check_frames(test::decode_video(recorder.path()), expected, 96, 64);
  }
}

TEST_CASE("record: the extension the user typed picks the container and codec, or the recording fails") {
  TempDir dir;
  {
    VideoRecorder avi(dir.path("x.avi"), 96, 64, 25.0);  // .avi is MJPG, even where H.264 is there
    CHECK(avi.path() == dir.path("x.avi"));
    CHECK(avi.codec() == VideoCodec::Mjpg);
    REQUIRE(avi.push_waiting(test_frame(0)));
    CHECK(avi.stop() == 1);
  }
  CHECK(std::filesystem::exists(dir.path("x.avi")));
  CHECK_FALSE(std::filesystem::exists(dir.path("x.mp4")));
  try {
    VideoRecorder mp4(dir.path("y.mp4"), 96, 64, 25.0);  // H.264, or an error: never y.avi
    CHECK(mp4.path() == dir.path("y.mp4"));
    CHECK(mp4.codec() == VideoCodec::H264);
  } catch (const deepvis::Error& e) {
    CHECK(std::string(e.what()).find("H.264 is not available") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(dir.path("y.avi")));
  CHECK_THROWS_WITH_AS(VideoRecorder(dir.path("z.mkv"), 96, 64, 25.0),
                       doctest::Contains(".mkv is not a container deepvis writes"), deepvis::Error);
  RecorderOptions h264;
  h264.codec = VideoCodec::H264;
  CHECK_THROWS_WITH_AS(VideoRecorder(dir.path("w.avi"), 96, 64, 25.0, h264),
                       doctest::Contains("codec h264 does not go in .avi"), deepvis::Error);
  CHECK_FALSE(std::filesystem::exists(dir.path("z.mkv")));
  CHECK_FALSE(std::filesystem::exists(dir.path("w.avi")));
}

TEST_CASE("record: VideoRecorder drops and counts frames while a slow encoder is busy, without blocking") {
  TempDir dir;
  std::mutex mutex;
  std::condition_variable changed;
  bool in_first_write = false;
  bool release = false;
  RecorderOptions options;
  options.queue_capacity = 3;
  options.codec = VideoCodec::Mjpg;
  options.before_write = [&](uint64_t index) {
    if (index != 0) return;
    std::unique_lock<std::mutex> lock(mutex);
    in_first_write = true;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });  // the encoder is stuck on frame 0 until the test lets it go
  };
  VideoRecorder recorder(dir.path("slow.avi"), 96, 64, 30.0, options);
  REQUIRE(recorder.push(test_frame(0)));
  {
    std::unique_lock<std::mutex> lock(mutex);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(30), [&] { return in_first_write; }));
  }
  // Frame 0 is with the encoder: 3 fit in the queue, the other 7 are dropped at once.
  const auto t0 = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int k = 1; k <= 10; ++k) accepted += recorder.push(test_frame(k)) ? 1 : 0;
  const double push_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("10 pushes against a stuck encoder took " << push_ms << " ms");
  CHECK(accepted == 3);
  CHECK(recorder.frames_dropped() == 7);
  CHECK(recorder.frames_written() == 0);
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  changed.notify_all();
  CHECK(recorder.stop() == 4);
  CHECK(recorder.frames_dropped() == 7);
  check_frames(test::decode_video(recorder.path()), {0, 1, 2, 3}, 96, 64);
}

TEST_CASE("record: a full disk stops VideoRecorder with a message and leaves a playable file") {
  TempDir dir;
  for (VideoCodec codec : {VideoCodec::Auto, VideoCodec::Mjpg}) {
    std::atomic<int> probes{0};
    RecorderOptions options;
    options.codec = codec;
    options.min_free_bytes = 100 << 20;
    // Plenty of room for the open and the first 5 frames, then 10 MiB: below the 100 MiB margin.
    options.free_space = [&](const std::filesystem::path&) -> std::uintmax_t {
      return ++probes <= 6 ? std::uintmax_t{50} << 30 : std::uintmax_t{10} << 20;
    };
    VideoRecorder recorder(
        dir.path(std::string("full_") + video_codec_name(codec) + (codec == VideoCodec::Mjpg ? ".avi" : ".mp4")), 96,
        64, 30.0, options);
    INFO(recorder.codec_name());
    int accepted = 0;
    for (int k = 0; k < 12; ++k) accepted += recorder.push_waiting(test_frame(k)) ? 1 : 0;
    recorder.stop();
    CHECK(recorder.frames_written() == 5);
    CHECK_FALSE(recorder.active());
    const std::string message = recorder.message();
    CHECK(message.find("disk almost full") != std::string::npos);
    CHECK(message.find(recorder.path()) != std::string::npos);
    CHECK(message.find("after 5 frames") != std::string::npos);
    CHECK(accepted >= 6);  // the sixth was queued before the encoder saw the disk full
    check_frames(test::decode_video(recorder.path()), {0, 1, 2, 3, 4}, 96, 64);
  }
  // Already below the margin: refused at the start, naming the file.
  RecorderOptions full;
  full.free_space = [](const std::filesystem::path&) -> std::uintmax_t { return 0; };
  CHECK_THROWS_WITH_AS(VideoRecorder(dir.path("never.mp4"), 96, 64, 30.0, full), doctest::Contains("never.mp4"),
                       deepvis::Error);
}

TEST_CASE("record: the VideoRecorder destructor finalizes the file (quit without stop)") {
  TempDir dir;
  std::string path;
  {
    VideoRecorder recorder(dir.path("quit.mp4"), 96, 64, 30.0);  // H.264 when available: needs its trailer
    path = recorder.path();
    for (int k = 0; k < 6; ++k) REQUIRE(recorder.push(test_frame(k)));  // queue of 8: nothing dropped
  }
  check_frames(test::decode_video(path), {0, 1, 2, 3, 4, 5}, 96, 64);
}

TEST_CASE("record: VideoRecorder pads odd sizes, rejects wrong frames and unwritable paths") {
  TempDir dir;
  {
    VideoRecorder recorder(dir.path("odd.mp4"), 33, 21, 30.0);
    for (int k = 0; k < 3; ++k) REQUIRE(recorder.push_waiting(test_frame(k, 33, 21)));
    CHECK_THROWS_WITH_AS(recorder.push(test_frame(0, 32, 21)), doctest::Contains("33x21"), deepvis::Error);
    cv::Mat gray(21, 33, CV_8UC1, cv::Scalar(0));
    CHECK_THROWS_AS(recorder.push(gray), deepvis::Error);
    CHECK(recorder.stop() == 3);
    const std::vector<cv::Mat> frames = test::decode_video(recorder.path());
    REQUIRE(frames.size() == 3);
    CHECK(frames[0].cols == 34);
    CHECK(frames[0].rows == 22);
    check_frames(frames, {0, 1, 2}, 33, 21);
  }
  CHECK_THROWS_WITH_AS(VideoRecorder(dir.path("no/such/folder/x.mp4"), 64, 64, 30.0),
                       doctest::Contains("no/such/folder"), deepvis::Error);
  CHECK(parse_video_codec("mjpg") == VideoCodec::Mjpg);
  CHECK_THROWS_WITH_AS(parse_video_codec("vp9"), doctest::Contains("vp9"), deepvis::Error);
}
