// bucky user passwd NAME: the password a person signs in to the gateway with
// (issue 21). The zone stores the person's key sealed under it (net/password_box.hpp)
// at /logins/<name>; the gateway opens it at sign-in and acts with that key, so the
// web does what the person's key file may do, no more.
//
//   the owner          sets "owner": the owner key itself is sealed (the CLI says so)
//   a person           with their own key file (--key): their key is sealed
//   the owner for NAME (a reset): NAME gets a new key, the owner signs their record
//                      anew, and old key files of NAME stop working
//
// The control panel's users page calls the same functions (commands.hpp).
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "actors/zone_state/control_keys.hpp"
#include "actors/zone_state/signed_documents.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/commands.hpp"
#include "net/password_box.hpp"
#include "net/peer_directory.hpp"

namespace bucky::cli {

namespace {

std::string login_key(const std::string& name) { return std::string(logins_prefix) + name; }

// One line, without echo when stdin is a terminal.
std::string read_secret_line(const char* prompt) {
  bool terminal = isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (terminal) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

result<std::string> read_new_password() {
  auto password = read_secret_line("new password: ");
  if (auto problem = net::password_problem(password); !problem.empty()) {
    return status(status_code::invalid_argument, problem);
  }
  if (isatty(STDIN_FILENO) == 1 && read_secret_line("again: ") != password) {
    return status(status_code::invalid_argument, "the two passwords differ; nothing changed");
  }
  return password;
}

kv_op login_put(const std::string& name, const std::string& sealed) {
  kv_op op;
  op.kind = kv_op_kind::put;
  op.key = login_key(name);
  op.value = sealed;
  return op;
}

result<std::string> set_password(admin_session& session, const cli_options& options, const std::string& name,
                                 const std::string& password) {
  bool owner = session.name == net::owner_admin_name;
  if (name == net::owner_admin_name) {
    if (!owner) return status(status_code::permission_denied, "only the owner key sets the owner's password");
    auto sealed = net::seal_key_with_password(*session.key, password);
    if (!sealed) return sealed.error();
    kv_request request;
    request.success.push_back(login_put(name, *sealed));
    auto answer = kv_call(session, options, request);
    if (!answer) return answer.error();
    return std::string("the owner signs in to the gateway as \"owner\" with this password; the owner key is stored "
                       "sealed under it (Argon2id), so choose one that resists guessing");
  }
  auto read = kv_call(session, options, read_document_request(system_keys::user(name)));
  if (!read) return read.error();
  auto user = read_typed<user_document>(name, read->response);
  if (!user) return user.error();
  if (!*user) return status(status_code::not_found, fmt::format("no user {} (bucky user list shows them)", name));
  auto record = (*user)->value;
  auto revision = (*user)->mod_revision;
  std::optional<net::key_pair> key;
  if (session.key->public_part().to_text() == record.public_key) {
    key = *session.key;
  } else if (owner) {
    key = net::key_pair::generate();
    record.public_key = key->public_part().to_text();
    sign_user(record, *session.key);
  } else {
    return status(status_code::permission_denied,
                  fmt::format("only {} (with their key) or the owner sets {}'s password", name, name));
  }
  auto sealed = net::seal_key_with_password(*key, password);
  if (!sealed) return sealed.error();
  auto request = write_typed<user_document>(name, record, revision);
  request.success.push_back(login_put(name, *sealed));
  auto answer = kv_call(session, options, request);
  if (!answer) return answer.error();
  if (auto written = write_document_answer(system_keys::user(name), revision, answer->response); !written) {
    return status(status_code::already_exists,
                  fmt::format("user {} changed meanwhile ({}); try again", name, written.error().message()));
  }
  if (key->public_part() == session.key->public_part()) return fmt::format("{} signs in with this password", name);
  return fmt::format("{} signs in with this password; their key is new ({}): key files they had stop working", name,
                     record.public_key);
}

int user_passwd_command(const cli_options& options) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  auto password = read_new_password();
  if (!password) return fail_with(password.error());
  auto done = set_password(*session, options, options.key, *password);
  if (!done) return fail_with(done.error());
  std::cout << *done << "\n";
  return 0;
}

}  // namespace bucky::cli
