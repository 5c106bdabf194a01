#include "render/pbo_uploader.hpp"

#include "compute/core/error.hpp"
#include "render/egl_context.hpp"

#include <epoxy/gl.h>

#include <cstring>

namespace deepvis::render {

namespace {

struct PixelFormat {
  GLint internal;
  GLenum format;
};

PixelFormat pixel_format(int cv_type) {
  switch (cv_type) {
    case CV_8UC1: return {GL_R8, GL_RED};
    case CV_8UC3: return {GL_RGB8, GL_BGR};
    case CV_8UC4: return {GL_RGBA8, GL_BGRA};
    default: throw Error("PboUploader: expects an 8-bit image of 1, 3 or 4 channels");
  }
}

}  // namespace

PboUploader::PboUploader() {
  glGenBuffers(2, pbos_);
  glGenTextures(1, &texture_);
  check_gl("creating the upload buffers");
}

PboUploader::~PboUploader() {
  glDeleteBuffers(2, pbos_);
  glDeleteTextures(1, &texture_);
}

void PboUploader::upload(const cv::Mat& image) {
  if (image.empty()) throw Error("PboUploader: the image is empty");
  const PixelFormat pf = pixel_format(image.type());
  const size_t row_bytes = static_cast<size_t>(image.cols) * image.elemSize();
  const size_t bytes = row_bytes * static_cast<size_t>(image.rows);

  glBindTexture(GL_TEXTURE_2D, texture_);
  if (image.cols != width_ || image.rows != height_ || image.type() != type_) {
    glTexImage2D(GL_TEXTURE_2D, 0, pf.internal, image.cols, image.rows, 0, pf.format, GL_UNSIGNED_BYTE, nullptr);
    // Nearest: tiles enlarged on screen stay crisp, and a 1:1 draw reproduces every value exactly.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    const bool gray = image.type() == CV_8UC1;
    const GLint swizzle[4] = {GL_RED, gray ? GL_RED : GL_GREEN, gray ? GL_RED : GL_BLUE, gray ? GL_ONE : GL_ALPHA};
    glTexParameteriv(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_RGBA, swizzle);
    width_ = image.cols;
    height_ = image.rows;
    type_ = image.type();
    ++texture_allocations_;
  }

  const int index = next_;
  next_ ^= 1;
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, pbos_[index]);
  if (pbo_bytes_[index] < bytes) {
    glBufferData(GL_PIXEL_UNPACK_BUFFER, static_cast<GLsizeiptr>(bytes), nullptr, GL_STREAM_DRAW);
    pbo_bytes_[index] = bytes;
  }
  void* dst = glMapBufferRange(GL_PIXEL_UNPACK_BUFFER, 0, static_cast<GLsizeiptr>(bytes),
                               GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
  if (dst == nullptr) {
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
    glBindTexture(GL_TEXTURE_2D, 0);
    check_gl("mapping the pixel buffer");
    throw Error("PboUploader: glMapBufferRange returned null");
  }
  // Packed rows in the PBO, so GL needs no row-length setting whatever the cv::Mat stride.
  if (image.isContinuous()) {
    std::memcpy(dst, image.data, bytes);
  } else {
    for (int y = 0; y < image.rows; ++y) {
      std::memcpy(static_cast<unsigned char*>(dst) + static_cast<size_t>(y) * row_bytes, image.ptr(y), row_bytes);
    }
  }
  // False means the storage was lost while mapped (rare: mode switches); the texture keeps its old content then.
  const bool intact = glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER) == GL_TRUE;

  GLint alignment = 4, row_length = 0;
  glGetIntegerv(GL_UNPACK_ALIGNMENT, &alignment);
  glGetIntegerv(GL_UNPACK_ROW_LENGTH, &row_length);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  if (intact) glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, image.cols, image.rows, pf.format, GL_UNSIGNED_BYTE, nullptr);
  glPixelStorei(GL_UNPACK_ALIGNMENT, alignment);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, row_length);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  glBindTexture(GL_TEXTURE_2D, 0);
  if (!intact) throw Error("PboUploader: the pixel buffer was lost while mapped; frame dropped");
  check_gl("uploading a frame through the pixel buffer");
}

}  // namespace deepvis::render
