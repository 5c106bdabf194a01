#pragma once
// The optimization session as a job of the engine's scheduler (JobRunner), so gradient ascent never blocks the
// live frame or the UI. Each slice applies the queued commands, then (while Running) steps for up to a time
// budget, and publishes one immutable snapshot: when steps are faster than frames, as many run per published
// image as fit the budget; when a step is slower than the budget, every step is published. post() only appends
// to a queue and latest() only copies a pointer, so the UI never waits. Idle or Paused, it has no work.
#include "app/ascent/ascent_command.hpp"
#include "app/ascent/ascent_snapshot.hpp"
#include "app/mailbox.hpp"
#include "app/session/job_runner.hpp"
#include "app/session/model_loader.hpp"

#include <cstdint>
#include <memory>

namespace deepvis::app {

class AscentSession;

class AscentWorker final : public Job {
 public:
  // On a runner of its own (tests, a front end without an engine). `budget_s`: stepping time per published
  // snapshot; about one UI frame by default. `models`: where models come from (null: a cache of its own).
  explicit AscentWorker(double budget_s = 1.0 / 60.0, std::shared_ptr<ModelCache> models = {});
  // As a job of `runner` (the engine's), over its models.
  explicit AscentWorker(JobRunner& runner, double budget_s = 1.0 / 60.0);
  ~AscentWorker() override;  // stops after the current step
  AscentWorker(const AscentWorker&) = delete;
  AscentWorker& operator=(const AscentWorker&) = delete;

  void post(AscentCommand command) { mailbox_.post(std::move(command)); }
  // Commands posted so far; a snapshot with commands_applied >= this value reflects all of them.
  uint64_t posted() const { return mailbox_.posted(); }
  // The newest snapshot; an empty one (sequence 0) before the first. Never null.
  std::shared_ptr<const AscentSnapshot> latest() const { return mailbox_.latest(); }

  bool ready() override;
  void run_slice() override;

 private:
  AscentWorker(std::unique_ptr<JobRunner> own, JobRunner* runner, double budget_s);

  const double budget_s_;
  std::unique_ptr<JobRunner> own_runner_;  // when it runs alone
  JobRunner& runner_;
  std::unique_ptr<AscentSession> session_;  // used by the runner's thread only
  Mailbox<AscentCommand, AscentSnapshot> mailbox_;
};

}  // namespace deepvis::app
