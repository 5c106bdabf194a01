#pragma once
// The per-node times a Net collects with enable_profiling(true), as the text table `deepvis bench --profile`
// and the GPU check print: the slowest nodes first with their share of the total, then the same summed per op,
// which tells whether a model's time is in its convolutions or in the many small ops around them.
#include "compute/core/net.hpp"

#include <cstddef>
#include <string>

namespace deepvis {

// `iterations`: how many forward/backward runs the collected times cover (the table shows per-run ms);
// `top_nodes`: how many of the slowest nodes get a row.
std::string profile_table(const Net& net, int iterations, std::size_t top_nodes = 25);

}  // namespace deepvis
