#pragma once
// What nodes send each other over the bus: a forwarded HTTP request and its answer, and a
// notification relayed to whichever node holds the recipient's CometD session. Each frame is
// one line of JSON (the metadata) then the body's raw bytes, so bodies need no escaping.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/web.hpp"

namespace parley::cluster {

std::string encode_request(const Request& req);
// Throws std::invalid_argument on a malformed frame.
Request decode_request(std::string_view frame);
std::string encode_response(const Response& resp);
Response decode_response(std::string_view frame);

// Where a relayed notification goes: a user's sessions, one session, or closing a user's
// sessions (sign-out). A heartbeat carries no notification: the holder's last sequence
// number, so a node notices a lost last message (and a new holder) without waiting for more.
enum class PushKind { User, Session, CloseUser, Heartbeat };

struct Push {
  std::int64_t epoch = 0;  // the desk lease's epoch of the node that published it
  std::int64_t seq = 0;    // consecutive per epoch: a gap means something was missed
  std::string endpoint;    // the CometD endpoint's path
  PushKind kind = PushKind::User;
  std::string key;         // user id or client id
  std::string channel;
  std::string message;     // the serialized Bayeux message
};

std::string encode_push(const Push& push);
Push decode_push(std::string_view frame);

}  // namespace parley::cluster
