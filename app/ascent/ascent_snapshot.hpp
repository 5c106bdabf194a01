#pragma once
// What the optimization session publishes: everything the panel shows, in buffers of its own, immutable once
// published (std::shared_ptr<const AscentSnapshot>), so the UI reads it without locks while the worker steps on.
#include "app/ascent/ascent_command.hpp"
#include "compute/vis/ascent_params.hpp"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deepvis::app {

// Idle: a run is ready at iteration 0 (or there is no target yet). Running: the worker steps it. Paused: stopped
// mid-way. Finished: every iteration done, or the unit stopped early (see failure).
enum class AscentState { Idle, Running, Paused, Finished };
const char* ascent_state_name(AscentState state);

struct AscentSnapshot {
  uint64_t sequence = 0;          // 1, 2, ... per published snapshot
  uint64_t commands_applied = 0;  // commands carried out before it was made

  bool has_model = false;
  std::string model_path;
  std::string model_stem;
  bool has_target = false;
  std::string target;  // "layer:unit" (":y:x" when a position was given)
  std::string layer;
  int64_t unit = 0;

  AscentState state = AscentState::Idle;
  vis::AscentParams params;  // as the session holds them (the target and start fields included)
  StartKind start = StartKind::Noise;
  std::string start_name;  // the file or frame name for Frame and File

  int iteration = 0;  // steps done; the next ii to run
  int max_iter = 0;
  cv::Mat image_rgb;               // x plus the mean: the pixels themselves, 8-bit RGB (empty without a run)
  cv::Mat x_rgb;                   // x alone around gray, 8-bit RGB
  std::vector<float> objective;    // per iteration done
  std::optional<int64_t> argmax;   // the layer's argmax unit at the last iteration
  std::string argmax_label;        // its label from the model card, when the layer is the labelled output
  std::optional<int> majority_ii;  // first iteration at which the unit was the argmax
  double best_obj = 0.0;
  int best_ii = -1;
  std::string failure;  // "gradient zero", "NaN in x ..." when the unit stopped early
  // While running, over the last second or so; once paused or finished, the average of the last run (steps over
  // the wall time it ran), so the panel never says 0.0 about a run that went fast.
  double steps_per_second = 0.0;
  double eta_seconds = 0.0;            // while running: the steps left at that rate; else 0
  std::vector<float> pixel_histogram;  // counts of x + mean in 32 bins over 0..255, every channel (empty without a run)

  std::string message;  // the last notice (a restart and why, files saved); "" when none
  std::string error;    // the last refused command and why; "" when none
  uint64_t error_count = 0;
  std::vector<std::string> saved_files;  // of the last Save
};

}  // namespace deepvis::app
