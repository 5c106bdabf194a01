#include "app/engine/engine_thread.hpp"

#include "app/engine/engine_core.hpp"

#include <omp.h>

#include <algorithm>
#include <utility>

namespace deepvis::app {

namespace {

// Leave one core to the UI thread (and the GL driver's threads): an OpenMP team that has to share every core
// with the renderer stalls at each barrier, which costs far more than the one thread it gains.
int engine_threads() {
  return std::max(1, omp_get_num_procs() - 1);
}

}  // namespace

EngineThread::EngineThread(LatestFrameSlot& frames, ModelOptions model_options, std::shared_ptr<ModelCache> models)
    : frames_(frames), runner_(engine_threads(), std::move(models)) {
  core_ = std::make_unique<EngineCore>(std::move(model_options), false, runner_.models());
  mailbox_.on_post([this] { runner_.wake(); });
  frames_.on_publish([this] { runner_.wake(); });
  runner_.add(*this, kLiveFramePriority);
}

EngineThread::~EngineThread() {
  frames_.on_publish({});
  runner_.remove(*this);
}

bool EngineThread::ready() {
  if (mailbox_.has_commands()) return true;
  // Frozen on a frame: only a command is work.
  if (core_->settings().frozen && !current_.rgb.empty()) return false;
  return frames_.published() > seen_;
}

void EngineThread::run_slice() {
  bool dirty = false;
  for (const EngineCommand& command : mailbox_.take_commands()) {
    core_->apply(command);
    dirty = true;
  }
  if (!core_->settings().frozen || current_.rgb.empty()) {
    if (std::optional<Frame> frame = frames_.take_newer(seen_)) {
      seen_ = frame->sequence;
      current_ = std::move(*frame);
      dirty = true;
    }
  }
  if (dirty) mailbox_.publish(core_->process(current_));
}

}  // namespace deepvis::app
