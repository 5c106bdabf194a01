#pragma once
// What the model-taking subcommands share: the flags (--model, --device, --threads, preprocessing, --json),
// loading the model into a Net with its card, reading the input (image or .npy), and the exit codes.
// Preprocessing precedence: a flag given on the command line, else the model card, else the default (input size
// from the model, scale 1, no mean/std, center crop, RGB).
#include "app/exit_codes.hpp"
#include "compute/core/error.hpp"
#include "compute/core/net.hpp"
#include "compute/image/preprocess.hpp"
#include "compute/model/device_choice.hpp"
#include "compute/model/model_card.hpp"
#include "compute/onnx/onnx_import.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

// A loaded model with what the CLI knows about feeding it.
struct ModelSession {
  std::unique_ptr<Net> net;
  std::optional<ModelCard> card;  // the `<model>.deepvis.json` beside the model, when there is one
  Preprocess preprocess;          // flags over card over defaults
  // Without a card: "no model card for M; assuming ..." naming the defaults no flag replaced; else empty.
  std::string assumption_note;

  // The card's labels (one per output value), or null.
  const std::vector<std::string>* labels() const { return card && card->labels ? &*card->labels : nullptr; }
};

// Reads the model card (exit 3 when malformed), imports the model (exit 3 on failure), picks the device (exit 5
// when the asked one is unavailable), sets threads, and resolves the preprocessing (exit 2 on a bad flag value).
// `report`, when given, receives what simplification at import did (and, with `keep_simplified`, the model).
ModelSession load_net(const ModelFlags& flags, int batch = 0, ImportReport* report = nullptr,
                      bool keep_simplified = false);

// The preprocessing from the flags given, over the card's, over the defaults.
Preprocess preprocess_from_flags(const ModelFlags& flags, const std::optional<ModelCard>& card = std::nullopt);

// An image file is preprocessed for the model; a .npy is taken as already preprocessed. Exit 4 on bad input.
// For an image it prints the session's assumption note (not with --json) and, when --crop face found no face,
// "no face found in <file>; using a centre crop", on stderr.
Tensor load_input(const std::string& path, const ModelFlags& flags, const ModelSession& session);

// Throws CommandError(kExitEnvironment) when --device asks for a GPU that cannot be used here; for front ends that
// load the model later (the window, bench --live, record) and must refuse at once, as load_net does.
void require_device(const std::string& device);

// Runs a subcommand body, mapping CommandError, OutputError, EnvironmentError and deepvis::Error to messages and
// exit codes (app/exit_codes.hpp).
int run_guarded(const char* command, const std::function<int()>& body);

// A blob name made safe as a file name: characters outside [A-Za-z0-9._-] become '_'.
std::string safe_file_name(const std::string& name);

}  // namespace deepvis::app
