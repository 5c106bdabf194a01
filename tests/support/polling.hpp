#pragma once
// Waiting for another thread in tests: poll a condition, with a generous bound that only guards against hanging
// (no timing is asserted).
#include <chrono>
#include <functional>
#include <thread>

namespace deepvis::test {

// True once `done` holds; false if it still does not after 30 s.
inline bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

}  // namespace deepvis::test
