#pragma once
// The model card: a sidecar `<stem>.deepvis.json` beside `<stem>.onnx` that says how to feed the model (size,
// channel order, scale, mean/std, crop), what its outputs mean (labels) and where it came from. Schema version 1
// (docs in the README). Reading is strict: an unknown key, a wrong type or a bad value throws deepvis::Error
// naming the card file and the field, so a typo never silently falls back to a default.
#include "compute/image/preprocess.hpp"

#include <optional>
#include <string>
#include <vector>

namespace deepvis {

enum class ChannelOrder { Rgb, Bgr, Gray };  // Gray: the model has one input channel

struct CardPreprocess {
  std::optional<int> width;  // "size": [width, height]
  std::optional<int> height;
  std::optional<ChannelOrder> channel_order;
  std::optional<float> scale;
  std::optional<std::vector<float>> mean;   // one value, or one per channel in the fed order
  std::optional<std::vector<float>> stdev;  // "std" in the file
  std::optional<CropMode> crop;
};

struct ModelCard {
  std::string path;  // the card file itself
  int card_version = 1;
  std::string name;
  // The labels, inline or read from labels_file; absent when the card has neither.
  std::optional<std::vector<std::string>> labels;
  std::optional<std::string> labels_file;  // as written in the card, relative to it
  CardPreprocess preprocess;               // every field absent when the card has no "preprocess"
  std::optional<std::vector<std::string>> default_layers;
  std::optional<std::string> provenance;
  std::optional<std::string> license;
  std::optional<std::vector<std::string>> assumptions;
};

// Reads and validates a card (and its labels file). Throws deepvis::Error "card <path>: <field> ...".
ModelCard read_model_card(const std::string& card_path);

// `<dir>/<stem>.deepvis.json` for `<dir>/<stem>.onnx`.
std::string model_card_path(const std::string& onnx_path);

// The card beside the model, read; nullopt when there is none. A card that exists but is malformed throws.
std::optional<ModelCard> find_model_card(const std::string& onnx_path);

// One label per line; a trailing newline and CR line ends are fine, an empty line in between is an error (it
// would shift every later label). Throws deepvis::Error naming the file.
std::vector<std::string> read_labels_file(const std::string& path);

// `base` with every field the card sets replaced by the card's value.
Preprocess apply_card_preprocess(const CardPreprocess& card, Preprocess base);

const char* channel_order_name(ChannelOrder order);

}  // namespace deepvis
