// A reader of one JSON object's fields for documents people write: typed gets, the
// first problem kept with the field's name, unknown fields refused. Used by the
// service and node document parsers (service_json.cpp, node_json.cpp).
#pragma once

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messages/common/status.hpp"

namespace bucky {

// Reads the fields of one JSON object; the first problem is kept, naming the field.
class json_fields {
 public:
  json_fields(const nlohmann::json& object, std::string where) : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) fail("", "must be a JSON object");
  }

  template <class T>
  void get(const char* name, T& out, bool required = false) {
    seen_.insert(name);
    if (!ok() || !object_.contains(name)) {
      if (ok() && required) fail(name, "is required");
      return;
    }
    if (!in_range<T>(object_.at(name))) return fail(name, expected_type<T>());
    try {
      out = object_.at(name).get<T>();
    } catch (const nlohmann::json::exception&) {
      fail(name, expected_type<T>());
    }
  }

  void fail(const std::string& name, const std::string& what) {
    if (error_.empty()) error_ = name.empty() ? fmt::format("{}: {}", where_, what)
                                              : fmt::format("{}: \"{}\" {}", where_, name, what);
  }

  // Every field present must have been asked for.
  void no_others() {
    if (!ok()) return;
    for (const auto& [name, value] : object_.items()) {
      if (!seen_.count(name)) return fail(name, "is not a known field");
    }
  }

  void known(const char* name) { seen_.insert(name); }

  bool ok() const { return error_.empty(); }
  status error() const { return status(status_code::invalid_argument, error_); }

 private:
  // nlohmann converts numbers silently (-1 to 4294967295, 70000 to 4464): not here.
  template <class T>
  static bool in_range(const nlohmann::json& value) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (!value.is_number_integer()) return false;
      if (value.is_number_unsigned()) return value.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<T>::max());
      auto v = value.get<std::int64_t>();
      return v >= std::int64_t(std::numeric_limits<T>::min()) &&
             (v < 0 || std::uint64_t(v) <= std::uint64_t(std::numeric_limits<T>::max()));
    } else if constexpr (std::is_same_v<T, std::vector<std::uint16_t>>) {
      if (!value.is_array()) return false;
      for (const auto& item : value) {
        if (!in_range<std::uint16_t>(item)) return false;
      }
      return true;
    }
    return true;
  }

  template <class T>
  static std::string expected_type() {
    if constexpr (std::is_same_v<T, std::string>) return "must be a string";
    else if constexpr (std::is_same_v<T, bool>) return "must be true or false";
    else if constexpr (std::is_integral_v<T>) return "must be a non-negative whole number in range";
    else if constexpr (std::is_same_v<T, std::vector<std::uint16_t>>) return "must be a list of port numbers 1..65535";
    else return "has the wrong type (see the example in actors/zone_state/service_json.hpp)";
  }

  const nlohmann::json& object_;
  std::string where_;
  std::set<std::string> seen_;
  std::string error_;
};

}  // namespace bucky
