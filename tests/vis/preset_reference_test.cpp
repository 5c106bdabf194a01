// The paper's presets 1-4 against an independent oracle: the float64 NumPy loop of
// tests/fixtures/make_preset_reference.py (scipy's gaussian_filter, numpy's percentile) on a Caffe-style net with
// grouped convolution, LRN and ceil-mode max pooling, for 40 steps from the mean and from a textured image. The
// objectives must agree to 1e-5 of scale, and the last images closely. The committed reference is checked to be
// what the script makes, and `deepvis optimize` is run on the same files as a user would.
#include "tests/support/preset_reference.hpp"
#include "compute/core/backend.hpp"
#include "compute/core/net.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

using namespace deepvis;

namespace {

constexpr double kObjectiveTolerance = 1e-5;  // of scale: max |obj| over the trajectory

double max_abs(const Tensor& t) {
  double m = 0.0;
  for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, static_cast<double>(std::fabs(t.at(i))));
  return m;
}

}  // namespace

TEST_CASE("preset reference: the committed oracle is what make_preset_reference.py makes") {
  const test::PresetReference committed = test::committed_preset_reference();
  test::TempDir dir;
  const auto r =
      test::run_process({"/usr/bin/python3", (committed.dir.parent_path() / "make_preset_reference.py").string(),
                         dir.path("ref"), "--steps", std::to_string(committed.steps())});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const test::PresetReference made = test::load_preset_reference(dir.path("ref"));
  CHECK(test::max_abs_error(made.start_image(), committed.start_image()) == 0.0);
  for (const std::string start : {"mean", "image"}) {
    for (int preset = 1; preset <= 4; ++preset) {
      CAPTURE(start);
      CAPTURE(preset);
      CHECK(test::drift_of_scale(committed.objectives(start, preset), made.objectives(start, preset)) < 1e-9);
      CHECK(test::max_abs_error(made.last_x(start, preset), committed.last_x(start, preset)) <
            1e-6 * max_abs(committed.last_x(start, preset)));
    }
  }
}

TEST_CASE("preset reference: each preset follows the float64 NumPy loop for 40 steps from the mean and an image") {
  const test::PresetReference ref = test::committed_preset_reference();
  const Graph graph = import_onnx(ref.model());
  Net net(graph, make_cpu_backend());
  const Tensor start = ref.start_image();
  for (const std::string start_name : {"mean", "image"}) {
    for (int preset = 1; preset <= 4; ++preset) {
      CAPTURE(start_name);
      CAPTURE(preset);
      const vis::AscentParams params = ref.params(start_name, preset);
      vis::AscentRun run(net, params, ref.space(), start_name == "image" ? &start : nullptr);
      while (run.step()) {
      }
      const vis::UnitRecord& got = run.record(0);
      const std::vector<double> want = ref.objectives(start_name, preset);
      CAPTURE(ref.tie_margin(start_name, preset));  // near 1e-7, rounding picks a pooling winner: a drift's cause
      REQUIRE(got.obj.size() == want.size());
      CHECK(got.failure.empty());
      const double drift = test::drift_of_scale(want, got.obj);
      MESSAGE("preset " << preset << " from " << start_name << ": objective within " << drift << " of scale, first "
                        << "step beyond 1e-5: " << test::first_drift(want, got.obj, kObjectiveTolerance));
      CHECK(drift <= kObjectiveTolerance);
      const Tensor last = ref.last_x(start_name, preset);
      CHECK(test::max_abs_error(got.last_x.reshaped(last.dims()), last) <= 1e-4 * max_abs(last));
    }
  }
}

TEST_CASE("preset reference: deepvis optimize from the start PNG gives the reference's objectives") {
  const test::PresetReference ref = test::committed_preset_reference();
  test::TempDir dir;
  const auto r = test::run_process({test::deepvis_binary(),
                                    "optimize",
                                    "--model",
                                    ref.model(),
                                    "--device",
                                    "cpu",
                                    "--layer",
                                    ref.layer(),
                                    "--unit",
                                    std::to_string(ref.params("image", 3).push_units[0]),
                                    "--preset",
                                    "3",
                                    "--start-at",
                                    "image",
                                    "--start-image",
                                    (ref.dir / "start.png").string(),
                                    "--max-iter",
                                    std::to_string(ref.steps()),
                                    "--scale",
                                    "1",
                                    "--mean",
                                    "104,117,123",
                                    "--std",
                                    "1,1,1",
                                    "--bgr",
                                    "--out",
                                    dir.path("run")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  std::ifstream in(dir.path("run_info.json"));
  const auto obj = nlohmann::json::parse(in)["results"]["obj"].get<std::vector<double>>();
  REQUIRE(obj.size() == ref.objectives("image", 3).size());
  CHECK(test::drift_of_scale(ref.objectives("image", 3), obj) <= kObjectiveTolerance);
}
