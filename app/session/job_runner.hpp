#pragma once
// The engine's scheduler (shared/design.md: the engine owns the model and schedules every job). One thread runs
// every job of the window, the live frame first, over one ModelCache, so the weights of a model are in memory
// once and no two jobs compute at the same time: on the CPU each slice gets every core instead of two OpenMP
// teams fighting over them, and on the GPU one thread drives the one stream and cuDNN handle.
//
// Each round runs one slice of every job that has work, in priority order: the live frame (priority 0) never
// waits for more than one slice of each other job, and a busy live frame never starves the background jobs.
// A slice is bounded by the job: a frame, the optimizer steps that fit its budget, one step of a unit image.
// With nothing to do the thread sleeps until a job is woken.
#include "app/session/model_loader.hpp"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deepvis::app {

// Something the runner's thread works on in slices. Both calls come from the runner's thread only, never at the
// same time as each other, and never after JobRunner::remove(job) has returned.
class Job {
 public:
  virtual ~Job() = default;
  // Whether there is work now: queued commands, a run in progress, a new frame.
  virtual bool ready() = 0;
  // One bounded piece of that work, publishing what changed. Must not throw (a job reports its own failures).
  virtual void run_slice() = 0;
};

// The priorities of the window's jobs: lower runs first in each round.
enum JobPriority : int { kLiveFramePriority = 0, kOptimizerPriority = 1, kUnitImagePriority = 2, kGalleryPriority = 3 };

class JobRunner {
 public:
  // `omp_threads`: the OpenMP threads of the runner's thread (0: all cores). `models`: the cache the jobs load
  // from (null: a new one).
  explicit JobRunner(int omp_threads = 0, std::shared_ptr<ModelCache> models = {});
  ~JobRunner();  // stops after the slice in progress and joins; jobs still added are never run again
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Runs `job` from the next round on. The job must outlive its membership: remove it before it is destroyed.
  void add(Job& job, int priority);
  // After this returns the job is not running and never runs again (a slice in progress finishes first). Must
  // not be called from a slice.
  void remove(Job& job);
  // A job has new work: ends the thread's sleep.
  void wake();

  const std::shared_ptr<ModelCache>& models() const { return models_; }
  // Slices run so far by the job at `priority` (all of them with -1); for tests.
  uint64_t slices(int priority = -1) const;

 private:
  struct Entry {
    Job* job;
    int priority;
    uint64_t slices = 0;
  };
  void run(int omp_threads);
  std::vector<Job*> round_order() const;

  const std::shared_ptr<ModelCache> models_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a wake, a removal's end of slice, or stop
  std::vector<Entry> jobs_;          // sorted by priority, stable among equals
  Job* running_ = nullptr;           // the job whose ready() or run_slice() is in progress
  uint64_t wakes_ = 0;
  bool stop_ = false;
  std::thread thread_;  // last: started after every other member is ready
};

}  // namespace deepvis::app
