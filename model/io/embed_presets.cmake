# Writes OUT: a C++ source holding each preset file of FILES (;-separated) as a raw string,
# so the moesim binary carries its presets wherever it is installed.
set(body "")
foreach(file IN LISTS FILES)
  get_filename_component(name "${file}" NAME_WLE)
  file(READ "${file}" text)
  string(APPEND body "    {\"${name}\", R\"moesim_preset(${text})moesim_preset\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from data/models/ by model/io/embed_presets.cmake. Do not edit.
#include \"moesim/io/model_io.h\"

namespace moesim::io {
const std::vector<PresetInfo>& presets() {
  static const std::vector<PresetInfo> list{
${body}  };
  return list;
}
}  // namespace moesim::io
")
file(RENAME "${OUT}.tmp" "${OUT}")
