// What the app tests share about the sample apps (apps/samples/): their app.json.in
// templates are filled in by plain text replacement (@PUBLISHER@, @VERSION@).
#pragma once

#include <string>

namespace bucky::testing {

// `text` with every `from` replaced by `to`.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  return text;
}

}  // namespace bucky::testing
