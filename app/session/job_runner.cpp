#include "app/session/job_runner.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>

namespace deepvis::app {

JobRunner::JobRunner(int omp_threads, std::shared_ptr<ModelCache> models)
    : models_(models ? std::move(models) : std::make_shared<ModelCache>()),
      thread_([this, omp_threads] { run(omp_threads); }) {}

JobRunner::~JobRunner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void JobRunner::add(Job& job, int priority) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto at =
        std::upper_bound(jobs_.begin(), jobs_.end(), priority, [](int p, const Entry& e) { return p < e.priority; });
    jobs_.insert(at, Entry{&job, priority});
    ++wakes_;
  }
  changed_.notify_all();
}

void JobRunner::remove(Job& job) {
  std::unique_lock<std::mutex> lock(mutex_);
  jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(), [&](const Entry& e) { return e.job == &job; }), jobs_.end());
  changed_.wait(lock, [&] { return running_ != &job; });
}

void JobRunner::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wakes_;
  }
  changed_.notify_all();
}

uint64_t JobRunner::slices(int priority) const {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t n = 0;
  for (const Entry& e : jobs_) {
    if (priority < 0 || e.priority == priority) n += e.slices;
  }
  return n;
}

std::vector<Job*> JobRunner::round_order() const {
  std::vector<Job*> order;
  for (const Entry& e : jobs_) order.push_back(e.job);
  return order;
}

void JobRunner::run(int omp_threads) {
  if (omp_threads > 0) omp_set_num_threads(omp_threads);
  for (;;) {
    uint64_t wakes = 0;
    std::vector<Job*> order;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
      wakes = wakes_;
      order = round_order();
    }
    bool worked = false;
    for (Job* job : order) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) return;
        const auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const Entry& e) { return e.job == job; });
        if (it == jobs_.end()) continue;  // removed during the round
        running_ = job;
      }
      const bool ready = job->ready();
      if (ready) job->run_slice();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        running_ = nullptr;
        if (ready) {
          const auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const Entry& e) { return e.job == job; });
          if (it != jobs_.end()) ++it->slices;
        }
      }
      changed_.notify_all();  // a remove() may be waiting for this job's slice to end
      worked = worked || ready;
    }
    if (worked) continue;
    // Nothing had work: sleep until a job is woken (a wake during the round counts: wakes_ moved on). The timeout
    // only bounds the cost of a job that forgot to wake the runner.
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stop_ || wakes_ != wakes; });
  }
}

}  // namespace deepvis::app
