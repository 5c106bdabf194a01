// The ONNX backend node tests as a suite any backend can run (conformance_suite.hpp).
#include "tests/onnx/conformance_suite.hpp"

#include "compute/core/error.hpp"
#include "compute/core/net.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/onnx/tensor_proto.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace deepvis::test {

namespace fs = std::filesystem;

namespace {

constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-7;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> sorted_entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "" when every value is within |a - b| <= atol + rtol * |b|; else a description of the first miss.
std::string compare(const Tensor& got, const Tensor& want) {
  if (got.numel() != want.numel()) {
    return "got " + to_string(got.dims()) + ", expected " + to_string(want.dims());
  }
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double a = got.at(i);
    const double b = want.at(i);
    const bool ok = (std::isnan(a) && std::isnan(b)) || a == b || std::fabs(a - b) <= kAtol + kRtol * std::fabs(b);
    if (!ok) {
      return "element " + std::to_string(i) + " is " + std::to_string(a) + ", expected " + std::to_string(b);
    }
  }
  return "";
}

std::string op_key(const onnx::ModelProto& model) {
  std::set<std::string> ops;
  for (const auto& n : model.graph().node()) ops.insert(n.op_type());
  std::string key;
  for (const auto& op : ops) key += (key.empty() ? "" : "+") + op;
  return key.empty() ? "(no nodes)" : key;
}

bool all_supported(const onnx::ModelProto& model) {
  const auto supported = supported_onnx_ops();
  for (const auto& n : model.graph().node()) {
    if (std::find(supported.begin(), supported.end(), n.op_type()) == supported.end()) return false;
  }
  return true;
}

}  // namespace

SuiteResult run_suite(const fs::path& root, const std::string& filter, const NamedBackends& backends) {
  std::map<std::string, Tally> per_op;
  std::map<std::string, bool> op_supported;
  std::vector<std::string> skip_reasons;  // for cases whose ops are all supported
  SuiteResult result;
  Tally& total = result.total;

  for (const fs::path& dir : sorted_entries(root, "test_")) {
    if (!filter.empty() && dir.filename().string().find(filter) == std::string::npos) continue;
    const fs::path model_path = dir / "model.onnx";
    onnx::ModelProto model;
    if (!fs::exists(model_path) || !model.ParseFromString(read_file(model_path))) continue;
    const std::string key = op_key(model);
    op_supported[key] = all_supported(model);
    std::set<std::string> initializers;
    for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
    std::vector<std::string> inputs;  // input_K.pb is the K-th graph input that is not an initializer
    for (const auto& vi : model.graph().input()) {
      if (!initializers.count(vi.name())) inputs.push_back(vi.name());
    }

    for (const fs::path& set : sorted_entries(dir, "test_data_set_")) {
      const std::string name = dir.filename().string() + "/" + set.filename().string();
      auto pb = [&](const std::string& kind, size_t k) { return set / (kind + "_" + std::to_string(k) + ".pb"); };
      Tally& tally = per_op[key];
      Graph graph;
      try {
        // Bound inputs are read first: the model decides whether the others are tensors we can read at all.
        ImportOptions options;
        for (size_t k = 1; k < inputs.size(); ++k) {
          options.bind_inputs[inputs[k]] = onnx_internal::read_tensor_proto_file(pb("input", k).string());
        }
        graph = import_onnx(model_path.string(), options);
      } catch (const Error& e) {
        ++tally.skipped;
        ++total.skipped;
        if (op_supported[key]) skip_reasons.push_back(name + ": " + e.what());
        continue;
      }
      ++tally.run;
      ++total.run;
      std::string problem;
      Tensor input;
      std::vector<Tensor> want;
      try {
        input = onnx_internal::read_tensor_proto_file(pb("input", 0).string());
        for (size_t k = 0; k < graph.outputs.size(); ++k) {
          want.push_back(onnx_internal::read_tensor_proto_file(pb("output", k).string()));
        }
      } catch (const Error& e) {
        problem = std::string("test data: ") + e.what();
      }
      for (const auto& [backend_name, backend] : backends) {
        if (!problem.empty()) break;
        try {
          Net net(graph, backend);
          net.forward(input);
          for (size_t k = 0; k < graph.outputs.size() && problem.empty(); ++k) {
            const std::string miss = compare(net.blob(graph.outputs[k]), want[k]);
            if (!miss.empty()) problem = backend_name + " output " + std::to_string(k) + ": " + miss;
          }
        } catch (const std::exception& e) {
          problem = backend_name + ": " + e.what();
        }
      }
      if (problem.empty()) {
        ++tally.passed;
        ++total.passed;
      } else {
        result.failures.push_back(name + ": " + problem);
      }
    }
  }

  std::ostringstream report;
  std::string names;
  for (const auto& [backend_name, backend] : backends) names += (names.empty() ? "" : " and ") + backend_name;
  report << "ONNX conformance, " << root.string() << " (" << names << " backends, rtol 1e-3 atol 1e-7):\n";
  int unsupported_types = 0;
  int unsupported_cases = 0;
  std::string unsupported_list;
  for (const auto& [key, t] : per_op) {
    if (!op_supported[key] && t.run == 0) {
      ++unsupported_types;
      unsupported_cases += t.skipped;
      unsupported_list += (unsupported_list.empty() ? "" : ", ") + key;
      continue;
    }
    char line[256];
    std::snprintf(line, sizeof line, "  %-28s run %3d  passed %3d  skipped %3d\n", key.c_str(), t.run, t.passed,
                  t.skipped);
    report << line;
  }
  report << "  unsupported ops, skipped at import: " << unsupported_types << " op types, " << unsupported_cases
         << " cases (" << unsupported_list << ")\n";
  for (const auto& r : skip_reasons) report << "  skipped " << r << "\n";
  for (const auto& f : result.failures) report << "  FAILED " << f << "\n";
  report << "overall: run " << total.run << ", passed " << total.passed << ", failed " << result.failures.size()
         << ", skipped " << total.skipped << "\n";
  std::cout << report.str() << std::flush;
  return result;
}

fs::path node_tests_dir() {
  if (const char* env = std::getenv("DEEPVIS_ONNX_NODE_TESTS")) return env;
  return "/usr/share/libonnx-testdata/data/node";
}

std::string node_test_filter() {
  const char* env = std::getenv("DEEPVIS_ONNX_TEST_FILTER");
  return env ? env : "";
}

}  // namespace deepvis::test
