#include "customer/cometd.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "common/utf8.hpp"
#include "customer/envelope.hpp"
#include "gws/domain_commit.hpp"

namespace parley::customer {

namespace json = boost::json;
using boost::asio::awaitable;
using namespace parley::chat;

namespace {
std::string field(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->value().is_string()) return std::string(it->value().as_string());
  if (it->value().is_number()) return json::serialize(it->value());
  return {};
}

UserData data_of(const json::object& o) {
  UserData data;
  auto it = o.find("userData");
  if (it == o.end() || !it->value().is_object()) return data;
  for (const auto& [k, v] : it->value().as_object())
    data[std::string(k)] = DataValue{v.is_string() ? std::string(v.as_string()) : json::serialize(v), v.is_number()};
  return data;
}

bool all_utf8(const json::object& o) {
  for (const auto& [k, v] : o)
    if (v.is_string() && !valid_utf8(v.as_string())) return false;
  return true;
}
}  // namespace

CustomerCometd::CustomerCometd(gws::ApiContext& ctx, bayeux::Endpoint& endpoint) : ctx_(ctx), endpoint_(endpoint) {
  endpoint_.set_service_handler(kPrefix, this);
}

bayeux::ServiceHandler::Result CustomerCometd::on_publish(const std::string& client_id, const std::string& channel,
                                                          const json::object& message) {
  auto data = message.find("data");
  if (data == message.end() || !data->value().is_object()) return {false, "400::Missing data"};
  if (remote_ && remote_(client_id, channel, data->value().as_object())) return {};
  boost::asio::co_spawn(ctx_.io, perform(client_id, channel, data->value().as_object()), boost::asio::detached);
  return {};
}

void CustomerCometd::perform_forwarded(const std::string& client_id, const std::string& channel,
                                       json::object data) {
  // Started on the domain strand in the order they arrive: a customer's operations keep theirs.
  boost::asio::co_spawn(ctx_.domain, perform(client_id, channel, std::move(data)), boost::asio::detached);
}

void CustomerCometd::report_unavailable(const std::string& client_id, const std::string& channel) {
  push_error(client_id, channel, 1, "The service is unavailable; retry");
}

void CustomerCometd::session_closed_forwarded(const std::string& client_id) {
  boost::asio::post(ctx_.domain, [this, client_id] {
    std::erase_if(by_chat_, [&](const auto& entry) { return entry.second.client_id == client_id; });
  });
}

void CustomerCometd::on_session_closed(const std::string& client_id) {
  if (remote_ && remote_(client_id, {}, {})) return;
  boost::asio::post(ctx_.domain, [this, client_id] {
    std::erase_if(by_chat_, [&](const auto& entry) { return entry.second.client_id == client_id; });
  });
}

void CustomerCometd::push_error(const std::string& client_id, const std::string& channel, int code,
                                const std::string& message) {
  json::object body{{"statusCode", 2}, {"errors", json::array{json::object{{"code", code}, {"message", message}}}}};
  endpoint_.deliver_to_session(client_id, bayeux::make_message(channel, json::serialize(body)));
}

awaitable<void> CustomerCometd::perform(std::string client_id, std::string channel, json::object data) {
  const std::string service = channel.substr(std::string_view(kPrefix).size());
  const std::string op = field(data, "operation");
  if (!all_utf8(data)) {
    push_error(client_id, channel, 103, "Text must be valid UTF-8");
    co_return;
  }
  co_await ctx_.enter_domain();
  Desk& desk = ctx_.desk;
  Chat* chat = nullptr;
  std::optional<std::pair<int, std::string>> error;
  std::optional<std::int64_t> from;
  if (!desk.has_service(service)) {
    error = {101, "Unknown chat service"};
  } else if (op == "requestChat") {
    NewChat request{service, field(data, "nickname"), field(data, "subject"), field(data, "emailAddress"),
                    field(data, "text"), data_of(data)};
    if (request.nickname.empty()) {
      const std::string first = field(data, "firstName"), last = field(data, "lastName");
      request.nickname = first + (first.empty() || last.empty() ? "" : " ") + last;
    }
    if (request.nickname.empty()) error = {102, "Missing parameter nickname"};
    else if (request.nickname.size() > 64) error = {103, "nickname is longer than 64 characters"};
    else if (auto created = desk.request_chat(request)) chat = desk.find(*created);
    else error = {103, created.error().message};
  } else {
    // Every later operation names its chat through the bound session or chatId/userId/secureKey.
    std::string chat_id = field(data, "chatId");
    if (chat_id.empty())
      for (const auto& [id, b] : by_chat_)
        if (b.client_id == client_id) chat_id = id;
    auto found = desk.find(chat_id);
    const std::string key = field(data, "secureKey");
    if (!found || key.empty() || found->customer.secure_key != key ||
        (!field(data, "userId").empty() && found->customer.user_id != field(data, "userId"))) {
      error = {104, "Chat not found or invalid secureKey"};
    } else {
      chat = found;
      Status done = Ok{};
      const bool ended = chat_ended_for_customer(*chat);
      if (op == "sendMessage") {
        const std::string text = field(data, "message");
        if (text.empty()) error = {102, "Missing parameter message"};
        else if (!ended) done = desk.customer_send(*chat, text, field(data, "messageType"));
      } else if (op == "startTyping" || op == "stopTyping") {
        if (!ended) done = desk.customer_typing(*chat, op == "startTyping", field(data, "message"));
      } else if (op == "updateNickname") {
        const std::string nick = field(data, "nickname");
        if (nick.empty()) error = {102, "Missing parameter nickname"};
        else if (nick.size() > 64) error = {103, "nickname is longer than 64 characters"};
        else if (!ended) done = desk.customer_nickname(*chat, nick);
      } else if (op == "updateData") {
        if (!ended) done = desk.customer_update_data(*chat, data_of(data));
      } else if (op == "customNotice") {
        if (!ended) done = desk.customer_notice(*chat, field(data, "message"));
      } else if (op == "pushUrl") {
        const std::string url = field(data, "pushUrl");
        if (!url.starts_with("http://") && !url.starts_with("https://")) error = {103, "pushUrl must be http or https"};
        else if (!ended) done = desk.customer_push_url(*chat, url);
      } else if (op == "disconnect") {
        done = desk.customer_disconnect(*chat);
      } else if (op == "requestNotifications") {
        const std::string pos = field(data, "transcriptPosition");
        std::int64_t n = 1;
        try {
          n = pos.empty() ? chat->customer.position + 1 : std::stoll(pos);
        } catch (const std::exception&) {
          n = 0;
        }
        if (n < 1) error = {103, "transcriptPosition must be an integer >= 1"};
        else from = n;
      } else {
        error = {103, "Unknown operation " + op};
      }
      if (!done && !error) error = {done.error().kind == ErrorKind::MissingParameter ? 102 : 103, done.error().message};
    }
  }
  if (error) {
    push_error(client_id, channel, error->first, error->second);
    co_await gws::commit_domain(ctx_);
  } else if (chat) {
    by_chat_[chat->id] = Binding{client_id, channel};
    if (from) {
      // A resume: answer from the asked position even if nothing is new.
      json::object body = envelope(*chat, *from);
      desk.mark_changed(*chat);
      endpoint_.deliver_to_session(client_id, bayeux::make_message(channel, json::serialize(body)));
    }
    desk.mark_changed(*chat);
    co_await gws::commit_domain(ctx_);
  }
  co_await ctx_.leave();
}

void CustomerCometd::render(Chat& chat, std::vector<std::pair<std::string, std::string>>& out) {
  auto it = by_chat_.find(chat.id);
  if (it == by_chat_.end()) return;
  const std::int64_t last = chat.counts[static_cast<std::size_t>(Audience::Customer)];
  if (last <= chat.customer.position && !chat_ended_for_customer(chat)) return;  // nothing new
  json::object body = envelope(chat, chat.customer.position + 1);
  out.emplace_back(it->second.client_id, *bayeux::make_message(it->second.channel, json::serialize(body)));
  if (chat_ended_for_customer(chat)) by_chat_.erase(it);  // the last envelope says chatEnded
}

void CustomerCometd::publish(std::vector<std::pair<std::string, std::string>>& pushes) {
  for (auto& [client, message] : pushes)
    endpoint_.deliver_to_session(client, std::make_shared<const std::string>(std::move(message)));
  pushes.clear();
}

}  // namespace parley::customer
