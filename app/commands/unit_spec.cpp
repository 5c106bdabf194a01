#include "app/commands/unit_spec.hpp"

#include "app/commands/model_flags.hpp"

#include <sstream>
#include <vector>

namespace deepvis::app {

UnitSpec parse_unit_spec(const std::string& text) {
  std::vector<int64_t> parts;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ':')) {
    try {
      size_t used = 0;
      parts.push_back(std::stoll(item, &used));
      if (used != item.size() || parts.back() < 0) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw CommandError(kExitUsage, "--unit '" + text + "': expected C or C:Y:X with non-negative integers");
    }
  }
  if (parts.size() != 1 && parts.size() != 3) {
    throw CommandError(kExitUsage, "--unit '" + text + "': expected C or C:Y:X");
  }
  UnitSpec u;
  u.channel = parts[0];
  if (parts.size() == 3) {
    u.y = parts[1];
    u.x = parts[2];
  }
  return u;
}

void check_unit(const UnitSpec& unit, const Dims& dims, const std::string& layer) {
  if (dims.size() < 2 || unit.channel >= dims[1]) {
    throw CommandError(kExitUsage,
                       "layer '" + layer + "' (" + to_string(dims) + ") has no unit " + std::to_string(unit.channel));
  }
  if (unit.y) {
    if (dims.size() != 4 || *unit.y >= dims[2] || *unit.x >= dims[3]) {
      throw CommandError(kExitUsage, "layer '" + layer + "' (" + to_string(dims) + ") has no position " +
                                         std::to_string(*unit.y) + ":" + std::to_string(*unit.x));
    }
  }
}

}  // namespace deepvis::app
