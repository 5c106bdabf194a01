#include "app/commands/commands.hpp"
#include "app/commands/model_flags.hpp"
#include "app/commands/output_check.hpp"
#include "app/commands/unit_spec.hpp"
#include "compute/io/npy.hpp"
#include "compute/vis/input_space_image.hpp"
#include "render/framebuffer_capture.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace deepvis::app {

namespace {

struct BackwardFlags {
  ModelFlags model;
  std::string input;
  std::string layer;
  std::string unit;
  std::string mode = "gradient";
  std::string seed = "activation";
  std::string out;
  std::string png;
  bool lrn_passthrough = false;
};

BackwardMode parse_mode(const std::string& m) {
  if (m == "deconv") return BackwardMode::Deconv;
  if (m == "guided") return BackwardMode::Guided;
  return BackwardMode::Gradient;
}

// Seed of the unit's channel: its own activation map (or 1 everywhere), or only (Y, X) when a position is given.
Tensor make_seed(const Tensor& activation, const UnitSpec& unit, bool use_activation) {
  Tensor seed(activation.dims());
  const int64_t plane = activation.rank() == 4 ? activation.dim(2) * activation.dim(3) : 1;
  const int64_t base = unit.channel * plane;
  if (unit.y) {
    const int64_t i = base + *unit.y * activation.dim(3) + *unit.x;
    seed.at(i) = use_activation ? activation.at(i) : 1.0f;
  } else {
    for (int64_t i = base; i < base + plane; ++i) seed.at(i) = use_activation ? activation.at(i) : 1.0f;
  }
  return seed;
}

int run_backward(const BackwardFlags& f) {
  require_writable_folder(f.out, "--out");
  if (!f.png.empty()) require_writable_folder(f.png, "--png");
  LoadedModel session = load_net(f.model, 1);
  std::unique_ptr<Net>& net = session.net;
  int blob = -1;
  try {
    blob = net->blob_id(f.layer);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  const UnitSpec unit = parse_unit_spec(f.unit);
  check_unit(unit, net->blob_dims(blob), f.layer);
  Tensor input = load_input(f.input, f.model, session);
  if (input.dim(0) != 1) input = input.reshaped(net->input_dims());  // batch 1 only
  net->forward(input, blob);

  const Tensor seed = make_seed(net->blob(blob), unit, f.seed == "activation");
  Gradients grads = net->make_gradients();
  BackwardOptions options;
  options.lrn_passthrough_in_deconv = f.lrn_passthrough;
  net->backward_from(blob, seed, parse_mode(f.mode), grads, options);
  write_npy(f.out, grads.input());
  if (!f.png.empty()) render::write_image(f.png, signed_to_bgr_image(grads.input(), session.preprocess.bgr));
  if (!f.model.json)
    std::printf("wrote %s (%s)\n", f.out.c_str(), to_string(grads.input().dims()).c_str());
  else
    std::printf("{\"out\": \"%s\"}\n", f.out.c_str());
  return kExitOk;
}

}  // namespace

Subcommand add_backward_command(CLI::App& parent) {
  auto flags = std::make_shared<BackwardFlags>();
  CLI::App* parser =
      parent.add_subcommand("backward", "Flow a unit's signal back to the input (gradient, deconv or guided backprop)");
  add_model_flags(*parser, flags->model);
  parser->add_option("--input", flags->input, "Image file, or a preprocessed .npy (float32, 1xCxHxW)")->required();
  parser->add_option("--layer", flags->layer, "Layer (blob or node name)")->required();
  parser->add_option("--unit", flags->unit, "Unit C, or C:Y:X for one position of a conv channel")->required();
  parser->add_option("--mode", flags->mode, "gradient, deconv or guided")
      ->check(CLI::IsMember({"gradient", "deconv", "guided"}));
  parser->add_option("--seed", flags->seed, "activation (the channel's own map, as the original) or one")
      ->check(CLI::IsMember({"activation", "one"}));
  parser->add_flag("--lrn-passthrough", flags->lrn_passthrough,
                   "In deconv mode, pass the signal through LRN unchanged");
  parser->add_option("--out", flags->out, "Input-space result, .npy (float32, 1xCxHxW)")->required();
  parser->add_option("--png", flags->png, "Also write it as an image (signed, mapped around gray)");
  return {parser, [flags] { return run_guarded("backward", [&] { return run_backward(*flags); }); }};
}

}  // namespace deepvis::app
