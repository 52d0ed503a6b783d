// The panel's files (apps/panel/www/, embedded at build time) as the gateway serves them.
#include <string>
#include <vector>

#include "apps/panel/panel_backend.hpp"

namespace bucky::panel {

struct embedded_file {
  const char* path;
  const char* content_type;
  std::string body;
};
std::vector<embedded_file> embedded_files();  // generated: panel_files.cpp

std::shared_ptr<const gateway::web_assets> panel_assets() {
  auto assets = std::make_shared<gateway::web_assets>();
  for (auto& file : embedded_files()) (*assets)[file.path] = {file.content_type, std::move(file.body)};
  return assets;
}

}  // namespace bucky::panel
