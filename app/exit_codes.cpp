#include "app/exit_codes.hpp"

namespace deepvis::app {

std::string exit_code_help() {
  return "Exit codes (the window and every subcommand):\n"
         "  0 ok   1 unexpected failure   2 usage   3 bad model   4 bad input\n"
         "  5 environment (no display, no usable GPU, no OpenGL context)   6 output cannot be written";
}

}  // namespace deepvis::app
