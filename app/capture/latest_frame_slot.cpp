#include "app/capture/latest_frame_slot.hpp"

#include <utility>

namespace deepvis::app {

void LatestFrameSlot::publish(Frame frame) {
  std::function<void()> listener;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!taken_) ++dropped_;
    frame.sequence = frame_.sequence + 1;
    frame_ = std::move(frame);
    taken_ = false;
    listener = listener_;
  }
  changed_.notify_all();
  if (listener) listener();
}

void LatestFrameSlot::on_publish(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  listener_ = std::move(listener);
}

void LatestFrameSlot::publish(cv::Mat rgb, std::string name) {
  Frame frame;
  frame.rgb = std::move(rgb);
  frame.name = std::move(name);
  frame.captured_at = std::chrono::steady_clock::now();
  publish(std::move(frame));
}

std::optional<Frame> LatestFrameSlot::take_newer(uint64_t seen) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (frame_.sequence <= seen) return std::nullopt;
  taken_ = true;
  return frame_;
}

void LatestFrameSlot::wait(uint64_t seen, uint64_t wakes_seen, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return frame_.sequence > seen || wakes_ != wakes_seen; });
}

uint64_t LatestFrameSlot::wakes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wakes_;
}

void LatestFrameSlot::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wakes_;
  }
  changed_.notify_all();
}

uint64_t LatestFrameSlot::published() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return frame_.sequence;
}

uint64_t LatestFrameSlot::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

}  // namespace deepvis::app
