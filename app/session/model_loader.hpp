#pragma once
// Loading a model for any front end (the CLI's subcommands, the window's engine and jobs): the ONNX file, the card
// beside it, the backend the device choice names, and the preprocessing resolved as overrides over the card over
// the defaults (input size from the model, scale 1, no mean/std, centre crop, RGB). Front ends fill ModelOptions
// from whatever they take (flags, settings, commands); nothing here knows about them.
//
// Errors are typed so that each front end answers them its own way (the CLI's exit codes, a panel's message):
// ModelError for the model or its card, InputError for an input file, EnvironmentError for a GPU that cannot be
// used (compute/core/error.hpp).
#include "compute/core/net.hpp"
#include "compute/image/preprocess.hpp"
#include "compute/model/device_choice.hpp"
#include "compute/model/model_card.hpp"
#include "compute/onnx/onnx_import.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace deepvis::app {

struct ModelOptions {
  std::string path;     // the .onnx file
  DeviceChoice device;  // cpu, cuda or auto (the GPU when one is usable), and TF32
  int threads = 0;      // CPU threads; 0: leave as is (all cores)
  std::string labels;   // a labels file (one per line) overriding the card's labels; empty: the card's
  // What the front end asks for over the card's preprocessing: each field set replaces the card's value.
  CardPreprocess preprocess;
  int batch = 0;  // the batch the net is built for; 0: the model's own
  // Simplification at import: `report` (when given) receives what it did, and with `keep_simplified` the model.
  ImportReport* report = nullptr;
  bool keep_simplified = false;
};

// What every job running one model file on one device shares, read-only: the imported graph (its weights, which
// copies of the graph share), the card found beside the file, the backend, and the weights as the backend keeps
// them (uploaded once). Each job builds its own Net over it: its own activations, kernels and workspace.
struct SharedModel {
  std::string path;
  DeviceChoice device;
  Graph graph;
  std::shared_ptr<Backend> backend;
  ConstantValues constants;
  std::optional<ModelCard> card;  // the file's card as found (before a labels file overrides its labels)
  std::string device_note;        // as LoadedModel::device_note
};

// A loaded model with what is known about feeding it.
struct LoadedModel {
  std::unique_ptr<Net> net;
  std::optional<ModelCard> card;  // the `<model>.deepvis.json` beside the model (or the labels file's), if any
  Preprocess preprocess;          // overrides over card over defaults
  // Without a card: "no model card for M; assuming ..." naming the defaults that no override replaced; else "".
  std::string assumption_note;
  // With device auto and no usable GPU: "no usable GPU (<why>); using the CPU"; else "". Front ends decide
  // whether to say it.
  std::string device_note;
  // The weights this net runs on, shared with every other job of the same model and device (null: its own).
  std::shared_ptr<const SharedModel> shared;

  // The card's labels (one per output value), or null.
  const std::vector<std::string>* labels() const { return card && card->labels ? &*card->labels : nullptr; }
};

// Reads the card (ModelError when malformed), imports the model (ModelError), picks the backend (EnvironmentError
// when cuda is asked for and no GPU is usable), sets the CPU threads and resolves the preprocessing.
LoadedModel load_model(const ModelOptions& options);

// Imports the model `options` names for sharing (its batch, labels and preprocessing are per job: see
// open_model). Errors as load_model's.
std::shared_ptr<const SharedModel> load_shared_model(const ModelOptions& options);
// A job's own Net over `shared`, at options.batch, with options' labels and preprocessing over the card.
LoadedModel open_model(std::shared_ptr<const SharedModel> shared, const ModelOptions& options);

// One model per file and device, shared by every job that asks for it while some job still holds it. The window
// gives one to its engine and every job, so that the live frame, the live optimizer, the per-unit images and the
// gallery hold the weights once. A file rewritten since (another size or time) is loaded again. Thread-safe.
class ModelCache {
 public:
  // load_model, over the shared model when one is held. A request for an import report always imports anew.
  LoadedModel load(const ModelOptions& options);
  // How many models this cache imported (a second job sharing one does not count); for tests.
  int imports() const;

 private:
  struct Entry {
    std::string path;
    DeviceChoice device;
    std::string stamp;  // the file's size and modification time when it was imported
    std::weak_ptr<const SharedModel> model;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
  int imports_ = 0;
};

// The preprocessing: `overrides` over the card's over the defaults.
Preprocess resolve_preprocess(const CardPreprocess& overrides, const std::optional<ModelCard>& card);

// An input for the model: an image file is preprocessed (`no_face`, when given, says whether CropMode::Face found
// no face and used a centre crop); a .npy is taken as already preprocessed. InputError when it cannot be read or
// its dims do not fit the model.
Tensor load_model_input(const std::string& path, const LoadedModel& model, bool* no_face = nullptr);

// Why a GPU cannot be used here ("" when one can): no CUDA in this build, no driver, no device.
std::string gpu_problem();

}  // namespace deepvis::app
