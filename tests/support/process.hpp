#pragma once
// Running the deepvis binary (or any command) from tests and capturing what it printed.
#include <string>
#include <vector>

namespace deepvis::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string output;  // stdout and stderr interleaved
};

// Runs argv[0] with the arguments, each quoted for the shell. `env_prefix` (e.g. "env -u DISPLAY") is placed
// before the command verbatim.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& env_prefix = "");

// The deepvis binary built beside the tests.
std::string deepvis_binary();

// A fresh empty folder under the system temp folder, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

}  // namespace deepvis::test
