#pragma once
// What the API handlers work with: the domain strand and its state, the store, accounts and
// the password pool. Handlers run on I/O threads and hop onto the domain strand for domain
// state; commits are awaited off the strand's critical path.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <memory>
#include <string>

#include "chat/agent_state.hpp"
#include "chat/desk.hpp"
#include "common/clock.hpp"
#include "gws/accounts.hpp"
#include "store/store.hpp"

namespace parley::gws {

namespace asio = boost::asio;

// Receives changes that clients must be told about (the notification layer plugs in here).
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual void agent_state_changed(const chat::AgentStateChange& change) = 0;
  virtual void user_sessions_ended(const std::string& user_id) = 0;
};

struct ApiSettings {
  bool csrf = true;
  std::string version;
  chat::DeskOptions desk;
};

// The desk's view of users: names and chat capacity, from Accounts.
class AccountsLookup final : public chat::UserLookup {
 public:
  explicit AccountsLookup(const Accounts& accounts) : accounts_(accounts) {}
  std::optional<chat::UserInfo> user(const std::string& user_id) const override {
    auto u = accounts_.find_user(user_id);
    if (!u || !u->enabled) return std::nullopt;
    return chat::UserInfo{u->user_name, u->chat_capacity, u->is_agent()};
  }

 private:
  const Accounts& accounts_;
};

class ChatNotifier;

class ApiContext {
 public:
  ApiContext(asio::any_io_executor io, asio::thread_pool& password_pool, store::Store& store, const Clock& clock,
             Accounts& accounts, ApiSettings settings)
      : io(io), domain(asio::make_strand(io)), password_pool(password_pool), store(store), clock(clock),
        accounts(accounts), agents(clock), lookup(accounts), desk(clock, agents, lookup, settings.desk),
        settings(std::move(settings)) {}

  // Commits a batch; completes on the awaiting coroutine's executor. Called on the domain
  // strand, the submission order is the strand's order.
  template <class Token>
  auto commit(store::Batch batch, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [this](auto handler, store::Batch batch) {
          auto ex = asio::get_associated_executor(handler, io);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          store.submit(std::move(batch), [shared, ex](std::error_code ec) {
            asio::post(ex, asio::append(std::move(*shared), ec));
          });
        },
        token, std::move(batch));
  }
  // g++ 12 destroys a temporary passed by value to a coroutine twice (GCC PR 99576), so
  // these helpers are plain functions returning awaitables, and executor hops use
  // post + bind_executor rather than co_spawn with capturing lambdas.
  asio::awaitable<std::error_code> commit(store::Batch batch) {
    return commit(std::move(batch), asio::use_awaitable);
  }
  // Commits and resumes on the domain strand; completions arrive in commit order, so what
  // follows a commit (notifications) keeps the order of the operations.
  asio::awaitable<std::error_code> commit_in_domain(store::Batch batch) {
    return commit(std::move(batch), asio::bind_executor(domain, asio::use_awaitable));
  }
  asio::awaitable<std::error_code> commit_one_in_domain(store::Record record) {
    store::Batch batch;
    batch.push_back(std::move(record));
    return commit_in_domain(std::move(batch));
  }

  // `co_await ctx.enter_domain();` — what follows runs on the domain strand, up to the next
  // co_await (except commit_in_domain, which comes back to the strand).
  asio::awaitable<void> enter_domain() { return asio::post(asio::bind_executor(domain, asio::use_awaitable)); }
  // What follows runs on the password pool (Argon2id), until the next co_await.
  asio::awaitable<void> enter_password_pool() {
    return asio::post(asio::bind_executor(password_pool.get_executor(), asio::use_awaitable));
  }
  // Back on the coroutine's own executor (its connection).
  static asio::awaitable<void> leave() { return asio::post(asio::use_awaitable); }

  void set_listener(ChangeListener* l) { listener = l; }

  asio::any_io_executor io;
  asio::strand<asio::any_io_executor> domain;
  asio::thread_pool& password_pool;
  store::Store& store;
  const Clock& clock;
  Accounts& accounts;
  chat::AgentStates agents;  // domain state: touch only on `domain`
  AccountsLookup lookup;
  chat::Desk desk;           // domain state: touch only on `domain`
  ApiSettings settings;
  ChangeListener* listener = nullptr;
  ChatNotifier* chat_notifier = nullptr;
  class FloorNotifier* floor_notifier = nullptr;
  std::int64_t next_reference_id = 0;  // for Invite/Consult without their own referenceId
  // Renders customer-side pushes for a changed chat (set by the customer API).
  std::function<void(chat::Chat&, std::vector<std::pair<std::string, std::string>>&)> customer_render;
  std::function<void(std::vector<std::pair<std::string, std::string>>&)> customer_publish;
};

}  // namespace parley::gws
