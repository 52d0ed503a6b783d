// Four network namespaces for the access-from-anywhere test (issue 21), made by the
// test and deleted with it; no traffic leaves them:
//
//   home    10.77.1.2   the home nodes (on the namespace's own loopback too); its
//                       default route is the router: out only, through a NAT
//   router  10.77.1.1 | 10.77.2.1   forwards home -> public with nftables
//                       masquerade and drops every new connection the other way
//   public  10.77.2.2 | 10.77.3.1   the gateway node; forwards nothing; routes
//                       10.77.1.0/24 to the router (which drops it)
//   client  10.77.3.2   a browser away from home: reaches the public namespace only
//
// Needs root, ip and nft (CI has them; tools/setup installs nftables).
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <boost/test/unit_test.hpp>

namespace bucky::testing {

struct command_run {
  int code = -1;
  std::string out;  // stdout and stderr
};

// Runs a shell command, its output kept.
inline command_run run_shell(const std::string& command) {
  command_run run;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (auto n = std::fread(buffer.data(), 1, buffer.size(), pipe)) run.out.append(buffer.data(), n);
  int status = ::pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return run;
}

class nat_namespaces {
 public:
  static bool usable() {
    if (::geteuid() == 0 && std::filesystem::exists("/usr/sbin/ip") && std::filesystem::exists("/usr/sbin/nft")) {
      return true;
    }
    BOOST_TEST_MESSAGE("SKIPPED: the NAT test needs root, ip and nft (CI has them; tools/setup installs nftables)");
    return false;
  }

  nat_namespaces() : tag_("bk" + std::to_string(::getpid() % 1'000'000)) {
    remove();
    auto made = run_shell("set -e\n" + script());
    BOOST_TEST_REQUIRE(made.code == 0, "making the namespaces failed:\n" << made.out);
  }
  ~nat_namespaces() { remove(); }
  nat_namespaces(const nat_namespaces&) = delete;
  nat_namespaces& operator=(const nat_namespaces&) = delete;

  std::string home() const { return tag_ + "-home"; }
  std::string router() const { return tag_ + "-router"; }
  std::string pub() const { return tag_ + "-public"; }
  std::string client() const { return tag_ + "-client"; }
  static constexpr const char* public_address = "10.77.2.2";
  static constexpr const char* home_address = "10.77.1.2";

  // `command` run inside namespace `ns`.
  static command_run in(const std::string& ns, const std::string& command) {
    return run_shell("ip netns exec " + ns + " " + command);
  }

 private:
  std::string script() const {
    const std::string h = home(), r = router(), p = pub(), c = client(), t = tag_;
    std::string s;
    for (const auto& ns : {h, r, p, c}) s += "ip netns add " + ns + "\nip -n " + ns + " link set lo up\n";
    auto link = [&](const std::string& a, const std::string& a_if, const std::string& a_ip, const std::string& b,
                    const std::string& b_if, const std::string& b_ip) {
      s += "ip link add " + a_if + " type veth peer name " + b_if + "\n";
      s += "ip link set " + a_if + " netns " + a + "\nip link set " + b_if + " netns " + b + "\n";
      s += "ip -n " + a + " addr add " + a_ip + "/24 dev " + a_if + "\nip -n " + a + " link set " + a_if + " up\n";
      s += "ip -n " + b + " addr add " + b_ip + "/24 dev " + b_if + "\nip -n " + b + " link set " + b_if + " up\n";
    };
    link(h, t + "h", "10.77.1.2", r, t + "rh", "10.77.1.1");
    link(r, t + "rp", "10.77.2.1", p, t + "p", "10.77.2.2");
    link(p, t + "pc", "10.77.3.1", c, t + "c", "10.77.3.2");
    s += "ip -n " + h + " route add default via 10.77.1.1\n";
    s += "ip -n " + c + " route add default via 10.77.3.1\n";
    // The public side knows the way to the home network: only the router's rules
    // keep it out (as an ISP's router would).
    s += "ip -n " + p + " route add 10.77.1.0/24 via 10.77.2.1\n";
    s += "ip netns exec " + r + " sysctl -qw net.ipv4.ip_forward=1\n";
    s += "ip netns exec " + r + " nft -f - <<'EOF'\n"
         "table ip nat {\n"
         "  chain post { type nat hook postrouting priority srcnat; oifname \"" + t + "rp\" masquerade; }\n"
         "}\n"
         "table ip filter {\n"
         "  chain forward {\n"
         "    type filter hook forward priority filter; policy drop;\n"
         "    ct state established,related accept\n"
         "    iifname \"" + t + "rh\" oifname \"" + t + "rp\" accept\n"
         "  }\n"
         "}\n"
         "EOF\n";
    return s;
  }

  void remove() const {
    for (const auto& ns : {home(), router(), pub(), client()}) run_shell("ip netns del " + ns);
  }

  std::string tag_;
};

}  // namespace bucky::testing
