"""The bot's handlers, one module per feature; `register` adds them all to the Application.

start (/start, /help, /stop), subscriptions (/subscribe, /unsubscribe, /subscriptions and
the topic buttons), filters (/filter), latest (/latest), topics (/topics), broadcasts
(/broadcast and its buttons), broadcast_changes (Edit and Recall under a sent broadcast's report,
the new text), scheduled (/scheduled and its Cancel buttons), channels (/channel, /channels and
their remove buttons), stats (/stats), audit (/audit), language (/language and its buttons),
membership (migrations, the bot removed), schedules (/timezone, /digest, /quiet, /previews),
settings_menu (/settings and its buttons), errors (unknown buttons, the error handler), contact
(a group's welcome, hints for stray text in a private chat; after every command). Buttons are
routed by the prefix of their callback data; every handler runs in its chat's language
(chat_language).
"""

from __future__ import annotations

from bot.messaging.context import NewsApplication
from bot.messaging.handlers import (
    audit,
    broadcast_changes,
    broadcasts,
    channels,
    contact,
    errors,
    filters,
    language,
    latest,
    membership,
    scheduled,
    schedules,
    settings_menu,
    start,
    stats,
    subscriptions,
    topics,
)

FEATURES = (
    start,
    subscriptions,
    filters,
    latest,
    topics,
    broadcasts,
    broadcast_changes,
    scheduled,
    channels,
    stats,
    audit,
    language,
    membership,
    schedules,
    settings_menu,
)


def register(application: NewsApplication) -> None:
    """Every feature's handlers, then the catch-all for buttons and the error handler."""
    for feature in FEATURES:
        application.add_handlers(feature.HANDLERS)
    application.add_handlers(contact.HANDLERS)  # what no command took
    application.add_handler(contact.JOINED, group=1)
    errors.register(application)
