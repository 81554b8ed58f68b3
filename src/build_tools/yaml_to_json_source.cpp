// Build tool: turns a YAML document (docs/openapi.yaml) into a C++ source file that holds it
// as JSON, so the server answers GET /api/v2/openapi.json from memory with nothing to find on
// disk. YAML scalars are typed by the YAML 1.2 core schema: quoted ones are strings, plain
// ones may be null, booleans or numbers.
#include <yaml-cpp/yaml.h>
#include <boost/json.hpp>

#include <charconv>
#include <fstream>
#include <iostream>
#include <regex>

namespace json = boost::json;

namespace {

json::value scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return json::string(text);  // quoted or explicitly tagged: a string
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  static const std::regex integer(R"([-+]?[0-9]+)");
  static const std::regex real(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(text, integer)) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data() + (text[0] == '+'), text.data() + text.size(), v);
    if (ec == std::errc()) return v;
  }
  if (std::regex_match(text, real)) return std::stod(text);
  return json::string(text);
}

json::value convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar(node);
    case YAML::NodeType::Sequence: {
      json::array out;
      for (const auto& item : node) out.push_back(convert(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json::object out;
      for (const auto& entry : node) out[entry.first.as<std::string>()] = convert(entry.second);
      return out;
    }
    default:
      return nullptr;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: yaml_to_json_source INPUT.yaml OUTPUT.cpp FUNCTION_NAME\n";
    return 2;
  }
  try {
    const std::string text = json::serialize(convert(YAML::LoadFile(argv[1])));
    std::ofstream out(argv[2], std::ios::trunc);
    out << "// Generated from " << argv[1] << " at build time; edit the YAML, not this file.\n"
        << "#include <string_view>\nnamespace parley {\nstd::string_view " << argv[3] << "() {\n"
        << "  static constexpr char text[] = {";
    for (char c : text) out << int(static_cast<signed char>(c)) << ',';
    out << "0};\n  return {text, sizeof(text) - 1};\n}\n}  // namespace parley\n";
    return out.good() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
}
