#pragma once
// One captured image and where it came from, as the capture thread hands it to the engine.
#include <opencv2/core/mat.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace deepvis::app {

struct Frame {
  cv::Mat rgb;              // 8-bit RGB; never written after it is published (readers share the pixels)
  std::string name;         // "cat.png", "clip.avi #12", "camera 0"
  uint64_t sequence = 0;    // 1, 2, ... in publishing order; 0: no frame
  double capture_ms = 0.0;  // reading and decoding it from its source (the status bar's capture stage)
  bool still = false;       // from an image or a folder: no continuity with the frame before (no face to follow)
  std::chrono::steady_clock::time_point captured_at{};  // when reading it began: the start of capture to screen
};

}  // namespace deepvis::app
