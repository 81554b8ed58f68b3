#include "gws/chat_operations.hpp"

#include <algorithm>

#include "gws/json_body.hpp"

namespace parley::gws {

using namespace parley::chat;

const std::vector<std::string>& chat_operation_names() {
  static const std::vector<std::string> names = {
      "Accept", "Reject", "SendMessage", "SendToAgents", "SendStartTypingNotification", "SendStopTypingNotification",
      "SendStartTypingToAgentsNotification", "SendStopTypingToAgentsNotification", "SendStartTypingToAgentNotification",
      "SendStopTypingToAgentNotification", "SendCustomNotice", "SendCustomNoticeToAgents", "SendUrl",
      "SendNicknameUpdatedNotice", "Leave", "Complete", "Transfer", "Invite", "Consult", "SetInFocus", "InFocus",
      "SetDisposition", "AttachUserData", "UpdateUserData", "DeleteUserData", "SwitchToMonitor", "SwitchToCoach",
      "SwitchToBargeIn", "SwitchBargeIn"};
  return names;
}

bool is_chat_operation(const std::string& name) {
  const auto& n = chat_operation_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

namespace {

Expected<std::string> required_text(const json::object& body, const char* key) {
  auto v = get_string(body, key, true);
  if (!v) return v.error();
  if ((*v)->empty()) return make_error(ErrorKind::MissingParameter, std::string("Missing parameter ") + key);
  return **v;
}

Expected<LastWords> last_words_of(const json::object& body) {
  auto text = get_string(body, "text");
  if (!text) return text.error();
  auto type = get_string(body, "messageType");
  if (!type) return type.error();
  auto treat = get_string(body, "treatAs");
  if (!treat) return treat.error();
  if (*treat && **treat != "Normal" && **treat != "System")
    return make_error(ErrorKind::InvalidValue, "treatAs must be Normal or System");
  return LastWords{text->value_or(""), type->value_or("")};
}

// A user uri (".../api/v2/users/{id}") or a bare user id.
Expected<std::string> target_user(const json::object& body) {
  auto uri = get_string(body, "targetUri", true);
  if (!uri) return uri.error();
  std::string s = **uri;
  auto slash = s.find_last_of('/');
  std::string id = slash == std::string::npos ? s : s.substr(slash + 1);
  if (id.empty()) return make_error(ErrorKind::InvalidValue, "targetUri must name a user");
  return id;
}

Expected<UserData> user_data_of(const json::object& body) {
  auto it = body.find("userData");
  if (it == body.end() || it->value().is_null()) return make_error(ErrorKind::MissingParameter, "Missing parameter userData");
  if (!it->value().is_object()) return make_error(ErrorKind::InvalidValue, "userData must be an object");
  UserData data;
  for (const auto& [k, v] : it->value().as_object()) {
    if (v.is_string()) data[std::string(k)] = DataValue{std::string(v.as_string()), false};
    else if (v.is_number()) data[std::string(k)] = DataValue{json::serialize(v), true};
    else return make_error(ErrorKind::InvalidValue, "userData values must be strings or numbers");
  }
  return data;
}

bool valid_url(const std::string& url) {
  return (url.starts_with("http://") || url.starts_with("https://")) && url.size() > 8 && url.size() <= 2048 &&
         url.find_first_of(" \r\n\t") == std::string::npos;
}

}  // namespace

Status perform_chat_operation(Desk& desk, Chat& chat, Participant& me, const std::string& op, const json::object& body,
                              std::int64_t reference_id) {
  if (op == "Accept") {
    auto nickname = get_string(body, "nickname");
    if (!nickname) return nickname.error();
    if (nickname->value_or("").size() > 64) return make_error(ErrorKind::InvalidValue, "nickname is longer than 64");
    return desk.accept(chat, me, nickname->value_or(""));
  }
  if (op == "Reject") return desk.reject(chat, me);
  if (op == "SendMessage" || op == "SendToAgents") {
    auto text = required_text(body, "text");
    if (!text) return text.error();
    auto type = get_string(body, "messageType");
    if (!type) return type.error();
    return desk.send(chat, me, ItemType::Text, op == "SendMessage" ? Visibility::All : Visibility::Agents, *text,
                     type->value_or(""));
  }
  if (op.starts_with("SendStartTyping") || op.starts_with("SendStopTyping")) {
    auto text = get_string(body, "text");
    if (!text) return text.error();
    const bool to_agents = op.find("ToAgent") != std::string::npos;
    return desk.send(chat, me, op.starts_with("SendStart") ? ItemType::TypingStarted : ItemType::TypingStopped,
                     to_agents ? Visibility::Agents : Visibility::All, text->value_or(""));
  }
  if (op == "SendCustomNotice" || op == "SendCustomNoticeToAgents") {
    auto text = required_text(body, "noticeText");
    if (!text) return text.error();
    return desk.send(chat, me, ItemType::CustomNotice,
                     op == "SendCustomNotice" ? Visibility::All : Visibility::Agents, *text);
  }
  if (op == "SendUrl") {
    auto url = required_text(body, "url");
    if (!url) return url.error();
    if (!valid_url(*url)) return make_error(ErrorKind::InvalidValue, "url must be an http or https URL");
    return desk.send(chat, me, ItemType::PushUrl, Visibility::All, *url);
  }
  if (op == "SendNicknameUpdatedNotice") {
    auto nickname = required_text(body, "noticeText");
    if (!nickname) return nickname.error();
    if (nickname->size() > 64) return make_error(ErrorKind::InvalidValue, "nickname is longer than 64");
    return desk.nickname_notice(chat, me, *nickname);
  }
  if (op == "Leave" || op == "Complete") {
    auto words = last_words_of(body);
    if (!words) return words.error();
    return op == "Leave" ? desk.leave(chat, me, *words) : desk.complete(chat, me, *words);
  }
  if (op == "Transfer") {
    auto words = last_words_of(body);
    if (!words) return words.error();
    const bool has_target = body.contains("targetUri") && !body.at("targetUri").is_null();
    const bool has_queue = body.contains("queueName") && !body.at("queueName").is_null();
    if (has_target == has_queue)
      return make_error(has_target ? ErrorKind::InvalidValue : ErrorKind::MissingParameter,
                        "Transfer takes exactly one of targetUri and queueName");
    if (has_queue) {
      auto queue = required_text(body, "queueName");
      if (!queue) return queue.error();
      return desk.transfer_to_queue(chat, me, *queue, *words);
    }
    auto target = target_user(body);
    if (!target) return target.error();
    return desk.transfer_to_user(chat, me, *target, reference_id, *words);
  }
  if (op == "Invite" || op == "Consult") {
    auto target = target_user(body);
    if (!target) return target.error();
    return desk.invite(chat, me, *target, reference_id, op == "Invite" ? OfferKind::Invite : OfferKind::Consult);
  }
  if (op == "SwitchToMonitor") return desk.switch_mode(chat, me, SupervisionMode::Monitor);
  if (op == "SwitchToCoach") return desk.switch_mode(chat, me, SupervisionMode::Coach);
  if (op == "SwitchToBargeIn" || op == "SwitchBargeIn") return desk.switch_mode(chat, me, SupervisionMode::BargeIn);
  if (op == "SetInFocus" || op == "InFocus") return Ok{};  // recorded by the desktop; changes nothing for others
  if (op == "SetDisposition") {
    auto disposition = get_string(body, "disposition", true);
    if (!disposition) return disposition.error();
    auto key = get_string(body, "dispositionKey");
    if (!key) return key.error();
    return desk.set_user_data(chat, {{key->value_or("DispositionCode"), DataValue{**disposition, false}}});
  }
  if (op == "AttachUserData" || op == "UpdateUserData") {
    auto data = user_data_of(body);
    if (!data) return data.error();
    return desk.set_user_data(chat, *data);
  }
  if (op == "DeleteUserData") {
    auto keys = get_string_list(body, "keys", true);
    if (!keys) return keys.error();
    return desk.delete_user_data(chat, **keys);
  }
  return make_error(ErrorKind::InvalidState, op + " is not possible now");
}

}  // namespace parley::gws
