// What the optimizer is for, on the embedded Fashion-MNIST model, with the paper's presets exactly as the paper
// defines them (not tuned to pass), all ten classes at once, one batch element each.
// Preset 4 (progress policy, max_lr 1e8) reaches majority success for at least 9 of 10 classes. Presets 1-3 do
// not on this model: its logits change by only ~0.01 per pixel unit (28x28 inputs, normalized by std 0.35), so
// lr 100 (presets 2, 3) and preset 1's cap max_lr 100 move x too little against decay, the 50th-percentile norm
// clip and the blur, and the scores stall near their start. For presets 1-3 this case is a report: their per-class
// trajectories are printed, not asserted (asserting them would mean tuning the presets); what it asserts for them
// is only that every iteration is recorded.
#include "compute/model/model_card.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/ascent.hpp"

#include <doctest/doctest.h>

#include <cstdio>

using namespace deepvis;

TEST_CASE(
    "ascent-semantics: on Fashion-MNIST preset 4 reaches majority success for >= 9 of 10 classes (presets "
    "1-3 reported, not asserted)") {
  const std::string model = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
  const ModelCard card = read_model_card(model_card_path(model));
  const Preprocess pre = apply_card_preprocess(card.preprocess, Preprocess{});
  const Graph graph = import_onnx(model);
  const std::string logits = graph.blobs[static_cast<size_t>(graph.outputs.front())].name;

  for (int preset = 1; preset <= 4; ++preset) {
    Net net(graph, make_cpu_backend());
    vis::AscentParams p = vis::preset(preset);
    p.push_layer = logits;
    p.push_units = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    p.seed = 0;
    vis::AscentRun run(net, p, vis::pixel_space(pre, 1));
    while (run.step()) {
    }
    int successes = 0;
    std::string trajectory;
    for (int k = 0; k < run.units(); ++k) {
      const vis::UnitRecord& r = run.record(k);
      const bool rose = r.best_obj > r.obj.front();
      successes += (r.majority_ii.has_value() && rose) ? 1 : 0;
      char line[160];
      std::snprintf(line, sizeof line, "  class %lld: obj %.3f -> best %.3f (ii %d), majority at %d%s\n",
                    static_cast<long long>(r.unit), r.obj.front(), r.best_obj, r.best_ii,
                    r.majority_ii ? *r.majority_ii : -1, r.failure.empty() ? "" : (" " + r.failure).c_str());
      trajectory += line;
    }
    if (preset == 4) {
      INFO("preset 4:\n" << trajectory);
      CHECK_MESSAGE(successes >= 9, "preset 4: " << successes << "/10 majority successes");
    } else {
      MESSAGE("report, not asserted: preset " << preset << ": " << successes << "/10 majority successes\n"
                                              << trajectory);
    }
    CHECK(run.record(0).obj.size() == static_cast<size_t>(p.max_iter));  // every iteration recorded
  }
}
