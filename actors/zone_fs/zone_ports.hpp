// The zone file system's ports as the node carries them out (zone_fs/kv_port.hpp,
// chunk_port.hpp): blocking calls from the FUSE threads and the fs actor into the
// actors. The kv port asks the local zone state (replica or state client); the
// chunk port stores each chunk on its R holders (rendezvous placement over the
// storage view) through the local chunk store or the transport, on a few worker
// threads with a bounded queue (a writer that outruns the holders waits).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/zone_fs/chunk_port.hpp"
#include "actors/zone_fs/kv_port.hpp"
#include "actors/zone_fs/storage_view.hpp"

namespace bucky::zone_fs {

// Each call is one (client id, sequence) of the zone state's exactly-once table,
// asked again with the same pair while the zone state is unavailable or slow (a
// leader change, a loaded machine) until budget_ms have passed: a change that was
// applied by an attempt that timed out is answered from the table, never applied
// twice. Calls from many threads each take a client id of their own from a pool,
// so no id ever has two requests in flight (the table keeps one sequence per id).
class zone_kv_port final : public kv_port {
 public:
  static constexpr std::uint64_t budget_ms = 30'000;           // all attempts of one call
  static constexpr std::uint64_t backoff_first_ms = 50;        // before the second attempt
  static constexpr std::uint64_t backoff_max_ms = 1'000;       // between later attempts
  static constexpr std::size_t idle_clients_max = 64;          // ids kept for reuse

  zone_kv_port(caf::actor_system& system, std::uint64_t timeout_ms);
  result<kv_response> call(const kv_request& request) override;
  result<kv_response> call_nearby(const kv_request& request) override;

 private:
  struct client {
    std::uint64_t id = 0;
    std::uint64_t sequence = 0;
  };
  result<kv_response> ask(const kv_request& request, bool serializable);
  result<kv_response> ask_once(const kv_request& request, bool serializable, const client& caller,
                               std::uint64_t timeout_ms);
  client take_client();
  void give_back(client done);
  caf::actor_system& system_;
  std::uint64_t timeout_ms_;  // one attempt
  std::mutex clients_mutex_;
  std::vector<client> idle_clients_;
  // The highest revision any answer to this node showed: a nearby read answered
  // from before it would hide this node's own writes (a directory it just made),
  // so such a read is asked again of the leader (read-your-writes on a node).
  std::atomic<std::int64_t> seen_revision_{0};
};

struct chunk_port_options {
  std::string node_id;
  std::uint32_t copies = copies_default;
  std::uint32_t workers = 4;
  std::uint32_t queued_max = 16;            // stores waiting for a worker
  std::uint64_t store_timeout_ms = 30'000;  // one holder's put
  std::uint64_t store_budget_ms = 60'000;   // all rounds of one chunk's store (down or slow holders)
  std::uint64_t store_wait_for_nodes_ms = 15'000;  // fewer than R nodes up: wait this long for more
  std::uint64_t load_timeout_ms = 10'000;   // one holder's get
  std::uint64_t view_refresh_ms = 2'000;    // the storage view is read again after this
  std::uint64_t full_holder_pause_ms = 30'000;  // a holder that said no_space is skipped this long
};

class zone_chunk_port final : public chunk_port {
 public:
  zone_chunk_port(caf::actor_system& system, kv_port& zone_state, chunk_port_options options);
  ~zone_chunk_port() override;
  ticket store(std::string bytes) override;
  result<chunk_ref> wait(ticket pending) override;
  result<std::string> load(const chunk_id& id) override;
  result<zone_room> room() override;
  // The holders as last read (for status): refreshed when older than view_refresh_ms.
  result<std::vector<storage_node>> holders();

 private:
  struct job {
    ticket id = 0;
    std::string bytes;
    std::promise<result<chunk_ref>> done;
  };
  static constexpr std::size_t store_refusals_kept_max = 8;  // named in a failed store's message
  struct store_progress {
    std::set<std::string> stored_on;
    std::vector<std::string> refusals;
    std::uint32_t transient_refusals = 0;  // in the last round: down or slow, not full
    bool full_seen = false;
  };
  struct holder_pause {
    std::int64_t until_ms = 0;
    bool full = false;  // said no_space (else down or slow)
  };
  void work();
  result<chunk_ref> store_now(caf::scoped_actor& self, const std::string& bytes);
  void store_round(caf::scoped_actor& self, const chunk_ref& ref, const std::string& bytes,
                   const std::vector<storage_node>& view, std::uint32_t copies, bool again, store_progress& progress);
  std::vector<std::string> own_copy_first(std::vector<std::string> ranked) const;
  bool pause_of(const std::string& node_id, bool again);
  void forget_view();  // the next holders() reads the view afresh

  caf::actor_system& system_;
  kv_port& zone_state_;
  chunk_port_options options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<job> queue_;
  std::map<ticket, std::future<result<chunk_ref>>> pending_;
  ticket last_ticket_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::vector<storage_node> view_;
  std::int64_t view_read_ms_ = -1;
  std::map<std::string, holder_pause> paused_;  // holders that were full, down or slow
  std::optional<zone_room> room_;
  std::int64_t room_read_ms_ = -1;
};

}  // namespace bucky::zone_fs
