#include "render/framebuffer_capture.hpp"

#include "compute/core/error.hpp"

#include <epoxy/gl.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace deepvis::render {

cv::Mat read_framebuffer_bgr(int width, int height) {
  cv::Mat bottom_up(height, width, CV_8UC3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_BGR, GL_UNSIGNED_BYTE, bottom_up.data);
  cv::Mat top_down;
  cv::flip(bottom_up, top_down, 0);  // GL's origin is the bottom-left corner
  return top_down;
}

void write_image(const std::string& path, const cv::Mat& bgr) {
  bool ok = false;
  try {
    ok = cv::imwrite(path, bgr);
  } catch (const cv::Exception& e) {
    throw OutputError("cannot write image '" + path + "': " + e.what());
  }
  if (!ok) throw OutputError("cannot write image '" + path + "': unknown extension, missing folder or disk full");
}

}  // namespace deepvis::render
