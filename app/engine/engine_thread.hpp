#pragma once
// The engine thread: owns an EngineCore (and with it the Net). Each round it applies the queued commands, takes
// the newest frame from the slot (unless frozen), computes it, and publishes an immutable snapshot. Nothing here
// makes the UI wait: post() only appends to a queue, latest() only copies a pointer. When nothing changed the
// thread sleeps on the slot until a frame or a command arrives.
#include "app/capture/latest_frame_slot.hpp"
#include "app/engine/engine_command.hpp"
#include "app/engine/engine_snapshot.hpp"
#include "app/session/model_loader.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace deepvis::app {

class EngineCore;

class EngineThread {
 public:
  // `model_options`: how models are loaded (device, TF32); see EngineCore.
  explicit EngineThread(LatestFrameSlot& frames, ModelOptions model_options = {});
  ~EngineThread();  // stops and joins (a frame in progress finishes first)
  EngineThread(const EngineThread&) = delete;
  EngineThread& operator=(const EngineThread&) = delete;

  // Queues a command for the next round; returns at once.
  void post(EngineCommand command);
  // Queues several commands at once: the engine applies all of them before its next snapshot.
  void post_all(std::vector<EngineCommand> commands);
  // Commands posted so far; a snapshot with commands_applied >= this value reflects all of them.
  uint64_t posted() const;

  // The newest snapshot; an empty one (sequence 0) before the first. Never null.
  std::shared_ptr<const EngineSnapshot> latest() const;

 private:
  void run();

  LatestFrameSlot& frames_;
  std::unique_ptr<EngineCore> core_;  // used by the engine thread only
  mutable std::mutex mutex_;          // guards the three below; held only to move a vector or copy a pointer
  std::vector<EngineCommand> queue_;
  uint64_t posted_ = 0;
  bool stop_ = false;
  std::shared_ptr<const EngineSnapshot> latest_;
  std::thread thread_;  // last: started after every other member is ready
};

}  // namespace deepvis::app
