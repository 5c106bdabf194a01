#include "compute/model/model_card.hpp"

#include "compute/core/error.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>

namespace deepvis {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Reads one card; every error names the card file and the field.
class CardReader {
 public:
  explicit CardReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& message) const { throw Error("card " + path_ + ": " + message); }

  void check_keys(const json& object, const std::string& where, std::initializer_list<const char*> allowed) const {
    for (const auto& item : object.items()) {
      bool known = false;
      for (const char* key : allowed) known = known || item.key() == key;
      if (known) continue;
      std::string list;
      for (const char* key : allowed) list += std::string(list.empty() ? "" : ", ") + key;
      fail("unknown key '" + where + item.key() + "' (known: " + list + ")");
    }
  }

  std::string text(const json& j, const std::string& field) const {
    if (!j.is_string()) fail(field + " must be a string");
    return j.get<std::string>();
  }

  std::vector<std::string> texts(const json& j, const std::string& field) const {
    if (!j.is_array()) fail(field + " must be a list of strings");
    std::vector<std::string> out;
    for (const json& item : j) {
      if (!item.is_string()) fail(field + " must be a list of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  std::vector<float> numbers(const json& j, const std::string& field) const {
    if (!j.is_array() || j.empty()) fail(field + " must be a list of numbers");
    std::vector<float> out;
    for (const json& item : j) {
      if (!item.is_number()) fail(field + " must be a list of numbers");
      const double v = item.get<double>();
      if (!std::isfinite(v)) fail(field + " must be a list of numbers");
      out.push_back(static_cast<float>(v));
    }
    return out;
  }

  CardPreprocess preprocess(const json& j) const {
    if (!j.is_object()) fail("preprocess must be an object");
    check_keys(j, "preprocess.", {"size", "channel_order", "scale", "mean", "std", "crop"});
    CardPreprocess p;
    if (j.contains("size")) {
      const json& size = j["size"];
      const auto positive_int = [](const json& v) { return v.is_number_integer() && v.get<int64_t>() >= 1; };
      if (!size.is_array() || size.size() != 2 || !positive_int(size[0]) || !positive_int(size[1]) ||
          size[0].get<int64_t>() > 65536 || size[1].get<int64_t>() > 65536) {
        fail("preprocess.size must be [width, height], two positive integers");
      }
      p.width = size[0].get<int>();
      p.height = size[1].get<int>();
    }
    if (j.contains("channel_order")) {
      const std::string order = text(j["channel_order"], "preprocess.channel_order");
      if (order == "rgb") {
        p.channel_order = ChannelOrder::Rgb;
      } else if (order == "bgr") {
        p.channel_order = ChannelOrder::Bgr;
      } else if (order == "gray") {
        p.channel_order = ChannelOrder::Gray;
      } else {
        fail("preprocess.channel_order '" + order + "' is not one of rgb, bgr, gray");
      }
    }
    if (j.contains("scale")) {
      const json& scale = j["scale"];
      if (!scale.is_number() || !(scale.get<double>() > 0) || !std::isfinite(scale.get<double>())) {
        fail("preprocess.scale must be a positive number");
      }
      p.scale = static_cast<float>(scale.get<double>());
    }
    if (j.contains("mean")) p.mean = numbers(j["mean"], "preprocess.mean");
    if (j.contains("std")) {
      p.stdev = numbers(j["std"], "preprocess.std");
      for (float s : *p.stdev) {
        if (s == 0.0f) fail("preprocess.std has a 0 (it divides)");
      }
    }
    // One value for every channel, or one per channel of an RGB/BGR model.
    const size_t channels = p.channel_order == ChannelOrder::Gray ? 1 : 3;
    for (const auto& [field, values] : {std::make_pair("mean", &p.mean), std::make_pair("std", &p.stdev)}) {
      if (*values && (*values)->size() != 1 && (*values)->size() != channels) {
        fail(std::string("preprocess.") + field + " has " + std::to_string((*values)->size()) +
             " values; give one, or one per channel (" + std::to_string(channels) + ")");
      }
    }
    if (j.contains("crop")) {
      const std::string crop = text(j["crop"], "preprocess.crop");
      if (crop == "center") {
        p.crop = CropMode::Center;
      } else if (crop == "stretch") {
        p.crop = CropMode::Stretch;
      } else if (crop == "face") {
        p.crop = CropMode::Face;
      } else {
        fail("preprocess.crop '" + crop + "' is not one of center, stretch, face");
      }
    }
    return p;
  }

  ModelCard read() const {
    std::ifstream in(path_);
    if (!in) throw Error("card " + path_ + ": cannot be read");
    json j;
    try {
      j = json::parse(in);
    } catch (const json::parse_error& e) {
      fail(std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) fail("must be a JSON object");
    check_keys(j, "",
               {"card_version", "name", "labels", "labels_file", "preprocess", "default_layers", "provenance",
                "license", "assumptions"});
    ModelCard card;
    card.path = path_;
    if (j.contains("card_version")) {
      const json& v = j["card_version"];
      if (!v.is_number_integer()) fail("card_version must be an integer");
      if (v.get<int64_t>() != 1) {
        fail("card_version " + std::to_string(v.get<int64_t>()) + " is not supported (this deepvis reads version 1)");
      }
    }
    if (!j.contains("name")) fail("name is missing (a display name is required)");
    card.name = text(j["name"], "name");
    if (card.name.empty()) fail("name is empty");
    if (j.contains("labels") && j.contains("labels_file")) fail("has both labels and labels_file; give one");
    if (j.contains("labels")) {
      card.labels = texts(j["labels"], "labels");
      if (card.labels->empty()) fail("labels is empty");
    }
    if (j.contains("labels_file")) {
      card.labels_file = text(j["labels_file"], "labels_file");
      const fs::path file = fs::path(path_).parent_path() / *card.labels_file;
      if (card.labels_file->empty() || !fs::is_regular_file(file)) {
        fail("labels_file '" + *card.labels_file + "' not found (looked for " + file.string() + ")");
      }
      try {
        card.labels = read_labels_file(file.string());
      } catch (const Error& e) {
        fail(std::string("labels_file: ") + e.what());
      }
    }
    if (j.contains("preprocess")) card.preprocess = preprocess(j["preprocess"]);
    if (j.contains("default_layers")) card.default_layers = texts(j["default_layers"], "default_layers");
    if (j.contains("provenance")) card.provenance = text(j["provenance"], "provenance");
    if (j.contains("license")) card.license = text(j["license"], "license");
    if (j.contains("assumptions")) card.assumptions = texts(j["assumptions"], "assumptions");
    return card;
  }

 private:
  std::string path_;
};

}  // namespace

ModelCard read_model_card(const std::string& card_path) {
  return CardReader(card_path).read();
}

std::string model_card_path(const std::string& onnx_path) {
  const fs::path model(onnx_path);
  return (model.parent_path() / (model.stem().string() + ".deepvis.json")).string();
}

std::optional<ModelCard> find_model_card(const std::string& onnx_path) {
  const std::string card = model_card_path(onnx_path);
  if (!fs::exists(card)) return std::nullopt;
  return read_model_card(card);
}

std::vector<std::string> read_labels_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("labels file '" + path + "' cannot be read");
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (labels.empty() && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte order mark
    labels.push_back(line);
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) throw Error("labels file '" + path + "' is empty");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) throw Error("labels file '" + path + "' line " + std::to_string(i + 1) + " is empty");
  }
  return labels;
}

Preprocess apply_card_preprocess(const CardPreprocess& card, Preprocess base) {
  if (card.width) base.width = *card.width;
  if (card.height) base.height = *card.height;
  if (card.channel_order) base.bgr = *card.channel_order == ChannelOrder::Bgr;
  if (card.scale) base.scale = *card.scale;
  if (card.mean) base.mean = *card.mean;
  if (card.stdev) base.stdev = *card.stdev;
  if (card.crop) base.crop = *card.crop;
  return base;
}

const char* channel_order_name(ChannelOrder order) {
  switch (order) {
    case ChannelOrder::Rgb: return "rgb";
    case ChannelOrder::Bgr: return "bgr";
    case ChannelOrder::Gray: return "gray";
  }
  return "?";
}

}  // namespace deepvis
