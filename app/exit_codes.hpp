#pragma once
// The process exit codes, one table for every front end: the window and each subcommand. README.md shows the
// same table; tests/app/exit_codes_test.cpp holds each code to a command that must give it.
#include <exception>
#include <string>

namespace deepvis::app {

enum ExitCode {
  kExitOk = 0,
  kExitFailure = 1,      // an unexpected failure (a bug): the message says what failed
  kExitUsage = 2,        // a bad flag, value or combination; an unknown layer or unit
  kExitBadModel = 3,     // the model or its card cannot be read, is malformed, or uses an unsupported op
  kExitBadInput = 4,     // an input image, video, folder or .npy is missing or unreadable
  kExitEnvironment = 5,  // the machine lacks what was asked for: a display, a usable GPU, an OpenGL context
  kExitOutput = 6,       // a result cannot be written (missing folder, permission, full disk); what was written
                         // before is kept and closed
};

// The table as `--help` prints it.
std::string exit_code_help();

// The code of an engine error by its kind: ModelError 3, InputError 4, EnvironmentError 5, OutputError 6, any other 1.
ExitCode exit_code_for(const std::exception& e);

}  // namespace deepvis::app
