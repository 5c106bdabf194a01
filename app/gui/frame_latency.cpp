#include "app/gui/frame_latency.hpp"

namespace deepvis::app {

bool FrameLatency::shown(uint64_t frame_sequence, Clock::time_point captured_at, Clock::time_point now) {
  if (frame_sequence == 0 || frame_sequence == measured_ || captured_at == Clock::time_point{}) return false;
  measured_ = frame_sequence;
  last_ms_ = std::chrono::duration<double, std::milli>(now - captured_at).count();
  return true;
}

}  // namespace deepvis::app
