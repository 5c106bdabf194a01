#include "app/ascent/ascent_worker.hpp"

#include "app/ascent/ascent_session.hpp"

#include <limits>

namespace deepvis::app {

AscentWorker::AscentWorker(double budget_s)
    : budget_s_(budget_s),
      session_(std::make_unique<AscentSession>()),
      latest_(std::make_shared<const AscentSnapshot>()),
      thread_([this] { run(); }) {}

AscentWorker::~AscentWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AscentWorker::post(AscentCommand command) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(command));
    ++posted_;
  }
  wake_.notify_all();
}

uint64_t AscentWorker::posted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return posted_;
}

std::shared_ptr<const AscentSnapshot> AscentWorker::latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

void AscentWorker::run() {
  std::vector<AscentCommand> commands;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty() || session_->running(); });
      if (stop_) return;
      commands.swap(queue_);
    }
    for (const AscentCommand& command : commands) session_->apply(command);
    commands.clear();
    session_->advance(std::numeric_limits<int>::max(), budget_s_);
    std::shared_ptr<const AscentSnapshot> snapshot = session_->snapshot();
    std::lock_guard<std::mutex> lock(mutex_);
    latest_ = std::move(snapshot);
  }
}

}  // namespace deepvis::app
