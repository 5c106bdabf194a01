#pragma once
// Writes frames to a video file on a thread of its own, so the caller (the GUI's frame loop, the record command)
// never waits for the encoder. H.264 in MP4 through OpenCV's FFmpeg backend when it accepts it, else MJPG in AVI.
//
// Frames wait in a bounded queue; when the encoder falls behind, push() drops the frame and counts it instead of
// blocking. The file is finalized (queue drained, writer released, so it plays) by stop(), by the destructor, on an
// encoder error and when the disk is about to fill up; the last two leave a message saying why.
#include <opencv2/core/mat.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace cv {
class VideoWriter;
}

namespace deepvis::app {

enum class VideoCodec { Auto, H264, Mjpg };

// "auto", "h264", "mjpg"; parse throws deepvis::Error naming the value.
const char* video_codec_name(VideoCodec codec);
VideoCodec parse_video_codec(const std::string& name);

struct RecorderOptions {
  VideoCodec codec = VideoCodec::Auto;  // Auto: H.264 when the FFmpeg backend takes it, else MJPG
  // The path's extension is the user's choice of container: .mp4 is H.264 and .avi is MJPG, and when that codec
  // is missing the recorder fails rather than write another file. False (for names deepvis makes itself, the
  // window's timestamped recordings): the extension may change to the codec that opened.
  bool keep_extension = true;
  size_t queue_capacity = 8;  // frames waiting for the encoder; beyond it push() drops
  // Free bytes the target's filesystem must keep: below it the recording stops before the disk is full, so the
  // writer can still finalize the file (an MP4 without its index does not play).
  std::uintmax_t min_free_bytes = std::uintmax_t{64} << 20;
  // Free bytes on the filesystem holding `path`. Default: std::filesystem::space(...).available; tests inject a
  // full disk. Errors count as plenty of space (a probe that fails must not stop a recording that works).
  std::function<std::uintmax_t(const std::filesystem::path& path)> free_space;
  // Nice value of the encoder thread and of the encoder's own threads (it opens the writer, so they inherit it):
  // on a busy CPU the frame loop keeps its rate and the recording drops frames instead. 0 for offline rendering.
  int encoder_nice = 10;
  // Called on the encoder thread before each frame is written; tests make a slow encoder with it.
  std::function<void(uint64_t frame_index)> before_write;
};

class VideoRecorder {
 public:
  // Opens the writer: .mp4 with H.264 (fourcc avc1, then H264, X264) through cv::CAP_FFMPEG, else `path` with the
  // extension changed to .avi and MJPG (FFmpeg, then OpenCV's own MJPEG writer). Odd sizes are padded by one
  // black row or column (H.264 in 4:2:0 needs even sizes). Throws deepvis::Error naming the file when no writer
  // opens (missing folder, no permission) or the disk is already below the margin.
  VideoRecorder(const std::string& path, int width, int height, double fps, RecorderOptions options = {});
  ~VideoRecorder();  // finalizes, like stop()
  VideoRecorder(const VideoRecorder&) = delete;
  VideoRecorder& operator=(const VideoRecorder&) = delete;

  // Queues a BGR (CV_8UC3) frame of width() x height() (the video is that size rounded up to even). True when
  // queued; false when dropped (queue full: counted in frames_dropped()) or when the recording has ended. Never
  // blocks on the encoder. The rvalue overload takes the pixels without copying: the caller must not write them
  // afterwards. Throws deepvis::Error on a frame of another size or type.
  bool push(const cv::Mat& bgr);
  bool push(cv::Mat&& bgr);
  // For offline rendering, where every frame must land: waits while the queue is full instead of dropping. False
  // only when the recording has ended (see message()).
  bool push_waiting(cv::Mat&& bgr);

  // Stops taking frames, writes the queued ones, releases the writer. Idempotent; returns frames_written().
  uint64_t stop();

  // Whether frames are still taken (false after stop(), an encoder error, or a full disk).
  bool active() const { return !ended_.load(); }
  const std::string& path() const { return path_; }              // the file actually written (.mp4 or .avi)
  const std::string& codec_name() const { return codec_name_; }  // "H.264 (avc1)", "MJPG"
  VideoCodec codec() const { return codec_; }
  int width() const { return width_; }
  int height() const { return height_; }
  double fps() const { return fps_; }
  uint64_t frames_written() const { return written_.load(); }
  uint64_t frames_dropped() const { return dropped_.load(); }
  // Why the recording ended early (encoder error, disk full); "" otherwise.
  std::string message() const;

 private:
  std::string open_writer(const std::string& path);  // on the encoder thread; the error, or "" when open
  bool enqueue(cv::Mat frame, bool wait);
  void encoder_loop();
  void end_with(const std::string& message);  // on the encoder thread: record why, refuse further frames

  std::string path_;
  std::string codec_name_;
  VideoCodec codec_ = VideoCodec::Auto;
  int width_ = 0;
  int height_ = 0;
  double fps_ = 0.0;
  RecorderOptions options_;
  std::unique_ptr<cv::VideoWriter> writer_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;   // the encoder: a frame arrived, or stop
  std::condition_variable space_;  // push_waiting(): the encoder took a frame, or the recording ended
  std::deque<cv::Mat> queue_;
  bool stopping_ = false;
  std::string message_;
  std::atomic<bool> ended_{false};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::thread encoder_;
};

}  // namespace deepvis::app
