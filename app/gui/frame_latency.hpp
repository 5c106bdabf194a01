#pragma once
// Capture to screen, per frame: from when the capture thread began reading a frame to the buffer swap after
// which the window first showed results computed from it. Later snapshots of the same frame (a still computed
// again after a click) do not count again: that frame was captured long before.
#include <chrono>
#include <cstdint>

namespace deepvis::app {

class FrameLatency {
 public:
  using Clock = std::chrono::steady_clock;

  // After each swap: the frame whose results are on screen (0 or an unset capture time: none). Returns whether
  // this measured a frame not measured before.
  bool shown(uint64_t frame_sequence, Clock::time_point captured_at, Clock::time_point now);
  // The newest measurement in ms; 0 before the first.
  double last_ms() const { return last_ms_; }

 private:
  uint64_t measured_ = 0;
  double last_ms_ = 0.0;
};

}  // namespace deepvis::app
