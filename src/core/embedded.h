#pragma once
#include <string_view>
#include <vector>

namespace connecthub {
// A file compiled into the binary (see cmake/embed.cmake).
struct EmbeddedFile {
  std::string_view name;
  std::string_view data;
};
}  // namespace connecthub
