#pragma once
// What the model-taking subcommands share: the flags (--model, --device, --threads, preprocessing, --json) bound to
// ModelOptions (app/session/model_loader.hpp, which does the loading), the notes they print, and the exit codes.
// Preprocessing precedence: a flag given on the command line, else the model card, else the default (input size
// from the model, scale 1, no mean/std, center crop, RGB).
#include "app/exit_codes.hpp"
#include "compute/core/error.hpp"
#include "compute/io/file_names.hpp"  // safe_file_name, which the subcommands use for blob names
#include "app/session/model_loader.hpp"

#include <functional>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace deepvis::app {

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
  bool tf32 = false;  // TF32 tensor cores on the GPU (convolutions, GEMMs): faster, ~1e-3 relative error
  int threads = 0;    // 0: all cores
  bool json = false;
  // preprocessing, as given (strings so "not given" is visible)
  std::string size;  // WxH
  std::string crop = "center";
  bool bgr = false;
  float scale = 1.0f;
  std::string mean;  // a,b,c
  std::string stdev;
  std::string labels;  // a labels file (one per line) overriding the card's
  // The registered options, to tell a flag given on the command line from its default value. Null (flags filled
  // in by code): a value other than the default counts as given.
  CLI::Option* size_option = nullptr;
  CLI::Option* crop_option = nullptr;
  CLI::Option* bgr_option = nullptr;
  CLI::Option* scale_option = nullptr;
  CLI::Option* mean_option = nullptr;
  CLI::Option* std_option = nullptr;
};

void add_model_flags(CLI::App& cmd, ModelFlags& flags, bool model_required = true);

// The flags as the loader's options: only the preprocessing flags given become overrides. Exit 2 on a bad value.
ModelOptions model_options(const ModelFlags& flags, int batch = 0);

// Loads the model (load_model), after refusing --device cuda without a usable GPU (exit 5); prints the device note
// on stderr unless --json. Its errors map to exit codes through run_guarded.
// `report`, when given, receives what simplification at import did (and, with `keep_simplified`, the model).
LoadedModel load_net(const ModelFlags& flags, int batch = 0, ImportReport* report = nullptr,
                     bool keep_simplified = false);

// The preprocessing from the flags given, over the card's, over the defaults.
Preprocess preprocess_from_flags(const ModelFlags& flags, const std::optional<ModelCard>& card = std::nullopt);

// load_model_input, and for an image it prints the model's assumption note (not with --json) and, when --crop face
// found no face, "no face found in <file>; using a centre crop", on stderr.
Tensor load_input(const std::string& path, const ModelFlags& flags, const LoadedModel& model);

// Throws CommandError(kExitEnvironment) when --device asks for a GPU that cannot be used here; for front ends that
// load the model later (the window, bench --live, record) and must refuse at once, as load_net does.
void require_device(const std::string& device);

// Runs a subcommand body, mapping CommandError and deepvis::Error (by its kind: app/exit_codes.hpp) to messages
// and exit codes.
int run_guarded(const char* command, const std::function<int()>& body);

}  // namespace deepvis::app
