// One relayed stream's bookkeeping (issue 21), both directions, for either end:
// which byte comes next, how much may be in flight, when to acknowledge. Pure: the
// I/O shell (relay_pipes) reads and writes the socket and sends what this says.
//
// Flow control is by window: an end sends at most window_bytes beyond what the
// other end has written to its socket (relay_ack), so a slow client or app holds
// at most one window per stream in the other end's memory. A relay_data out of
// order (the session to the other node broke and came back in between) or past
// the window ends the stream: the transport does not retransmit one-way messages.
#pragma once

#include <cstdint>

#include "messages/common/status.hpp"

namespace bucky::relay {

class relay_flow {
 public:
  explicit relay_flow(std::uint64_t window_bytes);

  // Sending (bytes read from our socket, for the other end).
  std::uint64_t send_budget() const;  // how many may be sent now (0: stop reading)
  std::uint64_t sent() const { return sent_; }
  void on_sent(std::uint64_t bytes);  // within send_budget
  // The other end wrote `written` of our bytes: more may be sent.
  status on_ack(std::uint64_t written);

  // Receiving (bytes from the other end, for our socket).
  status on_data(std::uint64_t offset, std::uint64_t bytes);
  void on_written(std::uint64_t bytes);
  std::uint64_t unwritten() const { return received_ - written_; }
  // The `written` to acknowledge now, or 0 when an ack would tell nothing new.
  std::uint64_t ack_due();

 private:
  std::uint64_t window_bytes_;
  std::uint64_t sent_ = 0, acked_ = 0;                    // our direction
  std::uint64_t received_ = 0, written_ = 0, told_ = 0;   // theirs
};

}  // namespace bucky::relay
