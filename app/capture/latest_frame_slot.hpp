#pragma once
// The hand-over point between the capture thread and the engine: one slot holding the newest frame. A producer
// never waits for the consumer; a frame replaced before anyone took it is dropped and counted, so a slow engine
// always works on the newest image instead of a growing backlog.
#include "app/capture/frame.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

namespace deepvis::app {

class LatestFrameSlot {
 public:
  // Stores the frame with the next sequence number (its own is ignored). Its pixels must not be written afterwards.
  void publish(Frame frame);
  // The same for a frame that says only its pixels and name, captured now.
  void publish(cv::Mat rgb, std::string name);

  // The held frame when its sequence is above `seen`, else nullopt. Never waits.
  std::optional<Frame> take_newer(uint64_t seen);

  // Blocks until a frame newer than `seen` is held, the wake count differs from `wakes_seen`, or `timeout`
  // passes. Read wakes() before checking for other work, so a wake() in between is never lost.
  void wait(uint64_t seen, uint64_t wakes_seen, std::chrono::milliseconds timeout);
  // Ends every current wait() early (a command arrived, or the consumer should stop).
  void wake();
  uint64_t wakes() const;

  // Called after every publish, outside the lock (the engine's scheduler: a frame is work). Set it before any
  // producer runs, and clear it before the listener goes.
  void on_publish(std::function<void()> listener);

  uint64_t published() const;  // the newest frame's sequence: a frame newer than `seen` is held when above it
  uint64_t dropped() const;    // frames replaced before they were taken

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Frame frame_;
  bool taken_ = true;
  uint64_t dropped_ = 0;
  uint64_t wakes_ = 0;
  std::function<void()> listener_;
};

}  // namespace deepvis::app
