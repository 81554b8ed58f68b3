#pragma once
// The one place that decides who may see what (supervision.md, Visibility). Push, REST
// reads, the customer API and transcripts all go through these functions.
#include <vector>

#include "chat/model.hpp"

namespace parley::chat {

// Which audience a participant views the chat as.
Audience audience_of(const Participant& viewer);
// Who receives an item with this visibility.
AudienceSet audience_for(Visibility v);
// The narrower of two visibilities (a coach's SendMessage is stored as Agents).
Visibility narrower(Visibility a, Visibility b);

bool may_see_item(Audience viewer, const LogItem& item);
bool may_see_participant(Audience viewer, const Participant& p);

// Items in `viewer`'s audience with index >= from_index, in log order.
std::vector<const LogItem*> visible_items(const Chat& chat, Audience viewer, std::int64_t from_index = 1);
// Participants the viewer may see: agents and supervisors in join order, then the customer.
std::vector<const Participant*> visible_participants(const Chat& chat, Audience viewer);

}  // namespace parley::chat
