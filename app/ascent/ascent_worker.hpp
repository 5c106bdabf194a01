#pragma once
// The optimization session on a thread of its own, so gradient ascent never blocks the engine or the UI. Each
// round it applies the queued commands, then (while Running) steps for up to a time budget, and publishes one
// immutable snapshot: when steps are faster than frames, as many run per published image as fit the budget; when
// a step is slower than the budget, every step is published. post() only appends to a queue and latest() only
// copies a pointer, so the UI never waits. Idle or Paused, the thread sleeps until a command arrives.
#include "app/ascent/ascent_command.hpp"
#include "app/ascent/ascent_snapshot.hpp"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace deepvis::app {

class AscentSession;

class AscentWorker {
 public:
  // `budget_s`: stepping time per published snapshot; about one UI frame by default.
  explicit AscentWorker(double budget_s = 1.0 / 60.0);
  ~AscentWorker();  // stops after the current step and joins
  AscentWorker(const AscentWorker&) = delete;
  AscentWorker& operator=(const AscentWorker&) = delete;

  void post(AscentCommand command);
  // Commands posted so far; a snapshot with commands_applied >= this value reflects all of them.
  uint64_t posted() const;
  // The newest snapshot; an empty one (sequence 0) before the first. Never null.
  std::shared_ptr<const AscentSnapshot> latest() const;

 private:
  void run();

  const double budget_s_;
  std::unique_ptr<AscentSession> session_;  // used by the worker thread only
  mutable std::mutex mutex_;                // guards the four below; held only to move a vector or copy a pointer
  std::condition_variable wake_;
  std::vector<AscentCommand> queue_;
  uint64_t posted_ = 0;
  bool stop_ = false;
  std::shared_ptr<const AscentSnapshot> latest_;
  std::thread thread_;  // last: started after every other member is ready
};

}  // namespace deepvis::app
