#include "app/record/window_recorder.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>

namespace deepvis::app {

WindowRecorder::~WindowRecorder() {
  stop();
}

void WindowRecorder::start(const std::string& path, int width, int height, double fps, RecorderOptions options) {
  stop();
  auto recorder = std::make_unique<VideoRecorder>(path, width, height, fps, std::move(options));
  readback_ = std::make_unique<render::AsyncReadback>(2);  // one frame of latency is enough to never wait
  recorder_ = std::move(recorder);
}

void WindowRecorder::push(cv::Mat frame) {
  if (frame.cols != recorder_->width() || frame.rows != recorder_->height()) {
    cv::Mat fitted(recorder_->height(), recorder_->width(), CV_8UC3, cv::Scalar::all(0));
    const cv::Rect common(0, 0, std::min(frame.cols, fitted.cols), std::min(frame.rows, fitted.rows));
    frame(common).copyTo(fitted(common));
    frame = fitted;
  }
  recorder_->push(std::move(frame));  // never blocks: a full queue drops the frame and counts it
}

void WindowRecorder::capture(int width, int height) {
  if (!recorder_ || !recorder_->active()) return;
  cv::Mat done = readback_->read(width, height);
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
