#include "compute/ops/index_groups.hpp"

namespace deepvis {

IndexGroups group_by_key(const std::vector<int64_t>& key, int64_t groups) {
  IndexGroups g;
  g.offsets.assign(static_cast<std::size_t>(groups) + 1, 0);
  for (int64_t k : key) {
    if (k >= 0) ++g.offsets[static_cast<std::size_t>(k) + 1];
  }
  for (std::size_t k = 1; k < g.offsets.size(); ++k) g.offsets[k] += g.offsets[k - 1];
  g.members.resize(static_cast<std::size_t>(g.offsets.back()));
  std::vector<int64_t> next(g.offsets.begin(), g.offsets.end() - 1);
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key[i] >= 0)
      g.members[static_cast<std::size_t>(next[static_cast<std::size_t>(key[i])]++)] = static_cast<int64_t>(i);
  }
  return g;
}

}  // namespace deepvis
