#include <utility>

#include "apps/bucky_inspect/tui.hpp"

#include <chrono>
#include <cstdlib>

#include <ncurses.h>

#include "apps/bucky_inspect/view_model.hpp"

namespace bucky::inspect {

namespace {

constexpr std::size_t log_lines_kept_max = 2'000;
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
  setenv("ESCDELAY", "25", 0);
  initscr();
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  timeout(100);
  ui_state ui;
  if (!options.start_node.empty()) ui.view = view_kind::node, ui.node = options.start_node;
  log_follower log;
  zone_snapshot zone;
  auto next_refresh = std::chrono::steady_clock::now();
  bool dirty = true;
  while (!ui.quit) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_refresh) {
      zone = source.collect();
      if (ui.view == view_kind::log) log.update(source, ui.node, ui.log_level_min);
      next_refresh = now + std::chrono::milliseconds(options.refresh_ms);
      dirty = true;
    }
    if (dirty) draw(render(zone, log.lines(), ui, COLS, LINES));
    dirty = false;
    int ch = getch();
    if (ch == KEY_RESIZE) {
      dirty = true;
      continue;
    }
    auto key = key_of(ch);
    if (!key) continue;
    auto before = ui.view;
    auto level = ui.log_level_min;
    auto chosen = on_key(ui, zone, *key);
    if (chosen.kind != action_kind::none) {
      carry_out(source, chosen, ui);
      next_refresh = std::chrono::steady_clock::now();  // show the effect soon
    }
    if (ui.view == view_kind::log && (before != view_kind::log || level != ui.log_level_min)) {
      log.update(source, ui.node, ui.log_level_min);
    }
    dirty = true;
  }
  endwin();
  return 0;
}

}  // namespace bucky::inspect
