#pragma once
// What the model-taking subcommands share: the flags (--model, --device, --threads, preprocessing, --json),
// loading the model into a Net, reading the input (image or .npy), and the exit codes.
#include "compute/core/error.hpp"
#include "compute/core/net.hpp"
#include "compute/image/preprocess.hpp"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace deepvis::app {

enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitBadModel = 3, kExitBadInput = 4 };

// An error with the exit code it maps to; its message is printed as "deepvis <command>: <message>".
class CommandError : public std::runtime_error {
 public:
  CommandError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

struct ModelFlags {
  std::string model;
  std::string device = "auto";
  int threads = 0;  // 0: all cores
  bool json = false;
  // preprocessing, as given (strings so "not given" is visible)
  std::string size;  // WxH
  std::string crop = "center";
  bool bgr = false;
  float scale = 1.0f;
  std::string mean;  // a,b,c
  std::string stdev;
};

void add_model_flags(CLI::App& cmd, ModelFlags& flags, bool model_required = true);

// Imports the model (exit 3 on failure), picks the device (exit 2 when the asked one is unavailable), sets threads.
std::unique_ptr<Net> load_net(const ModelFlags& flags, int batch = 0);

Preprocess preprocess_from_flags(const ModelFlags& flags);

// An image file is preprocessed for the model; a .npy is taken as already preprocessed. Exit 4 on bad input.
Tensor load_input(const std::string& path, const ModelFlags& flags, const Net& net);

// Runs a subcommand body, mapping CommandError and deepvis::Error to messages and exit codes.
int run_guarded(const char* command, const std::function<int()>& body);

// A blob name made safe as a file name: characters outside [A-Za-z0-9._-] become '_'.
std::string safe_file_name(const std::string& name);

}  // namespace deepvis::app
