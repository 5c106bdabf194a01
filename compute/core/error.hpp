#pragma once
// One exception type for everything the engine refuses: bad files, malformed models, unsupported ops.
// The message always says what failed and where, so front ends can print it unchanged and keep running.
#include <stdexcept>
#include <string>

namespace deepvis {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace deepvis
