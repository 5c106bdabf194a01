#pragma once
// The optimization panel's state machine, free of ImGui and of threads: Idle -> Running <-> Paused -> Finished,
// driven by AscentCommands. It owns a model of its own (a Net imported from the same file, on the backend the
// engine picks), so stepping never waits for the engine or the UI; AscentWorker runs it on a thread. Stepping is
// vis::AscentRun's step(), the very loop `deepvis optimize` runs, so the same parameters and seed give the same
// result bit for bit.
//
// Decisions: a preset button always starts a new run (see ApplyAscentPreset); Run on a finished run starts over;
// a change that needs a new run while Running keeps running from iteration 0 of the new run, and while Paused
// leaves it Idle. Live changes made mid-run are listed in the saved info.json under "live_changes".
#include "app/ascent/ascent_command.hpp"
#include "app/ascent/ascent_snapshot.hpp"
#include "app/session/model_loader.hpp"
#include "compute/vis/ascent.hpp"
#include "compute/vis/ascent_loop.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace deepvis::app {

class AscentSession {
 public:
  // `models`: where models come from, shared with the window's other jobs (null: a cache of its own).
  explicit AscentSession(std::shared_ptr<ModelCache> models = {});
  ~AscentSession();
  AscentSession(const AscentSession&) = delete;
  AscentSession& operator=(const AscentSession&) = delete;

  // Carries out one command. Never throws: a refused command becomes the snapshot's error and changes nothing.
  void apply(const AscentCommand& command);

  // While Running: steps until `max_steps` are done or `budget_s` seconds have passed (at least one step), and
  // returns the number done. Does nothing in any other state.
  int advance(int max_steps, double budget_s);

  AscentState state() const { return state_; }
  bool running() const { return state_ == AscentState::Running; }
  int iteration() const { return run_ ? run_->iteration() : 0; }
  vis::AscentLoop* ascent_run() const { return run_.get(); }  // null without a target
  const vis::AscentParams& params() const { return params_; }
  uint64_t commands_applied() const { return commands_applied_; }
  const std::string& error() const { return error_; }
  const std::string& message() const { return message_; }

  // The panel's view of the current state, images converted for display. Cheap enough to call once per frame.
  std::shared_ptr<AscentSnapshot> snapshot();

 private:
  void load_model(const LoadAscentModel& command);
  void set_target(const std::string& label, const std::string& layer, int64_t unit, std::optional<int64_t> y,
                  std::optional<int64_t> x);
  void set_target_text(const std::string& text);
  void set_start(const SetAscentStart& start);
  void set_params(const vis::AscentParams& incoming);
  void apply_preset(int number);
  void run();
  void step_once();
  void reset();
  void save(const std::string& prefix);

  // A new run of params_ from the start point; on failure nothing changes and the error is returned.
  std::string restart(const std::string& why);
  void refuse(const std::string& what);
  void after_step();
  void end_run();
  bool require_model(const char* action);

  std::shared_ptr<ModelCache> models_;
  std::unique_ptr<LoadedModel> model_;
  std::string model_path_;
  vis::PixelSpace space_;
  vis::AscentParams params_;  // what the next run uses
  bool has_target_ = false;
  StartKind start_kind_ = StartKind::Noise;
  std::string start_name_;
  Tensor start_image_;  // Frame and File: (1, C, H, W) network space
  std::unique_ptr<vis::AscentLoop> run_;
  AscentState state_ = AscentState::Idle;
  nlohmann::json live_changes_ = nlohmann::json::array();

  uint64_t commands_applied_ = 0;
  uint64_t sequence_ = 0;
  std::string message_;
  std::string error_;
  uint64_t error_count_ = 0;
  std::vector<std::string> saved_files_;

  double run_seconds_ = 0.0;                            // stepping time of the current run, for info.json
  std::chrono::steady_clock::time_point window_start_;  // of the steps/s measurement
  int window_steps_ = 0;
  double rate_ = 0.0;
  int run_steps_ = 0;                                // steps since Run was pressed
  std::chrono::steady_clock::time_point run_start_;  // when it was
  double last_run_rate_ = 0.0;                       // the average of the last run, once it paused or finished
};

}  // namespace deepvis::app
