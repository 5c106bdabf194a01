#include "compute/core/net_profile.hpp"

#include "compute/ops/op_kind.hpp"

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

namespace deepvis {

namespace {

void append(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));

void append(std::string& out, const char* format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  out += line;
}

}  // namespace

std::string profile_table(const Net& net, int iterations, std::size_t top_nodes) {
  const Graph& g = net.graph();
  const double runs = iterations > 0 ? iterations : 1;
  std::vector<size_t> order(g.nodes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto total = [&](size_t i) { return net.forward_ms()[i] + net.backward_ms()[i]; };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return total(a) > total(b); });
  double sum = 0;
  for (size_t i = 0; i < order.size(); ++i) sum += total(i);
  auto share = [&](double ms) { return sum > 0 ? 100.0 * ms / sum : 0.0; };

  std::string out;
  append(out, "%-40s %-18s %10s %10s %7s\n", "node", "op", "fwd ms", "bwd ms", "share");
  for (size_t k = 0; k < std::min(order.size(), top_nodes); ++k) {
    const size_t i = order[k];
    append(out, "%-40.40s %-18s %10.3f %10.3f %6.1f%%\n", g.nodes[i].name.c_str(),
           std::string(op_name(g.nodes[i].kind)).c_str(), net.forward_ms()[i] / runs, net.backward_ms()[i] / runs,
           share(total(i)));
  }
  std::map<std::string, std::array<double, 3>> by_op;  // fwd, bwd, nodes
  for (size_t i = 0; i < order.size(); ++i) {
    auto& row = by_op[std::string(op_name(g.nodes[i].kind))];
    row[0] += net.forward_ms()[i];
    row[1] += net.backward_ms()[i];
    row[2] += 1;
  }
  std::vector<std::pair<std::string, std::array<double, 3>>> ops(by_op.begin(), by_op.end());
  std::sort(ops.begin(), ops.end(),
            [](const auto& a, const auto& b) { return a.second[0] + a.second[1] > b.second[0] + b.second[1]; });
  append(out, "\n%-40s %-18s %10s %10s %7s\n", "op (all its nodes)", "nodes", "fwd ms", "bwd ms", "share");
  for (const auto& entry : ops) {
    const std::array<double, 3>& row = entry.second;
    append(out, "%-40s %-18.0f %10.3f %10.3f %6.1f%%\n", entry.first.c_str(), row[2], row[0] / runs, row[1] / runs,
           share(row[0] + row[1]));
  }
  // Not in the node times: each is a scratch write plus a separate add (a launch each on the GPU).
  append(out, "\nlast backward: %d gradient contributions went through scratch and a separate add\n",
         net.scratch_adds());
  return out;
}

}  // namespace deepvis
