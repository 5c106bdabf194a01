#include "app/record/window_recorder.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>

namespace deepvis::app {

WindowRecorder::~WindowRecorder() {
  stop();
}

void WindowRecorder::start(const std::string& path, int width, int height, double fps, RecorderOptions options,
                           RecordTarget target) {
  stop();
  target_ = target;
  auto recorder = std::make_unique<VideoRecorder>(path, width, height, fps, std::move(options));
  readback_ = std::make_unique<render::AsyncReadback>(2);  // one frame of latency is enough to never wait
  recorder_ = std::move(recorder);
}

cv::Mat fit_frame(const cv::Mat& frame, cv::Size size, RecordTarget target) {
  if (frame.size() == size) return frame;
  cv::Mat fitted(size, frame.type(), cv::Scalar::all(0));
  if (target == RecordTarget::Window) {
    const cv::Rect common(0, 0, std::min(frame.cols, size.width), std::min(frame.rows, size.height));
    frame(common).copyTo(fitted(common));
    return fitted;
  }
  const double scale =
      std::min(static_cast<double>(size.width) / frame.cols, static_cast<double>(size.height) / frame.rows);
  const int w = std::clamp(static_cast<int>(std::lround(frame.cols * scale)), 1, size.width);
  const int h = std::clamp(static_cast<int>(std::lround(frame.rows * scale)), 1, size.height);
  const cv::Rect place((size.width - w) / 2, (size.height - h) / 2, w, h);
  // Area averaging when shrinking (no aliasing of fine text and tiles), linear when enlarging.
  cv::resize(frame, fitted(place), place.size(), 0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return fitted;
}

void WindowRecorder::push(cv::Mat frame) {
  frame = fit_frame(frame, cv::Size(recorder_->width(), recorder_->height()), target_);
  recorder_->push(std::move(frame));  // never blocks: a full queue drops the frame and counts it
}

void WindowRecorder::capture(int width, int height) {
  capture(cv::Rect(0, 0, width, height), height);
}

void WindowRecorder::capture(const cv::Rect& region, int framebuffer_height) {
  if (!recorder_ || !recorder_->active()) return;
  cv::Mat done = readback_->read(region, framebuffer_height);
  if (!done.empty()) push(std::move(done));
}

std::string WindowRecorder::stop() {
  if (!recorder_) return "";
  if (recorder_->active()) {
    for (cv::Mat done = readback_->finish_one(); !done.empty(); done = readback_->finish_one()) push(std::move(done));
  }
  readback_.reset();
  const uint64_t frames = recorder_->stop();
  std::string line = "recorded " + std::to_string(frames) + " frames to " + recorder_->path() + " (" +
                     recorder_->codec_name() + "), " + std::to_string(recorder_->frames_dropped()) + " dropped";
  const std::string message = recorder_->message();
  if (!message.empty()) line += "; " + message;
  recorder_.reset();
  return line;
}

std::optional<std::string> WindowRecorder::take_failure() {
  if (!recorder_ || recorder_->active()) return std::nullopt;
  return stop();
}

RecordingStatus WindowRecorder::status() const {
  RecordingStatus s;
  if (!recorder_) return s;
  s.active = recorder_->active();
  s.file = recorder_->path();
  s.codec = recorder_->codec_name();
  s.frames = recorder_->frames_written();
  s.dropped = recorder_->frames_dropped();
  s.target = record_target_name(target_);
  return s;
}

std::string timestamped_path(const std::string& folder, const std::string& extension) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char name[64];
  std::strftime(name, sizeof name, "deepvis-%Y%m%d-%H%M%S", &local);
  std::filesystem::path base = std::filesystem::path(folder.empty() ? "." : folder) / name;
  // Two in the same second (a screenshot right after another) get a suffix instead of overwriting.
  std::filesystem::path path = base.string() + extension;
  for (int i = 2; std::filesystem::exists(path); ++i) path = base.string() + "-" + std::to_string(i) + extension;
  return path.string();
}

}  // namespace deepvis::app
