#pragma once
// Requests to the optimization panel's session (AscentSession), carried out in the order sent. The panel posts
// them through the worker's queue; tests apply them to a session directly. Each one either takes effect or leaves
// the session as it was and says why in the next snapshot's error.
#include "compute/model/device_choice.hpp"
#include "compute/vis/ascent_params.hpp"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace deepvis::app {

// Where a run starts. Noise, Uniform and Mean are the paper's mean_plus_rand, randu and mean (seeded by the
// params' seed); Frame is the live input as the engine showed it; File is an image file.
enum class StartKind { Noise, Uniform, Mean, Frame, File };
const char* start_kind_name(StartKind kind);

// Imports the model (slow; on the worker thread) into a Net of the session's own. A model that does not load is
// reported and the previous one stays.
struct LoadAscentModel {
  std::string path;
  DeviceChoice device;  // the window passes the engine's
};
// The selected unit: channel, and for conv layers an optional position (default: the centre). Starts a new run.
struct SetAscentTarget {
  std::string layer;
  int64_t unit = 0;
  std::optional<int64_t> y;
  std::optional<int64_t> x;
};
// A typed target: "layer:unit" or "layer:unit:y:x" (the layer name may itself hold ':'). Starts a new run.
struct SetAscentTargetText {
  std::string text;
};
// The start point. Frame needs `frame_rgb` (8-bit RGB, preprocessed as the engine does); File needs `file`.
// Starts a new run.
struct SetAscentStart {
  StartKind kind = StartKind::Noise;
  std::string file;
  cv::Mat frame_rgb;
  std::string frame_name;  // for the record: what the frame was
};
// Every parameter except the target and the start point, which have commands of their own. Regularizers,
// schedule, transforms and Adam's betas apply from the next step; a change of seed, objective, direction,
// parameterization, optimizer, push direction, or more iterations than the run reserved starts a new run and says
// so in the snapshot's message.
struct SetAscentParams {
  vis::AscentParams params;
};
// The paper's Table 1 (1-4): its regularizers, schedule and iterations replace the current ones; the target,
// start, seed and the options beyond the paper stay. It always starts a new run, so what Save then writes is
// exactly what `deepvis optimize --preset N` computes.
struct ApplyAscentPreset {
  int number = 3;
};
struct RunAscent {};    // Idle/Paused: run; Finished: start over and run
struct PauseAscent {};  // Running: stop after the current step
struct StepAscent {};   // exactly one step, then Paused (Finished after the last)
struct ResetAscent {};  // a new run from the start point, Idle at iteration 0
// PREFIX_best_X.png, PREFIX_best_Xpm.png and PREFIX_info.json, as `deepvis optimize` writes them; the prefix's
// folder is created when missing.
struct SaveAscent {
  std::string prefix;
};

using AscentCommand =
    std::variant<LoadAscentModel, SetAscentTarget, SetAscentTargetText, SetAscentStart, SetAscentParams,
                 ApplyAscentPreset, RunAscent, PauseAscent, StepAscent, ResetAscent, SaveAscent>;

}  // namespace deepvis::app
