// The rows each list of the inspector shows under the filter, in order: what keys
// select (view_model.cpp) and what is drawn (view_render.cpp) come from here, so
// the selected row is always the row drawn as selected.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "apps/bucky_inspect/zone_snapshot.hpp"

namespace bucky::inspect {

// An empty filter keeps everything; otherwise rows whose name contains it.
inline bool filter_keeps(const std::string& text, const std::string& filter) {
  return filter.empty() || text.find(filter) != std::string::npos;
}

template <class Row, class Name>
std::vector<const Row*> rows_kept(const std::vector<Row>& list, const std::string& filter, Name name) {
  std::vector<const Row*> rows;
  for (const auto& row : list) {
    if (filter_keeps(name(row), filter)) rows.push_back(&row);
  }
  return rows;
}

inline std::vector<const node_view*> nodes_shown(const zone_snapshot& zone, const std::string& filter) {
  return rows_kept(zone.nodes, filter, [](const node_view& n) { return n.name; });
}
inline std::vector<const actor_row*> actors_shown(const node_view& node, const std::string& filter) {
  return rows_kept(node.actors, filter, [](const actor_row& a) { return a.name; });
}
inline std::vector<const session_view*> sessions_shown(const node_view& node, const std::string& filter) {
  return rows_kept(node.sessions, filter, [](const session_view& s) { return s.peer; });
}
inline std::vector<const instance_view*> services_shown(const node_view& node, const std::string& filter) {
  return rows_kept(node.services, filter, [](const instance_view& i) { return i.id; });
}

// The row at `selected`, or the last one when the list got shorter; null when empty.
template <class Row>
const Row* row_at(const std::vector<const Row*>& rows, std::size_t selected) {
  return rows.empty() ? nullptr : rows[std::min(selected, rows.size() - 1)];
}

}  // namespace bucky::inspect
