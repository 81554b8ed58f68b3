#include "gws/domain_commit.hpp"

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "gws/chat_notifier.hpp"
#include "gws/floor.hpp"

namespace parley::gws {

using asio::awaitable;


awaitable<bool> commit_domain(ApiContext& ctx, std::int64_t reference_id, const chat::AgentStateChange* agent_change) {
  chat::DeskChanges changes = ctx.desk.take_changes();
  std::vector<chat::AgentStateChange> agent_changes;
  if (agent_change) agent_changes.push_back(*agent_change);
  for (auto& a : changes.agents) agent_changes.push_back(std::move(a));

  PendingNotices notices;
  std::vector<std::pair<std::string, std::string>> customer_pushes;
  store::Batch records;
  std::vector<std::size_t> stored_before;
  for (const auto& id : changes.chats) {
    chat::Chat* chat = ctx.desk.find(id);
    if (!chat) continue;
    if (ctx.chat_notifier) ctx.chat_notifier->render(*chat, reference_id, notices);
    if (ctx.customer_render) ctx.customer_render(*chat, customer_pushes);  // may move the customer's position
    store::AppendItems items{chat->id, {}};
    for (std::size_t i = chat->stored_items; i < chat->log.size(); ++i) items.items.push_back(chat->log[i]);
    stored_before.push_back(chat->stored_items);
    chat->stored_items = chat->log.size();
    records.push_back(store::PutChat{store::header_of(*chat)});
    if (!items.items.empty()) records.push_back(std::move(items));
  }
  for (const auto& error : changes.errors)
    if (const chat::Chat* chat = ctx.desk.find(error.chat_id); chat && ctx.chat_notifier)
      ctx.chat_notifier->render_error(*chat, error, notices);
  for (const auto& change : agent_changes) records.push_back(store::PutAgentState{change});
  for (auto& file : changes.files) records.push_back(store::PutFile{file.chat_id, file.file_id, std::move(file.content)});
  for (const auto& s : changes.supervisions) records.push_back(store::PutSupervision{s});
  for (const auto& [supervisor, agent] : changes.ended_supervisions)
    records.push_back(store::DeleteSupervision{supervisor, agent});

  if (records.empty()) co_return true;
  const std::error_code ec = co_await ctx.commit_in_domain(std::move(records));
  if (ec) {
    spdlog::warn("store refused a commit ({}); reloading {} chats", ec.message(), changes.chats.size());
    for (const auto& id : changes.chats) {
      auto stored = ctx.store.load_chat(id);
      if (stored) {
        ctx.desk.restore(std::move(*stored));
        if (ctx.chat_notifier) ctx.chat_notifier->prime(*ctx.desk.find(id));
      } else {
        ctx.desk.drop(id);  // created by the failed operation: it never existed
      }
    }
    for (const auto& change : agent_changes)
      ctx.agents.restore(change.user_id, ctx.store.load_agent_state(change.user_id).value_or(chat::AgentState{}));
    co_return false;
  }
  for (const auto& change : agent_changes)
    if (ctx.listener) ctx.listener->agent_state_changed(change);
  if (ctx.chat_notifier) ctx.chat_notifier->publish(notices);
  if (ctx.floor_notifier) {
    std::vector<std::string> agents;
    for (const auto& change : agent_changes) agents.push_back(change.user_id);
    // Only joins, leaves and mode changes move the floor; a message does not.
    for (const auto& id : changes.roster_changed)
      if (const chat::Chat* chat = ctx.desk.find(id))
        for (const auto& p : chat->participants)
          if (p.role == chat::ParticipantRole::Agent && !p.user_id.empty()) agents.push_back(p.user_id);
    std::sort(agents.begin(), agents.end());
    agents.erase(std::unique(agents.begin(), agents.end()), agents.end());
    ctx.floor_notifier->update(ctx, agents);
  }
  if (ctx.customer_publish) ctx.customer_publish(customer_pushes);
  co_return true;
}

awaitable<void> run_desk_timers(ApiContext& ctx, std::chrono::milliseconds period, const bool& stopping) {
  asio::steady_timer timer(ctx.io);
  while (!stopping) {
    timer.expires_after(period);
    co_await timer.async_wait(asio::use_awaitable);
    co_await ctx.enter_domain();
    ctx.desk.tick();
    co_await commit_domain(ctx);
    co_await ctx.leave();
  }
}

}  // namespace parley::gws
