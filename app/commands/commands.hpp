#pragma once
// Subcommands of the deepvis CLI. Each registers its parser on the parent and returns it with the function that
// runs it, so main() stays a dispatcher and every subcommand lives in its own file.
#include <functional>

namespace CLI {
class App;
}

namespace deepvis::app {

struct Subcommand {
  CLI::App* parser = nullptr;  // owned by the parent parser
  std::function<int()> run;    // returns the process exit code
};

Subcommand add_info_command(CLI::App& parent);
Subcommand add_forward_command(CLI::App& parent);
Subcommand add_backward_command(CLI::App& parent);
Subcommand add_bench_command(CLI::App& parent);
Subcommand add_models_command(CLI::App& parent);
Subcommand add_optimize_command(CLI::App& parent);
Subcommand add_render_command(CLI::App& parent);
Subcommand add_record_command(CLI::App& parent);

}  // namespace deepvis::app
