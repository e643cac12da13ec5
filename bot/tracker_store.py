"""Rasa's SQL tracker store, able to forget a conversation when the parent asks.

The delete action sets the `erase_conversation` slot. Saving that turn then deletes every stored
event of the conversation instead of appending to it, inside the same lock as the turn, so no
later save can write the old events back. (Deleting rows from the action server would not work:
Rasa saves by appending the events it thinks are missing, and would re-add them.)
"""
from __future__ import annotations

import logging

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cases import ERASE_SLOT

logger = logging.getLogger(__name__)


class ErasableSQLTrackerStore(SQLTrackerStore):
    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(ERASE_SLOT) is True:
            removed = self.erase(tracker.sender_id)
            logger.info("erased a conversation at the parent's request (%d events)", removed)
            return
        await super().save(tracker)

    def erase(self, sender_id: str) -> int:
        with self.session_scope() as session:
            removed = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete(
                synchronize_session=False)
            session.commit()
            return removed
