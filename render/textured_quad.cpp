#include "render/textured_quad.hpp"

#include "compute/core/error.hpp"
#include "render/egl_context.hpp"

#include <epoxy/gl.h>

#include <string>
#include <vector>

namespace deepvis::render {

namespace {

// A 4-vertex triangle strip over the whole viewport, its corners computed from gl_VertexID (no vertex buffer).
constexpr const char* kVertexShader = R"glsl(
#version 330 core
uniform bool u_top_down;
out vec2 v_uv;
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));  // (0,0) (1,0) (0,1) (1,1)
  v_uv = vec2(corner.x, u_top_down ? 1.0 - corner.y : corner.y);
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
)glsl";

constexpr const char* kFragmentShader = R"glsl(
#version 330 core
uniform sampler2D u_texture;
in vec2 v_uv;
out vec4 frag_color;
void main() {
  frag_color = texture(u_texture, v_uv);
}
)glsl";

GLuint compile(GLenum stage, const char* source, const char* name) {
  const GLuint shader = glCreateShader(stage);
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok != GL_TRUE) {
    GLint length = 0;
    glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
    std::vector<char> log(static_cast<size_t>(length > 1 ? length : 1));
    glGetShaderInfoLog(shader, static_cast<GLsizei>(log.size()), nullptr, log.data());
    glDeleteShader(shader);
    throw Error(std::string("textured quad: the ") + name + " shader does not compile: " + log.data());
  }
  return shader;
}

}  // namespace

TexturedQuad::TexturedQuad() {
  const GLuint vs = compile(GL_VERTEX_SHADER, kVertexShader, "vertex");
  GLuint fs = 0;
  try {
    fs = compile(GL_FRAGMENT_SHADER, kFragmentShader, "fragment");
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  program_ = glCreateProgram();
  glAttachShader(program_, vs);
  glAttachShader(program_, fs);
  glLinkProgram(program_);
  glDeleteShader(vs);  // flagged; freed with the program
  glDeleteShader(fs);
  GLint ok = GL_FALSE;
  glGetProgramiv(program_, GL_LINK_STATUS, &ok);
  if (ok != GL_TRUE) {
    char log[1024] = {0};
    glGetProgramInfoLog(program_, sizeof log, nullptr, log);
    glDeleteProgram(program_);
    throw Error(std::string("textured quad: the program does not link: ") + log);
  }
  top_down_location_ = glGetUniformLocation(program_, "u_top_down");
  texture_location_ = glGetUniformLocation(program_, "u_texture");
  glGenVertexArrays(1, &vertex_array_);
  check_gl("creating the textured quad");
}

TexturedQuad::~TexturedQuad() {
  glDeleteVertexArrays(1, &vertex_array_);
  glDeleteProgram(program_);
}

void TexturedQuad::draw(unsigned texture, bool top_down) {
  glUseProgram(program_);
  glUniform1i(top_down_location_, top_down ? 1 : 0);
  glUniform1i(texture_location_, 0);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, texture);
  glBindVertexArray(vertex_array_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  glBindTexture(GL_TEXTURE_2D, 0);
  glUseProgram(0);
  check_gl("drawing the textured quad");
}

}  // namespace deepvis::render
