#pragma once
// The one worker pattern (shared/design.md): every thread that takes commands and hands out results does so
// through a Mailbox. A sender appends commands and never waits; a reader copies a pointer to the newest
// immutable snapshot; the worker takes every queued command at once and publishes a snapshot when it has a new
// one. The counts let a caller tell when a snapshot reflects all it sent (its commands_applied >= posted()).
// Stopping belongs to the thread that serves the mailbox (JobRunner).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace deepvis::app {

template <class Command, class Snapshot>
class Mailbox {
 public:
  Mailbox() : latest_(std::make_shared<const Snapshot>()) {}
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Called after every post, outside the lock: tells the serving thread there is work. Set it before posting.
  void on_post(std::function<void()> wake) { wake_ = std::move(wake); }

  void post(Command command) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(command));
      ++posted_;
    }
    if (wake_) wake_();
  }
  // Several commands at once: the worker takes all of them before its next snapshot.
  void post_all(std::vector<Command> commands) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      posted_ += commands.size();
      for (Command& command : commands) queue_.push_back(std::move(command));
    }
    if (wake_) wake_();
  }
  uint64_t posted() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return posted_;
  }
  // The newest snapshot: a default-constructed one before the first publish. Never null.
  std::shared_ptr<const Snapshot> latest() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return latest_;
  }

  // The worker's side.
  bool has_commands() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return !queue_.empty();
  }
  std::vector<Command> take_commands() {
    std::vector<Command> commands;
    std::lock_guard<std::mutex> lock(mutex_);
    commands.swap(queue_);
    taken_ += commands.size();
    return commands;
  }
  void publish(std::shared_ptr<const Snapshot> snapshot) {
    std::lock_guard<std::mutex> lock(mutex_);
    latest_ = std::move(snapshot);
    ++published_;
  }
  uint64_t taken() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return taken_;
  }
  uint64_t published() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return published_;
  }

 private:
  mutable std::mutex mutex_;  // held only to move a vector or copy a pointer
  std::vector<Command> queue_;
  uint64_t posted_ = 0, taken_ = 0, published_ = 0;
  std::shared_ptr<const Snapshot> latest_;
  std::function<void()> wake_;
};

}  // namespace deepvis::app
