#include "app/capture/video_source.hpp"

#include "compute/core/error.hpp"

#include <opencv2/imgproc.hpp>

#include <filesystem>

namespace deepvis::app {

namespace {

// A frame as 8-bit RGB in a fresh buffer (the slot's readers may still hold the previous one).
cv::Mat to_rgb(const cv::Mat& frame) {
  cv::Mat rgb;
  if (frame.channels() == 1) {
    cv::cvtColor(frame, rgb, cv::COLOR_GRAY2RGB);
  } else if (frame.channels() == 4) {
    cv::cvtColor(frame, rgb, cv::COLOR_BGRA2RGB);
  } else {
    cv::cvtColor(frame, rgb, cv::COLOR_BGR2RGB);
  }
  if (rgb.depth() != CV_8U) rgb.convertTo(rgb, CV_8U);
  return rgb;
}

}  // namespace

VideoFileSource::VideoFileSource(const std::string& path) : path_(path) {
  if (!std::filesystem::exists(path)) throw Error("video '" + path + "' does not exist");
  if (!capture_.open(path)) throw Error("cannot open video '" + path + "' (no decoder for it?)");
  const double fps = capture_.get(cv::CAP_PROP_FPS);
  if (fps > 0.5 && fps < 1000.0) interval_s_ = 1.0 / fps;
}

std::string VideoFileSource::describe() const {
  return std::filesystem::path(path_).filename().string() + (loop_ ? " (loop)" : "");
}

bool VideoFileSource::grab_rgb(cv::Mat& rgb) {
  cv::Mat frame;  // fresh each time: read() would otherwise overwrite a buffer still shared with readers
  if (!capture_.read(frame) || frame.empty()) return false;
  rgb = to_rgb(frame);
  return true;
}

cv::Mat VideoFileSource::read(std::string& name) {
  cv::Mat rgb;
  if (!grab_rgb(rgb)) {
    if (!loop_) throw Error("video '" + std::filesystem::path(path_).filename().string() + "' ended");
    // Rewinding is not supported by every backend; reopening always is.
    capture_.release();
    position_ = 0;
    if (!capture_.open(path_) || !grab_rgb(rgb)) {
      throw Error("video '" + std::filesystem::path(path_).filename().string() + "' ended and cannot be restarted");
    }
  }
  ++position_;
  name = std::filesystem::path(path_).filename().string() + " #" + std::to_string(position_);
  return rgb;
}

CameraSource::CameraSource(int index, cv::Size requested) : index_(index) {
  if (index < 0 || !capture_.open(index) || !capture_.isOpened()) {
    throw Error("no camera at index " + std::to_string(index));
  }
  if (requested.width > 0 && requested.height > 0) {
    // Drivers round to a mode they support (or ignore the request), so what they grant is read back below.
    capture_.set(cv::CAP_PROP_FRAME_WIDTH, requested.width);
    capture_.set(cv::CAP_PROP_FRAME_HEIGHT, requested.height);
  }
  granted_ = cv::Size(static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_WIDTH)),
                      static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_HEIGHT)));
}

std::string CameraSource::describe() const {
  std::string text = "camera " + std::to_string(index_);
  if (granted_.width > 0 && granted_.height > 0) {
    text += " " + std::to_string(granted_.width) + "x" + std::to_string(granted_.height);
  }
  return text;
}

cv::Mat CameraSource::read(std::string& name) {
  cv::Mat frame;
  if (!capture_.read(frame) || frame.empty()) {
    throw Error("camera " + std::to_string(index_) + " delivered no frame (unplugged or in use?)");
  }
  granted_ = frame.size();  // the frames are the final word on the size, whatever the properties said
  name = describe();
  return to_rgb(frame);
}

}  // namespace deepvis::app
