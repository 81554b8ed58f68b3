#pragma once
// The parameters of a customer API request, whatever the body: x-www-form-urlencoded,
// JSON, or multipart/form-data (file upload).
#include <map>
#include <optional>
#include <string>

#include "chat/model.hpp"
#include "common/error.hpp"
#include "common/web.hpp"

namespace parley::customer {

struct UploadedFile {
  std::string filename;
  std::string content_type;
  std::string content;
};

struct Form {
  std::multimap<std::string, std::string> fields;
  std::optional<UploadedFile> file;

  std::optional<std::string> get(const std::string& name) const;
  // userData[key]=value fields (and a JSON userData object) as chat user data.
  chat::UserData user_data() const;
};

// InvalidValue for a malformed body; UnsupportedType (reported as 415) for other content types.
Expected<Form> parse_form(const Request& req);
bool unsupported_media_type(const Request& req);

}  // namespace parley::customer
