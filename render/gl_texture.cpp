#include "render/gl_texture.hpp"

#include "compute/core/error.hpp"

#include <epoxy/gl.h>

#include <utility>

namespace deepvis::render {

GlTexture::~GlTexture() {
  release();
}

GlTexture::GlTexture(GlTexture&& other) noexcept
    : id_(std::exchange(other.id_, 0u)),
      width_(std::exchange(other.width_, 0)),
      height_(std::exchange(other.height_, 0)) {}

GlTexture& GlTexture::operator=(GlTexture&& other) noexcept {
  if (this != &other) {
    release();
    id_ = std::exchange(other.id_, 0u);
    width_ = std::exchange(other.width_, 0);
    height_ = std::exchange(other.height_, 0);
  }
  return *this;
}

void GlTexture::release() {
  if (id_ != 0) glDeleteTextures(1, &id_);
  id_ = 0;
  width_ = height_ = 0;
}

void GlTexture::upload_rgb(const cv::Mat& rgb) {
  if (rgb.type() != CV_8UC3) throw Error("GlTexture::upload_rgb expects an 8-bit, 3-channel image");
  if (id_ == 0) {
    glGenTextures(1, &id_);
    glBindTexture(GL_TEXTURE_2D, id_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);  // enlarged activations stay crisp
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  } else {
    glBindTexture(GL_TEXTURE_2D, id_);
  }
  // Rows of a cv::Mat may be padded; tell GL the real stride instead of copying.
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, static_cast<GLint>(rgb.step[0] / rgb.elemSize()));
  if (rgb.cols != width_ || rgb.rows != height_) {
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, rgb.cols, rgb.rows, 0, GL_RGB, GL_UNSIGNED_BYTE, rgb.data);
    width_ = rgb.cols;
    height_ = rgb.rows;
  } else {
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, rgb.cols, rgb.rows, GL_RGB, GL_UNSIGNED_BYTE, rgb.data);
  }
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glBindTexture(GL_TEXTURE_2D, 0);
}

}  // namespace deepvis::render
