#include "gws/desk_metrics.hpp"

#include <cstdio>

#include "common/metrics.hpp"

namespace parley::gws {

namespace {
std::string label(const char* name, const std::string& value) {
  return std::string(name) + "=\"" + escape_label(value) + "\"";
}
}  // namespace

boost::asio::awaitable<std::string> render_desk_metrics(ApiContext& ctx) {
  co_await ctx.enter_domain();
  const chat::DeskCounters counters = ctx.desk.counters();
  const chat::DeskGauges gauges = ctx.desk.gauges();
  co_await ctx.leave();

  MetricsText m;
  m.family("parley_chats", "gauge", "Chats in memory by state (queued, offered, active, ended)");
  for (const auto& [state, n] : gauges.chats_by_state) m.sample("parley_chats", label("state", state), double(n));
  m.family("parley_chats_created_total", "counter", "Chats requested by customers");
  m.sample("parley_chats_created_total", "", double(counters.chats_created));
  m.family("parley_chats_expired_in_queue_total", "counter", "Chats that reached the wait limit without an agent");
  m.sample("parley_chats_expired_in_queue_total", "", double(counters.chats_expired_in_queue));

  m.family("parley_queue_length", "gauge", "Chats waiting in each queue");
  for (const auto& [queue, n] : gauges.queue_length) m.sample("parley_queue_length", label("queue", queue), double(n));
  m.family("parley_queue_oldest_wait_seconds", "gauge", "How long the longest-waiting chat of each queue has waited");
  for (const auto& [queue, s] : gauges.oldest_wait_seconds)
    m.sample("parley_queue_oldest_wait_seconds", label("queue", queue), s);
  m.family("parley_queue_wait_seconds", "histogram", "Time from entering the queue to an agent accepting, per service");
  for (const auto& [service, h] : counters.queue_wait) {
    std::uint64_t cumulative = 0;
    const std::string service_label = label("service", service);
    for (std::size_t i = 0; i < h.buckets.size(); ++i) {
      cumulative += h.buckets[i];
      char le[32];
      if (i < chat::WaitHistogram::kBounds.size()) std::snprintf(le, sizeof le, "%g", chat::WaitHistogram::kBounds[i]);
      else std::snprintf(le, sizeof le, "+Inf");
      m.sample("parley_queue_wait_seconds_bucket", service_label + ",le=\"" + le + "\"", double(cumulative));
    }
    m.sample("parley_queue_wait_seconds_sum", service_label, h.sum_seconds);
    m.sample("parley_queue_wait_seconds_count", service_label, double(h.count));
  }

  m.family("parley_offers_total", "counter",
           "Offers to agents by kind (routing, transfer, invite, consult) and outcome "
           "(made, accepted, rejected, timed_out, withdrawn)");
  for (const auto& [kind, c] : counters.offers) {
    const std::string k = label("kind", kind);
    m.sample("parley_offers_total", k + ",outcome=\"made\"", double(c.made));
    m.sample("parley_offers_total", k + ",outcome=\"accepted\"", double(c.accepted));
    m.sample("parley_offers_total", k + ",outcome=\"rejected\"", double(c.rejected));
    m.sample("parley_offers_total", k + ",outcome=\"timed_out\"", double(c.timed_out));
    m.sample("parley_offers_total", k + ",outcome=\"withdrawn\"", double(c.withdrawn));
  }

  m.family("parley_chat_messages_total", "counter", "Chat messages by sender (customer, agent, supervisor)");
  for (const char* sender : {"customer", "agent", "supervisor"}) {
    auto it = counters.messages.find(sender);
    m.sample("parley_chat_messages_total", label("sender", sender), double(it == counters.messages.end() ? 0 : it->second));
  }

  m.family("parley_supervisions", "gauge", "Supervisions (supervisor watching an agent) by mode");
  for (const auto& [mode, n] : gauges.supervisions_by_mode)
    m.sample("parley_supervisions", label("mode", mode), double(n));
  m.family("parley_supervisor_switches_total", "counter", "Supervisor mode switches in chats");
  m.sample("parley_supervisor_switches_total", "", double(counters.supervisor_switches));

  m.family("parley_agents", "gauge", "Agents with a contact-center session, by chat channel state");
  for (const auto& [state, n] : gauges.agents_by_state) m.sample("parley_agents", label("state", state), double(n));
  co_return m.text();
}

}  // namespace parley::gws
