#include "app/sample_image.hpp"

#include <opencv2/imgproc.hpp>

namespace deepvis::app {

cv::Mat make_sample_image(int width, int height) {
  cv::Mat rgb(height, width, CV_8UC3);
  const cv::Vec3b bars[] = {{255, 255, 255}, {255, 255, 0}, {0, 255, 255}, {0, 255, 0},
                            {255, 0, 255},   {255, 0, 0},   {0, 0, 255},   {0, 0, 0}};
  const int bar_rows = height / 2;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      cv::Vec3b& px = rgb.at<cv::Vec3b>(y, x);
      if (y < bar_rows) {
        px = bars[x * 8 / width];
      } else if (y < bar_rows + height / 4) {
        const auto v = static_cast<unsigned char>(x * 255 / (width - 1));
        px = {v, v, v};
      } else {
        const bool on = ((x / 16) + (y / 16)) % 2 == 0;
        px = on ? cv::Vec3b{230, 230, 230} : cv::Vec3b{30, 30, 30};
      }
    }
  }
  return rgb;
}

}  // namespace deepvis::app
