#pragma once
// One exception type for everything the engine refuses: bad files, malformed models, unsupported ops.
// The message always says what failed and where, so front ends can print it unchanged and keep running.
// Four kinds are told apart because front ends answer them differently (their own exit codes): a model that cannot
// be used, an input that cannot be read, a result that could not be written, and a machine that lacks what the
// request needs. A plain Error is anything else the engine refuses.
#include <stdexcept>
#include <string>

namespace deepvis {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The model or its card cannot be read, is malformed, or uses what deepvis does not support.
class ModelError : public Error {
 public:
  using Error::Error;
};

// An input (image, video, folder, .npy) is missing, unreadable, or does not fit the model.
class InputError : public Error {
 public:
  using Error::Error;
};

// A result could not be written: a missing folder, no permission, a full disk.
class OutputError : public Error {
 public:
  using Error::Error;
};

// The machine lacks what was asked for: a display, a usable GPU, an OpenGL context.
class EnvironmentError : public Error {
 public:
  using Error::Error;
};

}  // namespace deepvis
