// The showcase model (scripts/fetch-models: DenseNet-121 facial expressions) on Debian's sample photos
// (scripts/make-samples), face-cropped as its card says: smiling faces come out as index 3 ("happy", FER2013
// order) with p >= 0.9, and the logits agree with OpenCV DNN's forward of the same model and crop.
#include "compute/image/load_image.hpp"
#include "compute/io/npy.hpp"
#include "compute/model/model_card.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

using namespace deepvis;
namespace fs = std::filesystem;

namespace {

// The fetched model's path, fetching it first if need be; empty when it cannot be had.
fs::path fetched_model() {
  const fs::path root = DEEPVIS_SOURCE_DIR;
  fs::path model = root / "models/fetched/fr_expression.onnx";
  if (!fs::exists(model)) test::run_process({(root / "scripts/fetch-models").string()});
  return fs::exists(model) ? model : fs::path();
}

// Offline, deepvis falls back to the embedded model, so by hand a missing fetch skips these cases; scripts/test
// fetches the model itself and so requires it (DEEPVIS_REQUIRE_ASSETS): they hold the only whole-network check of
// the fusions.
#define REQUIRE_FETCHED_MODEL(model) \
  DEEPVIS_REQUIRE_ASSET(!(model).empty(), "models/fetched/fr_expression.onnx could not be fetched (npm unreachable?)")

}  // namespace

TEST_CASE("fr-expression: smiling faces are 'happy' with p >= 0.9, and match OpenCV DNN") {
  const fs::path root = DEEPVIS_SOURCE_DIR;
  const fs::path model = fetched_model();
  REQUIRE_FETCHED_MODEL(model);
  if (!fs::exists(root / "samples/photos/astronaut.png")) {
    const auto r = test::run_process({(root / "scripts/make-samples").string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  }
  const ModelCard card = read_model_card(model_card_path(model.string()));
  REQUIRE(card.labels);
  CHECK((*card.labels)[3] == "happy");
  const Preprocess pre = apply_card_preprocess(card.preprocess, Preprocess{});
  REQUIRE(pre.crop == CropMode::Face);
  Net net(import_onnx(model.string()), make_cpu_backend());
  test::TempDir dir;

  for (const char* photo : {"grace_hopper.jpg", "astronaut.png"}) {
    bool no_face = false;
    const Tensor input =
        preprocess_image(load_image_rgb((root / "samples/photos" / photo).string()), pre, net.input_dims(), &no_face);
    CHECK_MESSAGE(!no_face, photo << ": the Haar cascade found no face");
    net.forward(input);
    const Tensor logits = net.blob(net.graph().outputs.front()).clone();
    int best = 0;
    double total = 0;
    for (int i = 0; i < 7; ++i) {
      if (logits.at(i) > logits.at(best)) best = i;
    }
    for (int i = 0; i < 7; ++i) total += std::exp(static_cast<double>(logits.at(i) - logits.at(best)));
    CHECK_MESSAGE(best == 3, photo);
    CHECK_MESSAGE(1.0 / total >= 0.9, photo << ": p(happy) = " << 1.0 / total);

    // OpenCV DNN (Debian's python3-opencv) on exactly the same tensor.
    write_npy(dir.path("input.npy"), input);
    const auto r = test::run_process({"/usr/bin/python3", "-c",
                                      "import cv2, numpy as np; n = cv2.dnn.readNetFromONNX('" + model.string() +
                                          "'); n.setInput(np.load('" + dir.path("input.npy") + "')); np.save('" +
                                          dir.path("cv.npy") + "', n.forward().astype(np.float32))"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    const double err = test::max_relative_error(logits, read_npy(dir.path("cv.npy")));
    CHECK_MESSAGE(err <= 1e-3, photo << ": relative error vs OpenCV DNN " << err);
  }
}

TEST_CASE("fr-expression: DenseNet-121 fused (62 BatchNorm-Relu pairs, 62 Concats in place) as the unfused net") {
  const fs::path model = fetched_model();
  REQUIRE_FETCHED_MODEL(model);
  const Graph graph = import_onnx(model.string());
  Net fused(graph, make_cpu_backend());
  Net unfused(graph, make_cpu_backend());
  unfused.set_fusion(false);
  // Every BatchNormalization is followed by a Relu that alone reads it (the export folded the others into convs).
  CHECK(fused.fused_relus() == 62);
  CHECK(fused.concats_in_place() == 62);  // every Concat of a block lies in the block's last one
  CHECK(unfused.fused_relus() == 0);
  CHECK(unfused.concats_in_place() == 0);
  const Tensor input = test::random_tensor(fused.input_dims(), 3);
  const int out = graph.outputs.front();
  Tensor seed(fused.blob_dims(out));
  seed.at(3) = 1.0f;
  Gradients a = fused.make_gradients();
  Gradients b = unfused.make_gradients();
  for (BackwardMode mode : test::kModes) {
    CAPTURE(static_cast<int>(mode));
    fused.forward(input);
    unfused.forward(input);
    CHECK(test::max_abs_error(fused.blob(out), unfused.blob(out)) == 0.0);
    fused.backward_from(out, seed, mode, a);
    unfused.backward_from(out, seed, mode, b);
    CHECK(test::max_relative_error(a.input(), b.input()) < 1e-6);
  }
  // bench says how many ran fused, and --no-fusion turns it off.
  for (const bool off : {false, true}) {
    std::vector<std::string> argv = {test::deepvis_binary(),
                                     "bench",
                                     "--model",
                                     model.string(),
                                     "--device",
                                     "cpu",
                                     "--iters",
                                     "1",
                                     "--warmup",
                                     "0",
                                     "--json"};
    if (off) argv.push_back("--no-fusion");
    const auto r = test::run_process(argv);
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    CHECK_MESSAGE(r.output.find(off ? "\"concats_in_place\":0" : "\"concats_in_place\":62") != std::string::npos,
                  r.output);
    CHECK_MESSAGE(r.output.find(off ? "\"fused_relus\":0" : "\"fused_relus\":62") != std::string::npos, r.output);
  }
}
