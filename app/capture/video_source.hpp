#pragma once
// Video files and cameras, both read through OpenCV's VideoCapture.
#include "app/capture/frame_source.hpp"

#include <opencv2/videoio.hpp>

#include <cstdint>
#include <string>

namespace deepvis::app {

class VideoFileSource : public FrameSource {
 public:
  explicit VideoFileSource(const std::string& path);  // throws deepvis::Error when it cannot be opened

  SourceKind kind() const override { return SourceKind::Video; }
  std::string describe() const override;
  bool live() const override { return true; }
  // At the end: starts again when looping, else throws "video 'X' ended".
  cv::Mat read(std::string& name) override;
  double frame_interval_s() const override { return interval_s_; }
  void set_loop(bool loop) override { loop_ = loop; }

 private:
  bool grab_rgb(cv::Mat& rgb);
  std::string path_;
  cv::VideoCapture capture_;
  double interval_s_ = 1.0 / 30.0;
  bool loop_ = true;
  int64_t position_ = 0;  // frames read since the (re)start
};

class CameraSource : public FrameSource {
 public:
  // Throws deepvis::Error "no camera at index N". A non-empty `requested` size is asked of the camera
  // (CAP_PROP_FRAME_WIDTH / HEIGHT); the camera may grant another, which granted() and describe() report.
  explicit CameraSource(int index, cv::Size requested = cv::Size());

  SourceKind kind() const override { return SourceKind::Camera; }
  // "camera 0 1280x720": the size the camera actually delivers (of its last frame once it has sent one).
  std::string describe() const override;
  bool live() const override { return true; }
  cv::Mat read(std::string& name) override;  // blocks until the camera delivers; it paces itself
  cv::Size granted() const { return granted_; }

 private:
  int index_;
  cv::Size granted_;  // (0, 0) until known
  cv::VideoCapture capture_;
};

}  // namespace deepvis::app
