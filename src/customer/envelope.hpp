#pragma once
// The customer API's answer (customer.md, "The answer"): the same envelope for every call
// and for CometD pushes, with the events of the customer's audience only.
#include <boost/json.hpp>

#include "chat/model.hpp"

namespace parley::customer {

namespace json = boost::json;

// Events with customer index >= from, as the customer sees them.
json::array customer_messages(const chat::Chat& chat, std::int64_t from);
// The envelope answering events from `from` on; moves the customer's position to the end.
json::object envelope(chat::Chat& chat, std::int64_t from);
bool chat_ended_for_customer(const chat::Chat& chat);

}  // namespace parley::customer
