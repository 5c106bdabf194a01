#pragma once
#include <string>

namespace deepvis::app {

// $XDG_CONFIG_HOME/deepvis (or ~/.config/deepvis), created on demand. Empty when no home can be found,
// in which case settings are simply not persisted.
std::string config_dir();

}  // namespace deepvis::app
