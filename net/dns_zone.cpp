#include "net/dns_zone.hpp"

#include <utility>

#include <boost/asio/ip/address.hpp>

#include "net/zone_config_txt.hpp"

namespace bucky::net {

namespace {

bool ends_with(const std::string& name, const std::string& suffix) {
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         name[name.size() - suffix.size() - 1] == '.';
}

// The A or AAAA record of "ip:port" / "[ip]:port", when the asked type matches.
std::optional<dns_record> address_record(const std::string& address, std::uint16_t type) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  auto host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  auto ip = boost::asio::ip::make_address(host, error);
  if (error) return std::nullopt;
  if (ip.is_v4() && (type == dns_type::a || type == dns_type::any)) {
    auto bytes = ip.to_v4().to_bytes();
    return dns_record{dns_type::a, dns_ttl_s, {bytes.begin(), bytes.end()}};
  }
  if (ip.is_v6() && (type == dns_type::aaaa || type == dns_type::any)) {
    auto bytes = ip.to_v6().to_bytes();
    return dns_record{dns_type::aaaa, dns_ttl_s, {bytes.begin(), bytes.end()}};
  }
  return std::nullopt;
}

}  // namespace

dns_answer answer_zone_question(const verified_zone_config& zone, const dns_question& question) {
  const auto& zone_id = zone.config.zone_id;
  if (question.klass != dns_class_in && question.klass != dns_type::any) return {dns_rcode::refused, false, {}};
  if (question.name != zone_id && !ends_with(question.name, zone_id)) return {dns_rcode::refused, false, {}};
  dns_answer answer{dns_rcode::noerror, true, {}};
  if (question.name == zone_id) return answer;
  if (question.name == zone_config_txt_name(zone_id)) {
    if (question.type == dns_type::txt || question.type == dns_type::any) {
      answer.records.push_back({dns_type::txt, dns_ttl_s, txt_record_data(zone_config_txt_strings(zone.document))});
    }
    return answer;
  }
  auto label = question.name.substr(0, question.name.size() - zone_id.size() - 1);
  const auto* node = label.find('.') == std::string::npos ? zone.config.find(label) : nullptr;
  if (!node) return {dns_rcode::nxdomain, true, {}};
  if (auto record = address_record(node->address, question.type)) answer.records.push_back(std::move(*record));
  return answer;
}

std::optional<std::vector<std::uint8_t>> serve_dns_message(const verified_zone_config& zone,
                                                           std::span<const std::uint8_t> message) {
  auto query = parse_dns_query(message);
  if (!query) {
    auto code = query.error().code() == status_code::unsupported ? dns_rcode::notimp : dns_rcode::formerr;
    return build_dns_error(message, code);
  }
  auto answer = answer_zone_question(zone, query->question);
  return build_dns_response(*query, answer.rcode, answer.authoritative, answer.records);
}

}  // namespace bucky::net
