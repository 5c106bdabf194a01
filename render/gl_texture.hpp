#pragma once
// An owning RGB texture. GL calls happen on the main thread only, with a current context.
#include <opencv2/core/mat.hpp>

#include <cstdint>

namespace deepvis::render {

class GlTexture {
 public:
  GlTexture() = default;
  ~GlTexture();
  GlTexture(const GlTexture&) = delete;
  GlTexture& operator=(const GlTexture&) = delete;
  GlTexture(GlTexture&& other) noexcept;
  GlTexture& operator=(GlTexture&& other) noexcept;

  // Uploads an 8-bit RGB image (3 channels, RGB order), reallocating only when the size changes.
  void upload_rgb(const cv::Mat& rgb);

  unsigned id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return id_ == 0; }

 private:
  void release();
  unsigned id_ = 0;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace deepvis::render
