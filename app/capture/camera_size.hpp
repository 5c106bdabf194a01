#pragma once
// The `--camera-size WxH` value: the resolution asked of a webcam. Cameras grant the nearest mode they support, so
// the size actually delivered is reported separately (CameraSource::describe()).
#include <opencv2/core/types.hpp>

#include <string>

namespace deepvis::app {

// "640x480" (or "640X480") to (640, 480); an empty string to (0, 0), meaning the camera's default. Throws
// deepvis::Error naming the value when it is not two positive integers up to 16384 joined by an x.
cv::Size parse_camera_size(const std::string& text);

// (640, 480) to "640x480".
std::string camera_size_text(cv::Size size);

}  // namespace deepvis::app
