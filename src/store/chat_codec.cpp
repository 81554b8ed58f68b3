#include "store/chat_codec.hpp"

#include <boost/json.hpp>

namespace parley::store {

namespace json = boost::json;
using namespace parley::chat;

namespace {

json::object encode_data(const UserData& data) {
  json::object o;
  for (const auto& [k, v] : data) o[k] = json::array{json::string(v.text), v.is_number};
  return o;
}

UserData decode_data(const json::value& v) {
  UserData out;
  if (!v.is_object()) return out;
  for (const auto& [k, item] : v.as_object()) {
    const auto& pair = item.as_array();
    out[std::string(k)] = DataValue{std::string(pair.at(0).as_string()), pair.at(1).as_bool()};
  }
  return out;
}

std::string str(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

std::int64_t num(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_int64() ? it->value().as_int64() : 0;
}

bool flag(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

template <class Enum>
Enum as_enum(const json::object& o, const char* key) {
  return static_cast<Enum>(num(o, key));
}

}  // namespace

std::string encode_chat(const Chat& c) {
  json::array participants;
  for (const auto& p : c.participants)
    participants.push_back(json::object{{"id", p.id},
                                        {"role", static_cast<int>(p.role)},
                                        {"user", p.user_id},
                                        {"nick", p.nickname},
                                        {"vis", static_cast<int>(p.visibility)},
                                        {"state", static_cast<int>(p.state)},
                                        {"mode", static_cast<int>(p.mode)},
                                        {"cnum", p.customer_number},
                                        {"offer", static_cast<int>(p.offer)},
                                        {"expires", p.offer_expires_ms},
                                        {"by", p.offered_by},
                                        {"ref", p.reference_id}});
  json::array rejected;
  for (const auto& r : c.rejected_by) rejected.emplace_back(r);
  json::array files;
  for (const auto& f : c.files)
    files.push_back(json::object{{"id", f.id}, {"name", f.name}, {"type", f.type}, {"size", f.size}, {"deleted", f.deleted}});
  json::array counts{c.counts[0], c.counts[1], c.counts[2]};
  const auto& cu = c.customer;
  return json::serialize(json::object{
      {"id", c.id},
      {"service", c.service},
      {"queue", c.queue},
      {"subject", c.subject},
      {"received", c.received_ms},
      {"queued", c.queued_ms},
      {"phase", static_cast<int>(c.phase)},
      {"participants", std::move(participants)},
      {"counts", std::move(counts)},
      {"data", encode_data(c.user_data)},
      {"customer", json::object{{"pid", cu.participant_id}, {"user", cu.user_id}, {"key", cu.secure_key},
                                {"alias", cu.alias}, {"email", cu.email}, {"pos", cu.position}, {"left", cu.left},
                                {"active", cu.last_active_ms}, {"alerted", cu.idle_alerted}}},
      {"rejected", std::move(rejected)},
      {"files", std::move(files)},
  });
}

Chat decode_chat(std::string_view text) {
  const auto root = json::parse(text).as_object();
  Chat c;
  c.id = str(root, "id");
  c.service = str(root, "service");
  c.queue = str(root, "queue");
  c.subject = str(root, "subject");
  c.received_ms = num(root, "received");
  c.queued_ms = num(root, "queued");
  c.phase = as_enum<ChatPhase>(root, "phase");
  for (const auto& v : root.at("participants").as_array()) {
    const auto& o = v.as_object();
    Participant p;
    p.id = str(o, "id");
    p.role = as_enum<ParticipantRole>(o, "role");
    p.user_id = str(o, "user");
    p.nickname = str(o, "nick");
    p.visibility = as_enum<Visibility>(o, "vis");
    p.state = as_enum<ParticipantState>(o, "state");
    p.mode = as_enum<SupervisionMode>(o, "mode");
    p.customer_number = static_cast<int>(num(o, "cnum"));
    p.offer = as_enum<OfferKind>(o, "offer");
    p.offer_expires_ms = num(o, "expires");
    p.offered_by = str(o, "by");
    p.reference_id = num(o, "ref");
    c.participants.push_back(std::move(p));
  }
  const auto& counts = root.at("counts").as_array();
  for (std::size_t i = 0; i < kAudienceCount; ++i) c.counts[i] = counts.at(i).as_int64();
  c.user_data = decode_data(root.at("data"));
  const auto& cu = root.at("customer").as_object();
  c.customer = CustomerSide{str(cu, "pid"), str(cu, "user"), str(cu, "key"), str(cu, "alias"), str(cu, "email"),
                            num(cu, "pos"), flag(cu, "left"), num(cu, "active"), flag(cu, "alerted")};
  for (const auto& r : root.at("rejected").as_array()) c.rejected_by.insert(std::string(r.as_string()));
  for (const auto& v : root.at("files").as_array()) {
    const auto& o = v.as_object();
    c.files.push_back(StoredFile{str(o, "id"), str(o, "name"), str(o, "type"), num(o, "size"), flag(o, "deleted")});
  }
  return c;
}

std::string encode_item(const LogItem& i) {
  json::array index{i.index[0], i.index[1], i.index[2]};
  json::array shown{static_cast<int>(i.shown_as[0]), static_cast<int>(i.shown_as[1]), static_cast<int>(i.shown_as[2])};
  return json::serialize(json::object{
      {"seq", i.seq}, {"type", static_cast<int>(i.type)}, {"from", i.from}, {"fnick", i.from_nickname},
      {"frole", static_cast<int>(i.from_role)}, {"fvis", static_cast<int>(i.from_visibility)}, {"fuser", i.from_user_id},
      {"vis", static_cast<int>(i.visibility)}, {"aud", i.audience}, {"index", std::move(index)},
      {"shown", std::move(shown)}, {"text", i.text}, {"mtype", i.message_type}, {"notice", i.notice_text},
      {"url", i.url}, {"data", encode_data(i.data)}, {"quit", i.quit_reason}, {"at", i.at_ms}});
}

LogItem decode_item(std::string_view text) {
  const auto o = json::parse(text).as_object();
  LogItem i;
  i.seq = num(o, "seq");
  i.type = as_enum<ItemType>(o, "type");
  i.from = str(o, "from");
  i.from_nickname = str(o, "fnick");
  i.from_role = as_enum<ParticipantRole>(o, "frole");
  i.from_visibility = as_enum<Visibility>(o, "fvis");
  i.from_user_id = str(o, "fuser");
  i.visibility = as_enum<Visibility>(o, "vis");
  i.audience = static_cast<AudienceSet>(num(o, "aud"));
  const auto& index = o.at("index").as_array();
  const auto& shown = o.at("shown").as_array();
  for (std::size_t a = 0; a < kAudienceCount; ++a) {
    i.index[a] = index.at(a).as_int64();
    i.shown_as[a] = static_cast<ItemType>(shown.at(a).as_int64());
  }
  i.text = str(o, "text");
  i.message_type = str(o, "mtype");
  i.notice_text = str(o, "notice");
  i.url = str(o, "url");
  i.data = decode_data(o.at("data"));
  i.quit_reason = str(o, "quit");
  i.at_ms = num(o, "at");
  return i;
}

}  // namespace parley::store
