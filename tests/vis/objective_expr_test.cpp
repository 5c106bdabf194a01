// Objectives as values (compute/vis/objective_expr.hpp): sums, scales and differences of terms evaluate to the
// weighted sums of the terms' values and seeds (oracles: the terms evaluated alone, combined by hand, and central
// finite differences of J); a one-term expression is the term itself, bit for bit, in AscentRun too; the parts of
// AscentParams define a run as before; info.json records a composed objective and nothing new otherwise.
#include "compute/vis/objective_expr.hpp"
#include "compute/core/error.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/ascent.hpp"
#include "compute/vis/ascent_report.hpp"
#include "tests/support/fashion_mnist.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace deepvis;
using vis::CompositeObjective;
using vis::ObjectiveExpr;
using vis::ObjectiveKind;

namespace {

const Dims kLayer = {2, 3, 4, 4};
const std::vector<int64_t> kUnits = {1, 2};
constexpr int64_t kPosition = 5;

double total(const std::vector<double>& values, int dir) {
  double j = 0.0;
  for (double v : values) j += dir * v;
  return j;
}

vis::AscentParams fashion_params(const std::string& layer, int64_t unit, int iterations) {
  vis::AscentParams p = vis::preset(4);
  p.max_iter = iterations;
  p.push_layer = layer;
  p.push_units = {unit};
  return p;
}

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
const std::string kConv = "/relu2/Relu_output_0";

}  // namespace

TEST_CASE("objective expr: sum, scale and difference compose terms, and describe says so") {
  const ObjectiveExpr e = ObjectiveExpr::channel() - 0.5 * ObjectiveExpr::neuron() + 2.0 * ObjectiveExpr::channel();
  REQUIRE(e.terms().size() == 3);
  CHECK(e.terms()[0].weight == 1.0);
  CHECK(e.terms()[1].weight == -0.5);
  CHECK(e.terms()[1].kind == ObjectiveKind::Neuron);
  CHECK(e.terms()[2].weight == 2.0);
  CHECK(e.describe() == "channel - 0.5 * neuron + 2 * channel");
  CHECK((-1.0 * ObjectiveExpr::neuron()).describe() == "-neuron");
  CHECK(ObjectiveExpr::diversity(30).terms()[0].diversity_weight == 30);
}

TEST_CASE("objective expr: values and seeds are the weighted sums of the terms', and the seed is dJ/dA") {
  const Tensor acts = test::random_tensor(kLayer, 11u);
  const std::vector<float> d = {0.5f, -1.0f, 2.0f};
  const ObjectiveExpr e = ObjectiveExpr::channel() - 0.5 * ObjectiveExpr::neuron() + 3.0 * ObjectiveExpr::direction(d);
  CompositeObjective composite(e, kLayer, kPosition);
  Tensor seed(kLayer);
  composite.evaluate(acts, kUnits, -1, seed);

  // The oracle: each term alone, combined by hand.
  vis::Objective channel(ObjectiveKind::Channel, kLayer, kPosition), neuron(ObjectiveKind::Neuron, kLayer, kPosition),
      direction(ObjectiveKind::Direction, kLayer, kPosition, d);
  Tensor sc(kLayer), sn(kLayer), sd(kLayer);
  channel.evaluate(acts, kUnits, -1, 0.0, sc);
  neuron.evaluate(acts, kUnits, -1, 0.0, sn);
  direction.evaluate(acts, kUnits, -1, 0.0, sd);
  for (size_t k = 0; k < kUnits.size(); ++k) {
    const double want = channel.values()[k] - 0.5 * neuron.values()[k] + 3.0 * direction.values()[k];
    CHECK(composite.values()[k] == doctest::Approx(want).epsilon(1e-12));
  }
  double worst = 0.0;
  for (int64_t i = 0; i < seed.numel(); ++i) {
    const double want = sc.at(i) - 0.5 * sn.at(i) + 3.0 * sd.at(i);
    worst = std::max(worst, std::fabs(seed.at(i) - want));
  }
  CHECK(worst < 1e-6);

  // Central differences of J = sum_k push_dir * value_k, at every activation.
  double fd_worst = 0.0;
  Tensor probe = acts.clone(), scratch(kLayer);
  for (int64_t i = 0; i < acts.numel(); ++i) {
    const float keep = probe.at(i);
    const float h = 1e-2f;
    probe.at(i) = keep + h;
    composite.evaluate(probe, kUnits, -1, scratch);
    const double up = total(composite.values(), -1);
    probe.at(i) = keep - h;
    composite.evaluate(probe, kUnits, -1, scratch);
    const double down = total(composite.values(), -1);
    probe.at(i) = keep;
    fd_worst = std::max(fd_worst, std::fabs((up - down) / (2.0 * h) - seed.at(i)));
  }
  CHECK(fd_worst < 1e-3);
  CHECK_THROWS_AS(CompositeObjective(ObjectiveExpr(), kLayer, kPosition), Error);
}

TEST_CASE("objective expr: the paper's neuron objective as a value runs exactly the paper's loop") {
  const Graph graph = import_onnx(kModel);
  vis::AscentParams by_kind = fashion_params(kConv, 4, 25);
  vis::AscentParams by_value = by_kind;
  by_value.objective_expr = ObjectiveExpr::neuron();
  Net a(graph, make_cpu_backend(), 1), b(graph, make_cpu_backend(), 1);
  vis::AscentRun ra(a, by_kind, test::fashion_mnist_space()), rb(b, by_value, test::fashion_mnist_space());
  for (bool more = true; more;) {
    more = ra.step();
    REQUIRE(rb.step() == more);
  }
  CHECK(ra.record(0).obj == rb.record(0).obj);
  CHECK(std::equal(ra.x().data(), ra.x().data() + ra.x().numel(), rb.x().data()));

  // A composed objective climbs what it says: channel - neuron of the same unit.
  vis::AscentParams composed = fashion_params(kConv, 4, 25);
  composed.objective_expr = ObjectiveExpr::channel() - ObjectiveExpr::neuron();
  Net c(graph, make_cpu_backend(), 1);
  vis::AscentRun rc(c, composed, test::fashion_mnist_space());
  while (rc.step()) {
  }
  const std::vector<double>& obj = rc.record(0).obj;
  REQUIRE(obj.size() > 2);
  CHECK(rc.record(0).best_obj > obj.front());
}

TEST_CASE("objective expr: a composed objective defines the run and is recorded; the CLI's info.json is as before") {
  vis::AscentParams current = fashion_params(kConv, 4, 10);
  current.objective_expr = 2.0 * ObjectiveExpr::channel();
  vis::AscentParams next = fashion_params(kConv, 9, 10);
  next.decay = 0.25;
  const vis::AscentParams kept = vis::keep_run_definition(current, next);
  CHECK(kept.push_units == current.push_units);            // the target part
  CHECK(kept.objective_expr.describe() == "2 * channel");  // the objective part
  CHECK(kept.decay == 0.25);                               // a regularizer: live

  const nlohmann::json plain = vis::params_json(fashion_params(kConv, 4, 10));
  CHECK_FALSE(plain.contains("objective_expr"));
  const nlohmann::json with = vis::params_json(current);
  REQUIRE(with.contains("objective_expr"));
  CHECK(with["objective_expr"]["text"] == "2 * channel");
  CHECK(with["objective_expr"]["terms"][0]["weight"] == 2.0);
}
