#include <utility>

#include "apps/bucky_inspect/tui.hpp"

#include <chrono>
#include <csignal>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <ncurses.h>

#include "apps/bucky_inspect/view_model.hpp"

namespace bucky::inspect {

namespace {

constexpr std::size_t log_lines_kept_max = 2'000;

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_stop_signal(int) { stop_requested = 1; }
constexpr std::uint32_t log_lines_first_read = 500;

std::optional<key_input> key_of(int ch) {
  using code = key_input::code;
  switch (ch) {
    case ERR: return std::nullopt;
    case KEY_UP: return key_input{code::up};
    case KEY_DOWN: return key_input{code::down};
    case KEY_LEFT: return key_input{code::left};
    case KEY_RIGHT: return key_input{code::right};
    case KEY_PPAGE: return key_input{code::page_up};
    case KEY_NPAGE: return key_input{code::page_down};
    case '\t': return key_input{code::tab};
    case '\n':
    case '\r':
    case KEY_ENTER: return key_input{code::enter};
    case 27: return key_input{code::escape};
    case KEY_BACKSPACE:
    case 127:
    case 8: return key_input{code::backspace};
    default:
      if (ch > 0 && ch < 128) return key_input{code::character, static_cast<char>(ch)};
      return std::nullopt;
  }
}

// The log of the node in view: the newest lines at first, then what follows.
class log_follower {
 public:
  void update(collector& source, const std::string& node, int level_min) {
    if (node != node_ || level_min != level_min_) {
      node_ = node;
      level_min_ = level_min;
      lines_.clear();
      after_ = 0;
    }
    auto reply = source.log_tail(node, after_, level_min, after_ == 0 ? log_lines_first_read : 1'000);
    if (!reply) return;
    if (reply->newest_sequence < after_) {  // the node restarted: its sequence began again
      lines_.clear();
      after_ = 0;
      return;
    }
    for (auto& line : reply->lines) lines_.push_back(std::move(line));
    after_ = std::max(after_, reply->lines.empty() ? after_ : lines_.back().sequence);
    if (after_ == 0) after_ = reply->newest_sequence;
    if (lines_.size() > log_lines_kept_max) lines_.erase(lines_.begin(), lines_.end() - log_lines_kept_max);
  }
  const std::vector<log_tail_line>& lines() const { return lines_; }

 private:
  std::string node_;
  int level_min_ = -1;
  std::uint64_t after_ = 0;
  std::vector<log_tail_line> lines_;
};

// Snapshots and log lines gathered on a thread of their own, so a node that hangs
// (each call to it waits up to the call timeout) never freezes the keys.
class refresher {
 public:
  refresher(collector& source, std::uint64_t refresh_ms) : source_(source), refresh_ms_(refresh_ms) {
    thread_ = std::thread([this] { run(); });
  }
  ~refresher() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  // The log to follow ("": none), fetched at the next turn.
  void follow_log(const std::string& node, int level_min) {
    std::lock_guard lock(mutex_);
    if (node == log_node_ && level_min == log_level_) return;
    log_node_ = node;
    log_level_ = level_min;
    now_ = true;
    wake_.notify_all();
  }

  void refresh_now() {
    std::lock_guard lock(mutex_);
    now_ = true;
    wake_.notify_all();
  }

  // The newest state, if it changed since the last call.
  bool take(zone_snapshot& zone, std::vector<log_tail_line>& log) {
    std::lock_guard lock(mutex_);
    if (version_ == taken_) return false;
    taken_ = version_;
    zone = zone_;
    log = log_;
    return true;
  }

 private:
  void run() {
    log_follower follower;
    std::unique_lock lock(mutex_);
    while (!stop_) {
      now_ = false;
      auto node = log_node_;
      auto level = log_level_;
      lock.unlock();
      auto zone = source_.collect();
      if (!node.empty()) follower.update(source_, node, level);
      lock.lock();
      zone_ = std::move(zone);
      log_ = node.empty() ? std::vector<log_tail_line>{} : follower.lines();
      ++version_;
      wake_.wait_for(lock, std::chrono::milliseconds(refresh_ms_), [this] { return stop_ || now_; });
    }
  }

  collector& source_;
  const std::uint64_t refresh_ms_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool now_ = false;
  std::string log_node_;
  int log_level_ = 0;
  zone_snapshot zone_;
  std::vector<log_tail_line> log_;
  std::uint64_t version_ = 0;
  std::uint64_t taken_ = 0;
  std::thread thread_;  // last: starts after everything it uses
};

void draw(const std::vector<screen_line>& lines) {
  erase();
  for (std::size_t row = 0; row < lines.size(); ++row) {
    attr_t attributes = (lines[row].selected ? A_REVERSE : A_NORMAL) | (lines[row].heading ? A_BOLD : A_NORMAL);
    attron(attributes);
    mvaddnstr(static_cast<int>(row), 0, lines[row].text.c_str(), COLS);
    attroff(attributes);
  }
  refresh();
}

void carry_out(collector& source, const action& a, ui_state& ui) {
  admin_action_reply reply;
  switch (a.kind) {
    case action_kind::restart_actor: reply = source.restart_actor(a.node, a.target); break;
    case action_kind::step_down: reply = source.step_down(a.node); break;
    case action_kind::drain: reply = source.set_drained(a.node, true); break;
    case action_kind::undrain: reply = source.set_drained(a.node, false); break;
    case action_kind::none: return;
  }
  ui.message = (reply.done ? "done: " : "not done: ") + reply.message;
}

}  // namespace

int run_tui(collector& source, const tui_options& options) {
  // Ctrl-C and SIGTERM quit like `q`: the terminal is restored, not left in curses mode.
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  setenv("ESCDELAY", "25", 0);
  initscr();
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  timeout(100);
  ui_state ui;
  if (!options.start_node.empty()) ui.view = view_kind::node, ui.node = options.start_node;
  zone_snapshot zone;
  std::vector<log_tail_line> log;
  refresher fresh(source, options.refresh_ms);
  bool dirty = true;
  std::pair<std::string, int> followed;
  while (!ui.quit && !stop_requested) {
    std::pair<std::string, int> wanted{ui.view == view_kind::log ? ui.node : "", ui.log_level_min};
    if (wanted != followed) log.clear();  // no lines of another node or level meanwhile
    followed = wanted;
    fresh.follow_log(wanted.first, wanted.second);
    dirty = fresh.take(zone, log) || dirty;
    if (dirty) draw(render(zone, log, ui, COLS, LINES));
    dirty = false;
    int ch = getch();
    if (ch == KEY_RESIZE) {
      dirty = true;
      continue;
    }
    auto key = key_of(ch);
    if (!key) continue;
    auto chosen = on_key(ui, zone, *key);
    if (chosen.kind != action_kind::none) {
      draw(render(zone, log, ui, COLS, LINES));  // "...: asked" while it runs
      carry_out(source, chosen, ui);
      fresh.refresh_now();  // show the effect soon
    }
    dirty = true;
  }
  endwin();
  return 0;
}

}  // namespace bucky::inspect
