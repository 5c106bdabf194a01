#pragma once
#include "compute/core/error.hpp"

namespace deepvis::app {

// No display server to open a window on: a usage condition, reported in one line, not a crash.
class NoDisplayError : public Error {
 public:
  using Error::Error;
};

}  // namespace deepvis::app
