#include "app/engine/engine_thread.hpp"

#include "app/engine/engine_core.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

namespace deepvis::app {

EngineThread::EngineThread(LatestFrameSlot& frames, ModelOptions model_options)
    : frames_(frames),
      core_(std::make_unique<EngineCore>(std::move(model_options))),
      latest_(std::make_shared<const EngineSnapshot>()),
      thread_([this] { run(); }) {}

EngineThread::~EngineThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  frames_.wake();
  thread_.join();
}

void EngineThread::post(EngineCommand command) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(command));
    ++posted_;
  }
  frames_.wake();
}

void EngineThread::post_all(std::vector<EngineCommand> commands) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_ += commands.size();
    for (EngineCommand& command : commands) queue_.push_back(std::move(command));
  }
  frames_.wake();
}

uint64_t EngineThread::posted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return posted_;
}

std::shared_ptr<const EngineSnapshot> EngineThread::latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

void EngineThread::run() {
  // Leave one core to the UI thread (and the GL driver's threads): an OpenMP team that has to share every core
  // with the renderer stalls at each barrier, which costs far more than the one thread it gains.
  omp_set_num_threads(std::max(1, omp_get_num_procs() - 1));
  Frame current;
  uint64_t seen = 0;
  std::vector<EngineCommand> commands;
  while (true) {
    const uint64_t wakes = frames_.wakes();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
      commands.swap(queue_);
    }
    bool dirty = !commands.empty();
    for (const EngineCommand& command : commands) core_->apply(command);
    commands.clear();
    if (!core_->settings().frozen || current.rgb.empty()) {
      if (std::optional<Frame> frame = frames_.take_newer(seen)) {
        seen = frame->sequence;
        current = std::move(*frame);
        dirty = true;
      }
    }
    if (dirty) {
      std::shared_ptr<const EngineSnapshot> snap = core_->process(current);
      std::lock_guard<std::mutex> lock(mutex_);
      latest_ = std::move(snap);
      continue;
    }
    // Frozen: only a command may wake us, so do not wait for frames (a newer one would wake us at once).
    const bool frozen = core_->settings().frozen && !current.rgb.empty();
    frames_.wait(frozen ? std::numeric_limits<uint64_t>::max() : seen, wakes, std::chrono::milliseconds(500));
  }
}

}  // namespace deepvis::app
