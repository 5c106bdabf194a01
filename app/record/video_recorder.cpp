#include "app/record/video_recorder.hpp"

#include "compute/core/error.hpp"

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <future>
#include <limits>
#include <system_error>
#include <utility>
#include <vector>

namespace deepvis::app {

namespace {

std::uintmax_t filesystem_free_space(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  const std::filesystem::space_info info = std::filesystem::space(dir, ec);
  return ec ? std::numeric_limits<std::uintmax_t>::max() : info.available;
}

std::string mebibytes(std::uintmax_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

int even(int n) {
  return n + (n & 1);
}

struct WriterChoice {
  int api;
  const char* fourcc;
  const char* extension;
  const char* name;
  VideoCodec codec;
};

// In the order tried. OpenCV maps the three H.264 tags to the same encoder; older builds know only some of them.
const std::vector<WriterChoice>& writer_choices() {
  static const std::vector<WriterChoice> choices = {
      {cv::CAP_FFMPEG, "avc1", ".mp4", "H.264 (avc1)", VideoCodec::H264},
      {cv::CAP_FFMPEG, "H264", ".mp4", "H.264 (H264)", VideoCodec::H264},
      {cv::CAP_FFMPEG, "X264", ".mp4", "H.264 (X264)", VideoCodec::H264},
      {cv::CAP_FFMPEG, "MJPG", ".avi", "MJPG", VideoCodec::Mjpg},
      {cv::CAP_OPENCV_MJPEG, "MJPG", ".avi", "MJPG (OpenCV)", VideoCodec::Mjpg},
  };
  return choices;
}

}  // namespace

const char* video_codec_name(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::H264: return "h264";
    case VideoCodec::Mjpg: return "mjpg";
    default: return "auto";
  }
}

VideoCodec parse_video_codec(const std::string& name) {
  if (name == "auto") return VideoCodec::Auto;
  if (name == "h264") return VideoCodec::H264;
  if (name == "mjpg") return VideoCodec::Mjpg;
  throw Error("unknown video codec '" + name + "' (expected auto, h264 or mjpg)");
}

VideoRecorder::VideoRecorder(const std::string& path, int width, int height, double fps, RecorderOptions options)
    : width_(width), height_(height), fps_(fps), options_(std::move(options)) {
  if (width <= 0 || height <= 0) throw Error("cannot record '" + path + "': empty frame size");
  if (!(fps > 0.0)) throw Error("cannot record '" + path + "': the frame rate must be positive");
  if (options_.queue_capacity == 0) options_.queue_capacity = 1;
  if (!options_.free_space) options_.free_space = filesystem_free_space;

  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
    throw OutputError("cannot record '" + path + "': folder '" + folder.string() + "' does not exist");
  }
  const std::uintmax_t free = options_.free_space(path);
  if (free < options_.min_free_bytes) {
    throw OutputError("cannot record '" + path + "': only " + mebibytes(free) + " free on its disk (" +
                      mebibytes(options_.min_free_bytes) + " needed)");
  }

  std::promise<std::string> opened;
  std::future<std::string> result = opened.get_future();
  encoder_ = std::thread([this, path, promise = std::move(opened)]() mutable {
    // Lower this thread's priority before the writer starts the encoder's worker threads, which inherit it.
    if (options_.encoder_nice != 0) {
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.encoder_nice);
    }
    const std::string error = open_writer(path);
    promise.set_value(error);
    if (error.empty()) encoder_loop();
  });
  const std::string error = result.get();
  if (!error.empty()) {
    encoder_.join();
    throw OutputError(error);
  }
}

// What the path's extension allows: "" (no extension, or keep_extension off: any), ".mp4" or ".avi"; an error for
// another container or for a --codec that contradicts the extension.
std::string container_of(const std::string& path, const RecorderOptions& options, std::string& error) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!options.keep_extension || ext.empty()) return "";
  if (ext != ".mp4" && ext != ".avi") {
    error =
        "cannot record '" + path + "': " + ext + " is not a container deepvis writes (.mp4 for H.264, .avi for MJPG)";
    return "";
  }
  const VideoCodec wanted = ext == ".mp4" ? VideoCodec::H264 : VideoCodec::Mjpg;
  if (options.codec != VideoCodec::Auto && options.codec != wanted) {
    error = "cannot record '" + path + "': codec " + video_codec_name(options.codec) + " does not go in " + ext +
            " (.mp4 is H.264, .avi is MJPG)";
  }
  return ext;
}

std::string VideoRecorder::open_writer(const std::string& path) {
  std::string error;
  const std::string container = container_of(path, options_, error);
  if (!error.empty()) return error;
  std::string tried;
  for (const WriterChoice& choice : writer_choices()) {
    if (options_.codec != VideoCodec::Auto && choice.codec != options_.codec) continue;
    if (!container.empty() && container != choice.extension) continue;
    const std::string candidate = std::filesystem::path(path).replace_extension(choice.extension).string();
    auto writer = std::make_unique<cv::VideoWriter>();
    bool opened = false;
    try {
      const int fourcc =
          cv::VideoWriter::fourcc(choice.fourcc[0], choice.fourcc[1], choice.fourcc[2], choice.fourcc[3]);
      opened = writer->open(candidate, choice.api, fourcc, fps_, cv::Size(even(width_), even(height_)), true);
    } catch (const cv::Exception&) {
      opened = false;  // some backends throw instead of returning false; either way, try the next
    }
    if (opened && writer->isOpened()) {
      writer_ = std::move(writer);
      path_ = candidate;
      codec_name_ = choice.name;
      codec_ = choice.codec;
      return "";
    }
    tried += (tried.empty() ? "" : ", ") + std::string(choice.name) + " as " + candidate;
  }
  if (!container.empty()) {
    return "cannot record '" + path + "': " + (container == ".mp4" ? "H.264" : "MJPG") +
           " is not available here (tried " + tried + "); " +
           (container == ".mp4" ? "record to .avi for MJPG" : "is the folder there and writable?");
  }
  return "cannot record '" + path + "': no video writer opened (tried " + tried +
         "); is the folder there and writable?";
}

VideoRecorder::~VideoRecorder() {
  stop();
}

bool VideoRecorder::push(const cv::Mat& bgr) {
  if (ended_.load()) return false;
  return enqueue(bgr.clone(), false);  // the caller keeps writing its buffer; the encoder needs its own copy
}

bool VideoRecorder::push(cv::Mat&& bgr) {
  if (ended_.load()) return false;
  return enqueue(std::move(bgr), false);
}

bool VideoRecorder::push_waiting(cv::Mat&& bgr) {
  if (ended_.load()) return false;
  return enqueue(std::move(bgr), true);
}

bool VideoRecorder::enqueue(cv::Mat frame, bool wait) {
  if (frame.type() != CV_8UC3 || frame.cols != width_ || frame.rows != height_) {
    throw Error("VideoRecorder '" + path_ + "': expects " + std::to_string(width_) + "x" + std::to_string(height_) +
                " BGR frames, got " + std::to_string(frame.cols) + "x" + std::to_string(frame.rows) + " with " +
                std::to_string(frame.channels()) + " channel(s)");
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (wait) {
      space_.wait(lock, [&] { return stopping_ || ended_.load() || queue_.size() < options_.queue_capacity; });
    }
    if (stopping_ || ended_.load()) return false;
    if (queue_.size() >= options_.queue_capacity) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(frame));
  }
  wake_.notify_one();
  return true;
}

uint64_t VideoRecorder::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ended_ = true;
  wake_.notify_all();
  space_.notify_all();
  if (encoder_.joinable()) encoder_.join();
  return written_.load();
}

std::string VideoRecorder::message() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return message_;
}

void VideoRecorder::end_with(const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
    message_ = message;
    dropped_ += queue_.size();  // queued but never to be written
    queue_.clear();
  }
  space_.notify_all();
}

void VideoRecorder::encoder_loop() {
  cv::Mat padded;
  for (;;) {
    cv::Mat frame;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and everything queued is written
      frame = std::move(queue_.front());
      queue_.pop_front();
    }
    space_.notify_one();
    if (options_.before_write) options_.before_write(written_.load());
    // Checked before every frame: a statvfs is cheap next to encoding, and stopping early is what keeps room
    // for the writer's trailer (the index that makes an MP4 playable).
    const std::uintmax_t free = options_.free_space(path_);
    if (free < options_.min_free_bytes) {
      ++dropped_;
      end_with("disk almost full: " + mebibytes(free) + " free for '" + path_ + "' (margin " +
               mebibytes(options_.min_free_bytes) + "); recording stopped after " + std::to_string(written_.load()) +
               " frames, file finalized");
      break;
    }
    try {
      if (frame.cols != even(frame.cols) || frame.rows != even(frame.rows)) {
        cv::copyMakeBorder(frame, padded, 0, even(frame.rows) - frame.rows, 0, even(frame.cols) - frame.cols,
                           cv::BORDER_CONSTANT, cv::Scalar::all(0));
        writer_->write(padded);
      } else {
        writer_->write(frame);
      }
    } catch (const std::exception& e) {
      ++dropped_;
      end_with("encoder error writing '" + path_ + "': " + e.what() + "; recording stopped after " +
               std::to_string(written_.load()) + " frames, file finalized");
      break;
    }
    ++written_;
  }
  try {
    writer_->release();  // writes the trailer: what makes the file playable
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (message_.empty()) message_ = "finalizing '" + path_ + "' failed: " + e.what();
  }
}

}  // namespace deepvis::app
