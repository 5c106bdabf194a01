#include "app/config_paths.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace deepvis::app {

std::string config_dir() {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = std::filesystem::path(home) / ".config";
  } else {
    return {};
  }
  const std::filesystem::path dir = base / "deepvis";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return ec ? std::string() : dir.string();
}

}  // namespace deepvis::app
