// Capture to screen (app/gui/frame_latency.hpp): measured once per frame, when its results are first shown.
#include "app/gui/frame_latency.hpp"

#include <doctest/doctest.h>

using deepvis::app::FrameLatency;
using Clock = FrameLatency::Clock;
using std::chrono::microseconds;

TEST_CASE("frame latency: from the start of capture to the first swap showing the frame, once per frame") {
  FrameLatency latency;
  const Clock::time_point captured = Clock::now();
  CHECK_FALSE(latency.shown(0, captured, captured + microseconds(500)));  // no frame yet
  CHECK(latency.last_ms() == 0.0);
  CHECK(latency.shown(1, captured, captured + microseconds(12500)));
  CHECK(latency.last_ms() == doctest::Approx(12.5));
  // The same frame on later swaps (or computed again after a click) keeps its first measurement.
  CHECK_FALSE(latency.shown(1, captured, captured + microseconds(90000)));
  CHECK(latency.last_ms() == doctest::Approx(12.5));
  // The next frame.
  const Clock::time_point second = captured + microseconds(33000);
  CHECK(latency.shown(2, second, second + microseconds(4200)));
  CHECK(latency.last_ms() == doctest::Approx(4.2));
  // A frame without a capture time (made by a test, not the capture thread) is not measured.
  CHECK_FALSE(latency.shown(3, Clock::time_point{}, second + microseconds(9000)));
  CHECK(latency.last_ms() == doctest::Approx(4.2));
}
