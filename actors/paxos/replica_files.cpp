#include "actors/paxos/replica_files.hpp"

#include <fmt/format.h>

#include "storage/atomic_file.hpp"

namespace bucky {

namespace {

// What a zone of fewer than 3 state nodes, which cannot rebuild, is told to do.
std::string single_node_choices(const replica_files& files, state_loss loss) {
  if (loss == state_loss::corrupt_value) {
    return fmt::format("restore {} from a backup, or delete {} to serve the zone state as it is", files.state_dir,
                       files.corrupt_marker);
  }
  return fmt::format("restore {} from a backup, or start bucky-node once with --accept-state-loss added to its "
                     "command line to go on from what is left here ({})",
                     files.state_dir,
                     loss == state_loss::acceptor_log
                         ? "the zone state as last committed: writes acknowledged in its last second may be missing"
                         : "an empty zone state");
}

}  // namespace

result<replica_notice> set_aside(storage::file_system& fs, const replica_files& files, const std::string& dir,
                                 const status& why, state_loss loss, std::int64_t now_unix_s) {
  bool can_rebuild = files.replicas >= 3;
  bool accepted = loss != state_loss::corrupt_value && files.accept_state_loss;
  if (!can_rebuild && !accepted) {
    return status(status_code::corruption,
                  fmt::format("{}. A zone state of {} state node(s) cannot rebuild it from the others: {}",
                              why.message(), files.replicas, single_node_choices(files, loss)));
  }
  if (can_rebuild) {
    auto marked = write_file_atomically(fs, files.rejoin_marker, "acceptor state lost\n", 0600);
    if (!marked.is_ok()) return status(marked.code(), "marking this replica for rejoin: " + marked.message());
  }
  auto aside = fmt::format("{}.lost-{}", dir, now_unix_s);
  auto existed = fs.exists(dir);
  if (!existed) return existed.error();
  status moved;
  if (*existed) moved = fs.rename(dir, aside);
  if (*existed && moved.is_ok()) moved = fs.sync_dir(storage::parent_dir(dir));
  if (moved.is_ok()) moved = fs.remove(files.acceptor_marker);
  if (moved.is_ok()) moved = fs.remove(files.corrupt_marker);
  if (moved.is_ok()) moved = fs.sync_dir(storage::parent_dir(files.acceptor_marker));
  if (!moved.is_ok()) return status(moved.code(), fmt::format("moving {} aside: {}", dir, moved.message()));
  return replica_notice{true, fmt::format("{}; this replica does not vote on it: {}, and {}", why.message(),
                                          *existed ? "what is left is kept in " + aside : "nothing of it is left to keep",
                                          can_rebuild ? "the state is rebuilt from the others before this replica "
                                                        "votes again (rejoin)"
                                                      : "the zone state goes on from what is left "
                                                        "(--accept-state-loss)")};
}

result<opened_acceptor> open_acceptor(storage::file_system& fs, const replica_files& files,
                                      const storage::append_log_options& log_options, storage::lmdb_env* env,
                                      std::uint64_t applied_below, std::int64_t now_unix_s) {
  BUCKY_CHECK(log_options.fs == &fs && log_options.dir == files.acceptor_dir());
  opened_acceptor out;
  auto opened = acceptor_log::open(log_options, files.acceptor_marker, env, out.acceptor);
  if (opened && (*opened)->started_empty() && applied_below > 0) {
    opened = status(status_code::corruption,
                    fmt::format("the acceptor log in {} and its marker {} are gone, but the zone state here holds "
                                "{} applied slots: this replica has voted and lost its promises",
                                log_options.dir, files.acceptor_marker, applied_below));
  }
  if (!opened && opened.error().code() == status_code::corruption) {
    auto aside = set_aside(fs, files, log_options.dir, opened.error(), state_loss::acceptor_log, now_unix_s);
    if (!aside) return aside.error();
    out.notices.push_back(std::move(*aside));
    out.acceptor = acceptor_core();
    opened = acceptor_log::open(log_options, files.acceptor_marker, env, out.acceptor);
  }
  if (!opened) return opened.error();
  out.log = std::move(*opened);
  if (out.log->torn_bytes_zeroed() > 0) {
    out.notices.push_back({true, fmt::format("the acceptor log in {} ended in a write cut short by a crash (never "
                                             "acknowledged): {} bytes zeroed",
                                             log_options.dir, out.log->torn_bytes_zeroed())});
  }
  if (out.log->moved_from_tables()) {
    out.notices.push_back({false, fmt::format("acceptor state moved from the LMDB tables to the acceptor log in {} "
                                              "(promised ballot ({},{}), {} accepted entries)",
                                              log_options.dir, out.acceptor.promised().round,
                                              out.acceptor.promised().replica, out.acceptor.accepted().size())});
  }
  if (out.log->marker_made_for_existing_log()) {
    out.notices.push_back({false, fmt::format("the acceptor log in {} now has a marker, {} (first start of a version "
                                              "that keeps one)",
                                              log_options.dir, files.acceptor_marker)});
  }
  return out;
}

result<bool> rejoin_requested(storage::file_system& fs, const replica_files& files,
                              std::vector<replica_notice>& notices) {
  if (files.rejoin_marker.empty()) return false;
  auto marked = fs.exists(files.rejoin_marker);
  if (!marked || !*marked) return marked;
  if (files.replicas >= 3) {
    notices.push_back({false, fmt::format("this replica's acceptor state was lost: it votes again once rebuilt from {} "
                                          "others",
                                          files.replicas / 2 + 1)});
    return true;
  }
  notices.push_back({true, fmt::format("a zone state of {} replica(s) cannot rebuild a lost acceptor from others: "
                                       "starting it empty",
                                       files.replicas)});
  if (auto ended = end_rejoin(fs, files); !ended.is_ok()) return ended;
  return false;
}

status end_rejoin(storage::file_system& fs, const replica_files& files) {
  if (files.rejoin_marker.empty()) return {};
  if (auto removed = fs.remove(files.rejoin_marker); !removed.is_ok()) return removed;
  return fs.sync_dir(storage::parent_dir(files.rejoin_marker));
}

}  // namespace bucky
