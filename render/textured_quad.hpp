#pragma once
// Draws a texture over the current viewport with a minimal GL 3.3 core program (the shaders are raw strings in
// textured_quad.cpp, so nothing is read at run time). Needs a current context, which must outlive it.
namespace deepvis::render {

class TexturedQuad {
 public:
  TexturedQuad();  // compiles and links the program; throws deepvis::Error with the GLSL log on failure
  ~TexturedQuad();
  TexturedQuad(const TexturedQuad&) = delete;
  TexturedQuad& operator=(const TexturedQuad&) = delete;

  // Draws `texture` (GL_TEXTURE_2D) to fill the current viewport of the bound draw framebuffer. `top_down`: the
  // texture's row 0 is the image's top row (as PboUploader uploads a cv::Mat), so it lands at the top of the
  // viewport. The texture's own filter applies; with a viewport of the texture's size and nearest filtering
  // every texel lands on exactly one pixel, unchanged. Leaves program, vertex array and texture unbound.
  void draw(unsigned texture, bool top_down = true);

 private:
  unsigned program_ = 0;
  unsigned vertex_array_ = 0;  // empty: the vertices come from gl_VertexID, but core profile needs one bound
  int top_down_location_ = -1;
  int texture_location_ = -1;
};

}  // namespace deepvis::render
