// The engine's scheduler (issue 17: the engine schedules every job, the live frame first) and the one worker
// pattern (Mailbox): rounds run every ready job once in priority order, a busy job never starves the others,
// remove() waits for a slice in progress, and a mailbox's counts tell when a snapshot reflects what was posted.
#include "app/session/job_runner.hpp"
#include "app/mailbox.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace deepvis::app;

namespace {

// A job that logs its slices; `remaining` slices of work (-1: always ready).
class LoggingJob final : public Job {
 public:
  LoggingJob(std::string name, std::vector<std::string>& log, std::mutex& mutex, int remaining)
      : name_(std::move(name)), log_(log), mutex_(mutex), remaining_(remaining) {}
  bool ready() override { return remaining_ != 0; }
  void run_slice() override {
    if (remaining_ > 0) --remaining_;
    std::lock_guard<std::mutex> lock(mutex_);
    log_.push_back(name_);
  }
  std::atomic<int> remaining_;

 private:
  std::string name_;
  std::vector<std::string>& log_;
  std::mutex& mutex_;
};

bool eventually(const std::function<bool()>& condition) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

TEST_CASE("job runner: each round runs the ready jobs once in priority order, the live frame first") {
  std::vector<std::string> log;
  std::mutex mutex;
  // Added in the wrong order on purpose: priority decides, not the order of add().
  LoggingJob gallery("gallery", log, mutex, 0), unit("unit", log, mutex, 0), live("live", log, mutex, 0);
  {
    JobRunner runner;
    runner.add(gallery, kGalleryPriority);
    runner.add(unit, kUnitImagePriority);
    runner.add(live, kLiveFramePriority);
    // Give all three work at once, while the runner sleeps: the next round must run them live, unit, gallery.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gallery.remaining_ = 2;
    unit.remaining_ = 2;
    live.remaining_ = 2;
    runner.wake();
    REQUIRE(eventually([&] { return runner.slices() == 6; }));
    CHECK(runner.slices(kLiveFramePriority) == 2);
    CHECK(runner.slices(kGalleryPriority) == 2);
    runner.remove(live);
    runner.remove(unit);
    runner.remove(gallery);
  }
  const std::vector<std::string> want = {"live", "unit", "gallery", "live", "unit", "gallery"};
  CHECK(log == want);
}

TEST_CASE("job runner: an always-busy live frame does not starve a background job, and remove stops a job") {
  std::vector<std::string> log;
  std::mutex mutex;
  LoggingJob live("live", log, mutex, -1), optimizer("optimizer", log, mutex, -1);
  JobRunner runner;
  runner.add(live, kLiveFramePriority);
  runner.add(optimizer, kOptimizerPriority);
  REQUIRE(eventually([&] { return runner.slices(kOptimizerPriority) >= 50; }));
  runner.remove(optimizer);
  size_t after_remove = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    after_remove = log.size();
  }
  REQUIRE(eventually([&] { return runner.slices(kLiveFramePriority) >= 200; }));
  runner.remove(live);
  std::lock_guard<std::mutex> lock(mutex);
  for (size_t i = after_remove; i < log.size(); ++i) CHECK(log[i] == "live");
}

TEST_CASE("job runner: remove waits for the job's slice in progress to end") {
  struct SlowJob final : Job {
    std::atomic<bool> in_slice{false}, started{false}, finished{false};
    bool ready() override { return !started; }
    void run_slice() override {
      started = true;
      in_slice = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      in_slice = false;
      finished = true;
    }
  } job;
  JobRunner runner;
  runner.add(job, kGalleryPriority);
  REQUIRE(eventually([&] { return job.in_slice.load(); }));
  runner.remove(job);
  CHECK(job.finished);  // remove returned only after the slice ended
}

TEST_CASE("mailbox: posts queue in order, take empties the queue, and the counts follow") {
  struct Snap {
    int value = 0;
  };
  Mailbox<int, Snap> box;
  int wakes = 0;
  box.on_post([&] { ++wakes; });
  CHECK(box.latest()->value == 0);  // a default snapshot before the first publish, never null
  box.post(1);
  box.post_all({2, 3});
  CHECK(wakes == 2);
  CHECK(box.posted() == 3);
  CHECK(box.has_commands());
  const std::vector<int> taken = box.take_commands();
  CHECK(taken == std::vector<int>{1, 2, 3});
  CHECK_FALSE(box.has_commands());
  CHECK(box.taken() == 3);
  auto snap = std::make_shared<Snap>();
  snap->value = 7;
  box.publish(snap);
  CHECK(box.latest()->value == 7);
  CHECK(box.published() == 1);
}
