#include "app/exit_codes.hpp"

#include "compute/core/error.hpp"

namespace deepvis::app {

std::string exit_code_help() {
  return "Exit codes (the window and every subcommand):\n"
         "  0 ok   1 unexpected failure   2 usage   3 bad model   4 bad input\n"
         "  5 environment (no display, no usable GPU, no OpenGL context)   6 output cannot be written";
}

ExitCode exit_code_for(const std::exception& e) {
  if (dynamic_cast<const ModelError*>(&e)) return kExitBadModel;
  if (dynamic_cast<const InputError*>(&e)) return kExitBadInput;
  if (dynamic_cast<const OutputError*>(&e)) return kExitOutput;
  if (dynamic_cast<const EnvironmentError*>(&e)) return kExitEnvironment;
  return kExitFailure;
}

}  // namespace deepvis::app
