// deepvis entry point: the CLI dispatcher. With no subcommand it opens the GUI.
#include "app/build_commit.hpp"
#include "app/capture/camera_size.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/model_flags.hpp"
#include "app/commands/output_check.hpp"
#include "app/exit_codes.hpp"
#include "app/gui/gui_options.hpp"
#include "app/ui/key_bindings.hpp"
#include "compute/core/error.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace deepvis::app;

// The window's flags (deepvis with no subcommand). `camera_size` receives --camera-size's text, checked.
void add_window_flags(CLI::App& cli, GuiOptions& gui, std::string& camera_size) {
  cli.add_option("--input", gui.input, "Image to show at start (default: a built-in test pattern)");
  cli.add_option("--frames", gui.frames, "Render this many frames, then exit (default: run until closed)")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--screenshot", gui.screenshot, "Write the last frame to this PNG file (implies --frames 3)");
  cli.add_option("--width", gui.width, "Window width")->check(CLI::Range(320, 16384));
  cli.add_option("--height", gui.height, "Window height")->check(CLI::Range(240, 16384));
  cli.add_option("--model", gui.model, "ONNX model to run on the input live (default: none, the input alone)");
  cli.add_option("--layer", gui.layer, "Layer shown first (default: the model card's, else the first convolution)");
  cli.add_option("--unit", gui.unit, "Unit (channel) selected first (default: 0)")->check(CLI::NonNegativeNumber);
  cli.add_option("--mode", gui.mode, "Backward view of the unit: off, gradient, deconv or guided (default: off)")
      ->check(CLI::IsMember({"off", "gradient", "deconv", "guided"}));
  cli.add_option("--crop", gui.crop,
                 "How frames are fitted to the model's input: center, stretch or face (default: the model's own)")
      ->check(CLI::IsMember({"center", "stretch", "face"}));
  CLI::Option* camera_option =
      cli.add_option("--camera", gui.camera, "Start on the webcam with this device index instead of an image")
          ->check(CLI::NonNegativeNumber);
  cli.add_option("--camera-size", camera_size,
                 "Resolution asked of the webcam, WxH (e.g. 1280x720); the status bar shows what it granted")
      ->check([](const std::string& text) {
        try {
          parse_camera_size(text);
          return std::string();
        } catch (const deepvis::Error& e) {
          return std::string(e.what());
        }
      });
  camera_option->excludes("--input");
  cli.add_option("--device", gui.device.device, "Where models compute: cpu, cuda or auto (default: auto)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  cli.add_flag("--tf32", gui.device.tf32,
               "On the GPU: TF32 tensor cores for convolutions and GEMMs (faster; about 1e-3 relative error)");
  cli.add_option("--open", gui.open_panels,
                 "Panels to open at start: optimization, unit-optimized, gallery (repeat or separate by commas)")
      ->delimiter(',')
      ->check(CLI::IsMember({"optimization", "unit-optimized", "gallery"}));
  cli.add_option("--press", gui.press,
                 "Scripted runs: keys to press once the first results show, all between two frames (e.g. o,o,o)")
      ->delimiter(',')
      ->check([](const std::string& name) {
        return key_from_name(name) ? std::string() : "unknown key '" + name + "' (a letter, Left, Esc, Ctrl+O, ...)";
      });
}

// The window. Check what the command line names before touching the display, so a typo or a missing GPU is
// reported, with the same exit code, as the subcommands report it.
int open_window(GuiOptions gui, const std::string& camera_size) {
  if (!gui.input.empty() && !std::filesystem::exists(gui.input)) {
    std::fprintf(stderr, "deepvis: input '%s' not found\n", gui.input.c_str());
    return kExitBadInput;
  }
  if (!gui.model.empty() && !std::filesystem::exists(gui.model)) {
    std::fprintf(stderr, "deepvis: model '%s' not found\n", gui.model.c_str());
    return kExitBadModel;
  }
  try {
    require_device(gui.device.device);
    if (!gui.screenshot.empty()) require_writable_folder(gui.screenshot, "--screenshot");
  } catch (const CommandError& e) {
    std::fprintf(stderr, "deepvis: %s\n", e.what());
    return e.code();
  }
  const cv::Size camera_request = parse_camera_size(camera_size);  // checked by the flag, so it does not throw
  gui.camera_width = camera_request.width;
  gui.camera_height = camera_request.height;
  if (!gui.screenshot.empty() && gui.frames == 0) gui.frames = 3;
  return run_gui(gui);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "deepvis: real-time deep visualization for convolutional networks.\n"
      "With no subcommand, opens the interactive window."};
  cli.set_version_flag("--version", std::string("deepvis ") + DEEPVIS_VERSION + " (commit " + build_commit() + ")");
  cli.require_subcommand(0, 1);
  cli.footer(exit_code_help());
  GuiOptions gui;
  std::string camera_size;
  add_window_flags(cli, gui, camera_size);
  const std::vector<Subcommand> subcommands = {
      add_info_command(cli),   add_forward_command(cli),  add_backward_command(cli), add_bench_command(cli),
      add_models_command(cli), add_optimize_command(cli), add_render_command(cli),   add_record_command(cli)};

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    std::fprintf(stderr, "deepvis: unknown subcommand or argument: %s\nRun 'deepvis --help' for the list.\n", e.what());
    return 2;
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); a bad flag or value is a usage error, exit 2 as documented,
    // whatever CLI11's own code for it.
    return cli.exit(e) == 0 ? 0 : kExitUsage;
  }
  for (const Subcommand& sub : subcommands) {
    if (sub.parser->parsed()) return sub.run();
  }
  return open_window(gui, camera_size);
}
