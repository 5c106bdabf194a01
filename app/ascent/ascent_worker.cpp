#include "app/ascent/ascent_worker.hpp"

#include "app/ascent/ascent_session.hpp"

#include <limits>

namespace deepvis::app {

AscentWorker::AscentWorker(double budget_s, std::shared_ptr<ModelCache> models)
    : AscentWorker(std::make_unique<JobRunner>(0, std::move(models)), nullptr, budget_s) {}

AscentWorker::AscentWorker(JobRunner& runner, double budget_s) : AscentWorker(nullptr, &runner, budget_s) {}

AscentWorker::AscentWorker(std::unique_ptr<JobRunner> own, JobRunner* runner, double budget_s)
    : budget_s_(budget_s),
      own_runner_(std::move(own)),
      runner_(runner ? *runner : *own_runner_),
      session_(std::make_unique<AscentSession>(runner_.models())) {
  mailbox_.on_post([this] { runner_.wake(); });
  runner_.add(*this, kOptimizerPriority);
}

AscentWorker::~AscentWorker() {
  runner_.remove(*this);
}

bool AscentWorker::ready() {
  return mailbox_.has_commands() || session_->running();
}

void AscentWorker::run_slice() {
  const std::vector<AscentCommand> commands = mailbox_.take_commands();
  for (const AscentCommand& command : commands) session_->apply(command);
  session_->advance(std::numeric_limits<int>::max(), budget_s_);
  mailbox_.publish(session_->snapshot());
}

}  // namespace deepvis::app
