#pragma once
// The engine: the live frame as the first job of the window's scheduler (JobRunner), which also runs every other
// job of the window (the live optimizer, the per-unit images, the gallery) over one ModelCache. The live frame
// job owns an EngineCore (and with it its Net). Each slice applies the queued commands, takes the newest frame
// from the slot (unless frozen), computes it, and publishes an immutable snapshot. Nothing here makes the UI
// wait: post() only appends to a queue, latest() only copies a pointer.
#include "app/capture/latest_frame_slot.hpp"
#include "app/engine/engine_command.hpp"
#include "app/engine/engine_snapshot.hpp"
#include "app/mailbox.hpp"
#include "app/session/job_runner.hpp"
#include "app/session/model_loader.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace deepvis::app {

class EngineCore;

class EngineThread final : public Job {
 public:
  // `model_options`: how models are loaded (device, TF32); see EngineCore. `models`: the cache every job of the
  // engine loads from (null: a new one).
  explicit EngineThread(LatestFrameSlot& frames, ModelOptions model_options = {},
                        std::shared_ptr<ModelCache> models = {});
  ~EngineThread() override;  // stops every job's thread (a frame in progress finishes first)
  EngineThread(const EngineThread&) = delete;
  EngineThread& operator=(const EngineThread&) = delete;

  // Queues a command for the next round; returns at once.
  void post(EngineCommand command) { mailbox_.post(std::move(command)); }
  // Queues several commands at once: the engine applies all of them before its next snapshot.
  void post_all(std::vector<EngineCommand> commands) { mailbox_.post_all(std::move(commands)); }
  // Commands posted so far; a snapshot with commands_applied >= this value reflects all of them.
  uint64_t posted() const { return mailbox_.posted(); }

  // The newest snapshot; an empty one (sequence 0) before the first. Never null.
  std::shared_ptr<const EngineSnapshot> latest() const { return mailbox_.latest(); }

  // The scheduler the window's other jobs join, and the models they share with the live frame.
  JobRunner& runner() { return runner_; }
  const std::shared_ptr<ModelCache>& models() const { return runner_.models(); }

  bool ready() override;
  void run_slice() override;

 private:
  LatestFrameSlot& frames_;
  std::unique_ptr<EngineCore> core_;  // used by the runner's thread only
  Mailbox<EngineCommand, EngineSnapshot> mailbox_;
  Frame current_;      // runner's thread only
  uint64_t seen_ = 0;  // the sequence of current_
  JobRunner runner_;   // last: its thread starts after every other member is ready
};

}  // namespace deepvis::app
