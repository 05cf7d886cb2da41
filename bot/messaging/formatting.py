"""Telegram-side formatting: the HTML of part of a message, its entities kept."""

from __future__ import annotations

import html

from telegram import Message, MessageEntity

from bot.domain.notes import telegram_length


def html_after(message: Message, cut: int, *, caption: bool = False) -> str:
    """The HTML of `message.text[cut:]` (or of its caption), its formatting kept however the
    cut splits it."""
    text = (message.caption if caption else message.text) or ""
    start = telegram_length(text[:cut])  # entity offsets count UTF-16 units
    entities = []
    for entity in message.caption_entities if caption else message.entities:
        begin, end = max(entity.offset, start), entity.offset + entity.length
        if end > begin:  # entities wholly inside the cut part (the command, #topic) go
            shifted = {**entity.to_dict(), "offset": begin - start, "length": end - begin}
            # PTB writes these attributes into the HTML as they are: a link's "&" or '"'
            # would make it invalid, and Telegram names a code block's language-xxx class.
            if entity.url is not None:
                shifted["url"] = html.escape(entity.url, quote=True)
            if entity.language:
                shifted["language"] = "language-" + html.escape(entity.language, quote=True)
            entities.append(MessageEntity.de_json(shifted, message.get_bot()))
    rest = Message(
        message_id=message.message_id,
        date=message.date,
        chat=message.chat,
        text=text[cut:],
        entities=entities,
    )
    return rest.text_html
