#include "tests/support/torch_fixtures.hpp"

#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <sstream>

namespace fs = std::filesystem;

namespace deepvis::test {
namespace {

const std::string kGenerator = std::string(DEEPVIS_SOURCE_DIR) + "/tests/fixtures/make_torch_fixtures.py";

// FNV-1a over the script's bytes: a change of any byte changes the key (not a security hash; collisions between two
// versions of one script are what matters, and 32 bits of it suffice).
std::string content_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  uint64_t h = 1469598103934665603ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  std::ostringstream hex;
  hex << std::hex << std::setw(8) << std::setfill('0') << static_cast<uint32_t>(h ^ (h >> 32));
  return hex.str();
}

// "torch-<v>_torchvision-<v>", read from the packages' metadata (a fraction of a second; importing torch is not).
std::string torch_versions() {
  const auto r = run_process({"/usr/bin/python3", "-c",
                              "from importlib.metadata import version as v; "
                              "print('torch-' + v('torch') + '_torchvision-' + v('torchvision'))"});
  INFO(r.output);
  REQUIRE_MESSAGE(r.exit_code == 0, "python3-torch or python3-torchvision is not installed (scripts/setup-deps)");
  std::string key = r.output.substr(0, r.output.find('\n'));
  // A version such as "1.13.0a0+gitunknown" becomes a safe folder name.
  std::replace_if(
      key.begin(), key.end(),
      [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_'; }, '_');
  return key;
}

fs::path cache_root() {
  if (const char* dir = std::getenv("DEEPVIS_TORCH_FIXTURES"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "deepvis/torch-fixtures";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache/deepvis/torch-fixtures";
  return fs::path(DEEPVIS_BINARY_DIR) / "torch-fixtures";
}

}  // namespace

fs::path torch_fixture_cache() {
  static const fs::path dir = cache_root() / (torch_versions() + "_gen-" + content_hash(kGenerator));
  return dir;
}

fs::path torch_fixture(const std::string& name, const std::string& size, bool committed, const std::string& variant) {
  std::string folder = name + "_" + size;
  std::string spec = name + "@" + size;
  if (!variant.empty()) {
    std::string suffix = variant;
    std::replace(suffix.begin(), suffix.end(), '@', '_');
    folder += "_" + suffix;
    spec += "@" + variant;
  }
  if (committed) return fs::path(DEEPVIS_SOURCE_DIR) / "tests/fixtures/torch" / folder;
  const fs::path dir = torch_fixture_cache();
  if (!fs::exists(dir / folder / "meta.json")) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    REQUIRE_MESSAGE(!ec, "cannot create the fixture cache " << dir << ": " << ec.message());
    const auto r = run_process({"/usr/bin/python3", kGenerator, dir.string(), spec});
    INFO(r.output);
    REQUIRE_MESSAGE(r.exit_code == 0,
                    "generating the PyTorch fixture failed (is python3-torch installed? scripts/setup-deps)");
  }
  return dir / folder;
}

}  // namespace deepvis::test
