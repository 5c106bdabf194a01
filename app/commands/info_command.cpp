#include "app/commands/commands.hpp"
#include "app/library_report.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace deepvis::app {

Subcommand add_info_command(CLI::App& parent) {
  CLI::App* parser =
      parent.add_subcommand("info", "Print the versions of deepvis and its libraries, and the GPUs found");
  return {parser, [] {
            std::printf("deepvis %s\n", DEEPVIS_VERSION);
            for (const auto& [library, version] : library_report()) {
              std::printf("  %-10s %s\n", library.c_str(), version.c_str());
            }
            return 0;
          }};
}

}  // namespace deepvis::app
