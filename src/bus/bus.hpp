#pragma once
// The Bus: how nodes of a cluster tell each other things. Publish/subscribe for fan-out
// (every subscribed node gets every message) and request/reply for forwarding an operation
// to the node that owns it. It carries copies and requests, never the only copy of
// anything: what must survive is in the store first.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

namespace parley::bus {

struct Message {
  std::string subject;
  std::string data;
  std::string reply;  // where to answer a request; empty for a plain publish
};

// Called on one of the bus's own threads, in order per subscription: hand the message over
// to your own executor rather than doing slow work there.
using Handler = std::function<void(Message)>;
// The answer to a request, or why there is none.
using ReplyHandler = std::function<void(std::error_code, std::string)>;

enum class BusError {
  NoResponders = 1,  // nobody serves the subject: the request was not delivered (safe to retry)
  Timeout,           // no answer in time: the request may or may not have been carried out
  Unavailable,       // the bus connection is down
};
const std::error_category& bus_category();
inline std::error_code make_error_code(BusError e) { return {static_cast<int>(e), bus_category()}; }

using SubscriptionId = std::uint64_t;

class Bus {
 public:
  virtual ~Bus() = default;
  // False when it could not be sent (too large, connection closed): receivers never see it.
  virtual bool publish(const std::string& subject, std::string_view data) = 0;
  // Lasts until unsubscribe() or close().
  virtual SubscriptionId subscribe(const std::string& subject, Handler handler) = 0;
  // Returns once no handler of the subscription runs any more.
  virtual void unsubscribe(SubscriptionId id) = 0;
  // Ends every subscription (as unsubscribe) and the connection: call before what the
  // handlers use is destroyed.
  virtual void close() = 0;
  virtual void request(const std::string& subject, std::string_view data, std::chrono::milliseconds timeout,
                       ReplyHandler done) = 0;
  // Called with false when the link to the bus drops and true when it is back: messages
  // published in between are lost for this node.
  virtual void on_link_change(std::function<void(bool up)> callback) = 0;
};

}  // namespace parley::bus

template <>
struct std::is_error_code_enum<parley::bus::BusError> : std::true_type {};
