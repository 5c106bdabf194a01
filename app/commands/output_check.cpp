#include "app/commands/output_check.hpp"

#include "app/commands/model_flags.hpp"

#include <unistd.h>

#include <filesystem>

namespace deepvis::app {

void require_writable_folder(const std::string& file, const char* what) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(file).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw CommandError(kExitOutput, std::string("cannot write ") + what + " '" + file + "': folder '" + dir.string() +
                                        "' does not exist");
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw CommandError(kExitOutput, std::string("cannot write ") + what + " '" + file + "': folder '" + dir.string() +
                                        "' is not writable");
  }
}

}  // namespace deepvis::app
