#include "render/async_readback.hpp"

#include "compute/core/error.hpp"
#include "render/egl_context.hpp"

#include <epoxy/gl.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <string>

namespace deepvis::render {

AsyncReadback::AsyncReadback(int depth) {
  if (depth < 2 || depth > 3) throw Error("AsyncReadback: depth must be 2 or 3, got " + std::to_string(depth));
  slots_.resize(static_cast<size_t>(depth));
  for (Slot& slot : slots_) glGenBuffers(1, &slot.pbo);
  check_gl("creating the read-back buffers");
}

AsyncReadback::~AsyncReadback() {
  for (Slot& slot : slots_) glDeleteBuffers(1, &slot.pbo);
}

cv::Mat AsyncReadback::read(int width, int height) {
  return read(cv::Rect(0, 0, width, height), height);
}

cv::Mat AsyncReadback::read(const cv::Rect& region, int framebuffer_height) {
  const int width = region.width;
  const int height = region.height;
  if (width <= 0 || height <= 0) throw Error("AsyncReadback: empty read-back size");
  if (region.x < 0 || region.y < 0 || region.y + height > framebuffer_height) {
    throw Error("AsyncReadback: region " + std::to_string(width) + "x" + std::to_string(height) + " at (" +
                std::to_string(region.x) + ", " + std::to_string(region.y) + ") is outside a framebuffer " +
                std::to_string(framebuffer_height) + " rows high");
  }
  const int gl_y = framebuffer_height - region.y - height;  // GL counts rows from the bottom
  // Every read() leaves at most depth - 1 reads in flight, so the slot at next_ is always free here.
  Slot& slot = slots_[static_cast<size_t>(next_)];
  const size_t bytes = static_cast<size_t>(width) * static_cast<size_t>(height) * 4;
  glBindBuffer(GL_PIXEL_PACK_BUFFER, slot.pbo);
  if (slot.capacity < bytes) {
    glBufferData(GL_PIXEL_PACK_BUFFER, static_cast<GLsizeiptr>(bytes), nullptr, GL_STREAM_READ);
    slot.capacity = bytes;
  }
  GLint alignment = 4;
  glGetIntegerv(GL_PACK_ALIGNMENT, &alignment);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);  // packed rows whatever the width
  // RGBA: the framebuffer's own layout, the read every driver does without converting (Mesa's llvmpipe takes
  // several times longer for GL_BGR); the conversion to BGR happens while copying out.
  glReadPixels(region.x, gl_y, width, height, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);  // into the PBO: returns at once
  glPixelStorei(GL_PACK_ALIGNMENT, alignment);
  glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
  check_gl("starting an asynchronous read-back");
  slot.width = width;
  slot.height = height;
  next_ = (next_ + 1) % depth();
  ++in_flight_;

  return in_flight_ == depth() ? finish_one() : cv::Mat();
}

cv::Mat AsyncReadback::finish_one() {
  if (in_flight_ == 0) return cv::Mat();
  const int oldest = (next_ - in_flight_ + depth()) % depth();
  Slot& slot = slots_[static_cast<size_t>(oldest)];
  --in_flight_;
  const size_t bytes = static_cast<size_t>(slot.width) * static_cast<size_t>(slot.height) * 4;
  glBindBuffer(GL_PIXEL_PACK_BUFFER, slot.pbo);
  const void* src = glMapBufferRange(GL_PIXEL_PACK_BUFFER, 0, static_cast<GLsizeiptr>(bytes), GL_MAP_READ_BIT);
  if (src == nullptr) {
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    check_gl("mapping a read-back buffer");
    throw Error("AsyncReadback: glMapBufferRange returned null");
  }
  cv::Mat top_down;
  cv::cvtColor(cv::Mat(slot.height, slot.width, CV_8UC4, const_cast<void*>(src)), top_down, cv::COLOR_RGBA2BGR);
  cv::flip(top_down, top_down, 0);  // GL's rows run bottom-up
  const bool intact = glUnmapBuffer(GL_PIXEL_PACK_BUFFER) == GL_TRUE;
  glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
  check_gl("reading a frame out of a read-back buffer");
  if (!intact) throw Error("AsyncReadback: the read-back buffer was lost while mapped; frame dropped");
  return top_down;
}

}  // namespace deepvis::render
