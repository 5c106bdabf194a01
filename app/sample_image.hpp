#pragma once
#include <opencv2/core/mat.hpp>

namespace deepvis::app {

// A built-in RGB test pattern (colour bars, a gradient and a checkerboard), shown when no input is given, so
// the first run shows something without any file.
cv::Mat make_sample_image(int width = 320, int height = 240);

}  // namespace deepvis::app
