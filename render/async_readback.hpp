#pragma once
// Reads frames back from GL without waiting for them: each call starts a glReadPixels into one pixel buffer
// object of a small ring (the copy runs on the GPU, the call returns at once) and maps the PBO filled `depth - 1`
// calls earlier, which has long finished by then. The price is `depth - 1` frames of latency, and finish_one()
// collects the frames still in flight at the end. Needs a current GL 3.3 context, which must outlive it; GL calls
// only on that context's thread.
#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <cstddef>
#include <vector>

namespace deepvis::render {

class AsyncReadback {
 public:
  explicit AsyncReadback(int depth = 3);  // PBOs in the ring, 2 or 3; throws deepvis::Error otherwise
  ~AsyncReadback();
  AsyncReadback(const AsyncReadback&) = delete;
  AsyncReadback& operator=(const AsyncReadback&) = delete;

  // Starts reading the bound read framebuffer (width x height from the origin). When `depth` reads are then in
  // flight, returns the oldest as a top-down BGR image (a fresh buffer each time); else an empty Mat. Sizes may
  // change between calls: each read keeps its own. Throws deepvis::Error on a GL failure.
  cv::Mat read(int width, int height);
  // The same for a part of it: `region` in top-left pixel coordinates (as ImGui and images count) of a read
  // framebuffer `framebuffer_height` rows high; only those pixels cross the bus. Throws deepvis::Error when the
  // region is empty or starts above or left of the framebuffer.
  cv::Mat read(const cv::Rect& region, int framebuffer_height);

  // The oldest read still in flight, or an empty Mat when none is left. Call until empty to get every frame.
  cv::Mat finish_one();

  int in_flight() const { return in_flight_; }
  int depth() const { return static_cast<int>(slots_.size()); }

 private:
  struct Slot {
    unsigned pbo = 0;
    size_t capacity = 0;  // bytes allocated
    int width = 0;
    int height = 0;
  };
  std::vector<Slot> slots_;
  int next_ = 0;  // the slot the next read goes into
  int in_flight_ = 0;
};

}  // namespace deepvis::render
