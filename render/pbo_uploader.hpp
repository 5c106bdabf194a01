#pragma once
// Streams images into one GL texture through pixel buffer objects, for frame-after-frame updates (the activation
// grid every frame). Needs a current GL 3.3 context, which must outlive it.
//
// Two PBOs alternate: frame n is copied into PBO n % 2 and the texture is updated from it at once (no frame of
// latency). Alternating means the copy never waits for the GPU to finish reading the PBO of the frame before; each
// PBO is also invalidated on map, so the driver may hand out fresh storage instead of stalling. The texture is
// allocated once and re-used while the size and format stay; only then is anything reallocated.
#include <opencv2/core/mat.hpp>

#include <cstddef>

namespace deepvis::render {

class PboUploader {
 public:
  PboUploader();
  ~PboUploader();
  PboUploader(const PboUploader&) = delete;
  PboUploader& operator=(const PboUploader&) = delete;

  // Uploads an 8-bit image: CV_8UC1 (gray; the texture is GL_R8 swizzled to read as (v, v, v, 1)), CV_8UC3 (BGR,
  // OpenCV's order) or CV_8UC4 (BGRA). Row 0 of the image is row 0 of the texture (t = 0). Any row stride is fine.
  // Throws deepvis::Error on another type, an empty image, or a GL failure.
  void upload(const cv::Mat& image);

  unsigned texture() const { return texture_; }
  int width() const { return width_; }
  int height() const { return height_; }
  // Number of times the texture storage was (re)allocated: stays at 1 while frames keep their size.
  int texture_allocations() const { return texture_allocations_; }

 private:
  unsigned pbos_[2] = {0, 0};
  size_t pbo_bytes_[2] = {0, 0};
  int next_ = 0;
  unsigned texture_ = 0;
  int width_ = 0;
  int height_ = 0;
  int type_ = -1;  // the cv type the texture was allocated for
  int texture_allocations_ = 0;
};

}  // namespace deepvis::render
