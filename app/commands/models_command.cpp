// `deepvis models`: the ONNX models deepvis can find, with what their cards say. A broken card or model is
// listed with its error, so one bad file never hides the others.
#include "app/commands/commands.hpp"
#include "app/commands/model_flags.hpp"
#include "compute/model/model_card.hpp"
#include "compute/onnx/onnx_import.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace deepvis::app {

namespace {

namespace fs = std::filesystem;

struct ModelsFlags {
  std::vector<std::string> dirs;
  bool json = false;
};

struct ModelEntry {
  std::string name;
  std::string path;
  std::optional<std::string> card;  // the card file, when there is one
  std::optional<Dims> input;
  std::optional<size_t> labels;
  std::optional<std::string> license;
  std::vector<std::string> errors;  // a broken card and/or a model that does not import
};

// The folder holding the running executable (build/ for build/deepvis), or empty when unknown.
fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// --dir folders when given; else $DEEPVIS_MODELS (colon-separated), ./models, and the executable's ../models
// (the repository's models/ when run from build/). Each with its subfolders.
std::vector<fs::path> search_dirs(const ModelsFlags& flags) {
  std::vector<fs::path> roots;
  if (!flags.dirs.empty()) {
    for (const std::string& d : flags.dirs) roots.emplace_back(d);
  } else {
    if (const char* env = std::getenv("DEEPVIS_MODELS")) {
      std::stringstream ss(env);
      std::string item;
      while (std::getline(ss, item, ':')) {
        if (!item.empty()) roots.emplace_back(item);
      }
    }
    roots.emplace_back("models");
    const fs::path exe_dir = executable_dir();
    if (!exe_dir.empty()) roots.push_back((exe_dir / ".." / "models").lexically_normal());
  }
  // Each root and its direct subfolders (fetched/, and one folder per model such as fashion_mnist/), sorted;
  // hidden folders are skipped. One level only: a model's folder may hold training data or exports.
  std::vector<fs::path> dirs;
  for (const fs::path& root : roots) {
    dirs.push_back(root);
    std::vector<fs::path> subdirs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      if (entry.is_directory(ec) && entry.path().filename().string().rfind('.', 0) != 0)
        subdirs.push_back(entry.path());
    }
    std::sort(subdirs.begin(), subdirs.end());
    dirs.insert(dirs.end(), subdirs.begin(), subdirs.end());
  }
  return dirs;
}

ModelEntry describe(const fs::path& onnx) {
  ModelEntry m;
  m.path = onnx.string();
  m.name = onnx.stem().string();
  const std::string card_path = model_card_path(m.path);
  if (fs::exists(card_path)) {
    m.card = card_path;
    try {
      const ModelCard card = read_model_card(card_path);
      m.name = card.name;
      if (card.labels) m.labels = card.labels->size();
      m.license = card.license;
    } catch (const Error& e) {
      m.errors.push_back(e.what());
    }
  }
  try {
    const Graph g = import_onnx(m.path);
    m.input = g.blobs[static_cast<size_t>(g.input)].dims;
  } catch (const Error& e) {
    m.errors.push_back(e.what());
  }
  return m;
}

std::vector<ModelEntry> find_models(const std::vector<fs::path>& dirs) {
  std::vector<ModelEntry> models;
  std::set<fs::path> seen;  // ./models and the executable's ../models are often the same folder
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_regular_file(ec) && entry.path().extension() == ".onnx") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      if (!seen.insert(fs::weakly_canonical(file, ec)).second) continue;
      models.push_back(describe(file));
    }
  }
  return models;
}

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

int run_models(const ModelsFlags& flags) {
  for (const std::string& d : flags.dirs) {
    if (!fs::is_directory(d)) throw CommandError(kExitUsage, "--dir: '" + d + "' is not a folder");
  }
  const std::vector<fs::path> dirs = search_dirs(flags);
  const std::vector<ModelEntry> models = find_models(dirs);
  if (flags.json) {
    nlohmann::json j;
    j["searched"] = nlohmann::json::array();
    for (const fs::path& d : dirs) j["searched"].push_back(d.string());
    j["models"] = nlohmann::json::array();
    for (const ModelEntry& m : models) {
      j["models"].push_back({{"name", m.name},
                             {"path", m.path},
                             {"card", or_null(m.card)},
                             {"input", or_null(m.input)},
                             {"labels", or_null(m.labels)},
                             {"license", or_null(m.license)},
                             {"errors", m.errors}});
    }
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  if (models.empty()) {
    std::printf("no models found; searched:\n");
    for (const fs::path& d : dirs) std::printf("  %s\n", d.string().c_str());
    return kExitOk;
  }
  int name_width = 4;
  for (const ModelEntry& m : models) name_width = std::max(name_width, static_cast<int>(m.name.size()));
  std::printf("%-*s  %-14s %6s  %-12s %s\n", name_width, "name", "input", "labels", "license", "path");
  for (const ModelEntry& m : models) {
    const std::string labels = m.labels ? std::to_string(*m.labels) : "-";
    std::printf("%-*s  %-14s %6s  %-12s %s%s\n", name_width, m.name.c_str(),
                m.input ? to_string(*m.input).c_str() : "?", labels.c_str(), m.license ? m.license->c_str() : "-",
                m.path.c_str(), m.card ? "" : "  (no card)");
    for (const std::string& e : m.errors) std::printf("%-*s  error: %s\n", name_width, "", e.c_str());
  }
  return kExitOk;
}

}  // namespace

Subcommand add_models_command(CLI::App& parent) {
  auto flags = std::make_shared<ModelsFlags>();
  CLI::App* parser =
      parent.add_subcommand("models", "List the ONNX models found, with their cards: name, input, labels, license");
  parser->add_option("--dir", flags->dirs,
                     "Folder to list (repeatable; default: $DEEPVIS_MODELS (a:b), ./models, the build's ../models; "
                     "each with its subfolders)");
  parser->add_flag("--json", flags->json, "Machine-readable output");
  return {parser, [flags] { return run_guarded("models", [&] { return run_models(*flags); }); }};
}

}  // namespace deepvis::app
