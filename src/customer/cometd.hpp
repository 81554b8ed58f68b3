#pragma once
// The customer API over CometD (customer.md, "CometD (push) API"): publishes on
// /service/chatV2/{service} carry operations; answers and new events are pushed to the
// customer's Bayeux session as the same envelope as the REST API.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bayeux/endpoint.hpp"
#include "gws/context.hpp"

namespace parley::customer {

class CustomerCometd final : public bayeux::ServiceHandler {
 public:
  static constexpr const char* kPrefix = "/service/chatV2/";

  CustomerCometd(gws::ApiContext& ctx, bayeux::Endpoint& endpoint);

  // ServiceHandler (called on the endpoint's strand): the work moves to the domain strand.
  Result on_publish(const std::string& client_id, const std::string& channel, const boost::json::object& message) override;
  void on_session_closed(const std::string& client_id) override;

  // Hooks for commit_domain (domain strand): render pushes for a changed chat, then send them.
  void render(chat::Chat& chat, std::vector<std::pair<std::string, std::string>>& out);
  void publish(std::vector<std::pair<std::string, std::string>>& pushes);

  // Cluster: while this node does not hold the desk, `remote` hands each operation (and each
  // closed session, with an empty channel) to the node that does and returns true; that node
  // carries it out through `perform_forwarded`. Set once, before the endpoint starts.
  using Remote = std::function<bool(const std::string& client_id, const std::string& channel, boost::json::object data)>;
  void set_remote(Remote remote) { remote_ = std::move(remote); }
  void perform_forwarded(const std::string& client_id, const std::string& channel, boost::json::object data);
  void session_closed_forwarded(const std::string& client_id);
  // Tells the customer an operation could not be carried out (no node holds the desk).
  void report_unavailable(const std::string& client_id, const std::string& channel);

 private:
  boost::asio::awaitable<void> perform(std::string client_id, std::string channel, boost::json::object data);
  void push_error(const std::string& client_id, const std::string& channel, int code, const std::string& message);

  struct Binding {
    std::string client_id;
    std::string channel;
  };
  gws::ApiContext& ctx_;
  bayeux::Endpoint& endpoint_;
  std::map<std::string, Binding> by_chat_;  // chat id -> the customer's session (domain strand only)
  Remote remote_;
};

}  // namespace parley::customer
