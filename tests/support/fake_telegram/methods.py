"""The Bot API methods the fake implements, and how its knobs (blocks, limits, errors) bite."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re

from tests.support.fake_telegram.changes import MessageChanges
from tests.support.fake_telegram.channels import check_channel_post, member_rights
from tests.support.fake_telegram.forums import ForumTopics
from tests.support.fake_telegram.html import utf16_len
from tests.support.fake_telegram.records import (
    JSON,
    ApiError,
    Exchange,
    Handler,
    bad_request,
    too_many_requests,
)
from tests.support.fake_telegram.rules import CALLBACK_ANSWER_LIMIT
from tests.support.fake_telegram.state import scope_key
from tests.support.fake_telegram.updates import chat_member, human_user
from tests.support.fake_telegram.webhook import NOT_ALLOWED_BY_DEFAULT, WebhookPush

SEND_METHODS = frozenset(
    [
        "sendMessage",
        "sendPhoto",
        "sendAudio",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendSticker",
        "sendPaidMedia",
        "sendInvoice",
        "sendGame",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    ]
)
GIFT_TYPES = (
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)  # the fields of ChatFullInfo.accepted_gift_types


class BotApiMethods(MessageChanges, WebhookPush, ForumTopics):
    """Telegram's side of each call: checks the chat, applies the knobs, performs the method."""

    def method_handlers(self) -> dict[str, Handler]:
        """The implementation of each Bot API method the fake serves, by name."""
        return {
            "getMe": lambda ex: self.bot_user,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda ex: self.commands_for(
                ex.params.get("scope"), ex.params.get("language_code", "")
            ),
            "deleteMyCommands": self._delete_my_commands,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message,
            "editMessageCaption": self._edit_message,
            "editMessageReplyMarkup": self._edit_message,
            "editMessageMedia": self._edit_message_media,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getChatMember": self._get_chat_member,
            "getChat": self._get_chat,
            "leaveChat": self._leave_chat,
        }

    def _resolve_chat(self, chat_id: int | str) -> int:
        """A chat id from an integer or an @username the fake knows."""
        if isinstance(chat_id, int):
            return chat_id
        for known in self.chats.values():
            if chat_id.startswith("@") and known.get("username") == chat_id[1:]:
                return int(known["id"])
        # Telegram's answer for a name nobody has: not a mistake of the bot's.
        raise ApiError(400, "Bad Request: chat not found", deliberate=True)

    def _check_chat(self, chat_id: int, method: str = "") -> None:
        """Answer as Telegram does for migrated groups, blocks, kicks and deactivated users."""
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": self.migrated[chat_id]},
                deliberate=True,
            )
        kind = self.chat(chat_id)["type"]
        if chat_id in self.kicked:
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat", deliberate=True)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user", deliberate=True)
        if chat_id in self.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated", deliberate=True)
        if chat_id in self.left_chats:
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        if method in SEND_METHODS or method.startswith(("editMessage", "deleteMessage")):
            check_channel_post(self, chat_id)

    def _check_send(self, chat_id: int) -> None:
        """Forced retries, the bot-wide and per-group rate limits, random 502s."""
        now = self.clock()
        if self._forced_retries:
            raise too_many_requests(self._forced_retries.pop(0))
        if self.rate_limit is not None:
            recent = [at for at, _ in self._send_log if at > now - 1.0]
            if len(recent) >= self.rate_limit:
                raise too_many_requests(recent[-self.rate_limit] + 1.0 - now)
        if self.group_rate_limit is not None and chat_id < 0:
            recent = [at for at, chat in self._send_log if chat == chat_id and at > now - 60.0]
            if len(recent) >= self.group_rate_limit:
                raise too_many_requests(recent[-self.group_rate_limit] + 60.0 - now)
        if self.error_rate and self.random.random() < self.error_rate:
            raise ApiError(502, "Bad Gateway", deliberate=True)

    # ----------------------------------------------------------------- methods

    def _set_my_commands(self, ex: Exchange) -> bool:
        """setMyCommands with Telegram's rules for command names and descriptions."""
        commands = ex.params["commands"]
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (scope_key(ex.params.get("scope")), _language_code(ex))
        self.my_commands[key] = commands
        return True

    def _delete_my_commands(self, ex: Exchange) -> bool:
        key = (scope_key(ex.params.get("scope")), _language_code(ex))
        self.my_commands.pop(key, None)
        return True

    async def _get_updates(self, ex: Exchange) -> list[JSON]:
        """Long polling; a newer getUpdates terminates the one in flight with 409."""
        if self.foreign_poller:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
                deliberate=True,
            )
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        params = ex.params
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"]) or None
        self._confirm(int(params.get("offset", 0)))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        deadline = asyncio.get_running_loop().time() + max(0, int(params.get("timeout", 0)))
        if self._active_poll is not None:
            self._notify()
        self._poll_generation += 1
        generation = self._active_poll = self._poll_generation
        try:
            while True:
                if self._poll_generation != generation:
                    if ex.hung_up():
                        return []  # a poll its client abandoned: nobody left to tell
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                self._updates = [u for u in self._updates if self._allowed(u)]
                remaining = deadline - asyncio.get_running_loop().time()
                if self._updates or remaining <= 0:
                    return [json.loads(json.dumps(u)) for u in self._updates[:limit]]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        finally:
            if self._active_poll == generation:
                self._active_poll = None

    def _allowed(self, update: JSON) -> bool:
        """Whether getUpdates' allowed_updates lets this update through."""
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in NOT_ALLOWED_BY_DEFAULT
        return kind in self._allowed_updates

    def _confirm(self, offset: int) -> None:
        """Forget updates confirmed by getUpdates' offset (a negative one keeps the last -n)."""
        if offset < 0:
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _send_message(self, ex: Exchange) -> JSON:
        """sendMessage: a text Message with the entities parsed from the text."""
        message = self._new_message(ex)
        message["text"] = ex.text
        if ex.entities:
            message["entities"] = ex.entities
        return self._accept_send(ex, message, text=ex.params["text"], photo=None)

    def _send_photo(self, ex: Exchange) -> JSON:
        """sendPhoto by URL, file_id or upload: a Message with three PhotoSizes."""
        photo = ex.params["photo"]
        message = self._new_message(ex)
        message["photo"] = self._photo_sizes(photo)
        if ex.text:
            message["caption"] = ex.text
            if ex.entities:
                message["caption_entities"] = ex.entities
        photo_ref = photo if isinstance(photo, str) else None
        return self._accept_send(ex, message, text=ex.params.get("caption"), photo=photo_ref)

    def _new_message(self, ex: Exchange) -> JSON:
        """A Message from the bot in ex's chat (and topic) with the next message_id."""
        assert ex.chat_id is not None
        thread_id = self.check_thread(ex.chat_id, ex.params)
        chat = self.chat(ex.chat_id)
        message_id = self._last_message_id.get(ex.chat_id, 0) + 1
        self._last_message_id[ex.chat_id] = message_id
        message: JSON = {"message_id": message_id, "date": int(self.wall_clock()), "chat": chat}
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = self.bot_user
        markup = ex.params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        return message

    def _accept_send(
        self, ex: Exchange, message: JSON, *, text: str | None, photo: str | None
    ) -> JSON:
        """Store and record an accepted message; counts towards the rate limits."""
        assert ex.chat_id is not None
        self._messages[ex.chat_id, message["message_id"]] = message
        self._send_log.append((ex.at, ex.chat_id))
        record = self._sent_record(ex, message["message_id"], text, photo)
        self.sent.append(record)
        return message

    def _answer_callback_query(self, ex: Exchange) -> bool:
        """answerCallbackQuery: once per query the fake created."""
        query_id = str(ex.params["callback_query_id"])
        if query_id not in self._open_callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if utf16_len(str(ex.params.get("text", ""))) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.callback_answers.append(ex.params)
        return True

    def _get_chat_member(self, ex: Exchange) -> JSON:
        """getChatMember: the status from chat_members, "member" by default."""
        assert ex.chat_id is not None
        user_id = int(ex.params["user_id"])
        status = self.chat_members.get((ex.chat_id, user_id), "member")
        user = self.bot_user if user_id == self.bot_user["id"] else human_user(user_id)
        return chat_member(status, user) | member_rights(self, ex.chat_id, user_id, status)

    def _get_chat(self, ex: Exchange) -> JSON:
        """getChat: a ChatFullInfo with the fields PTB requires."""
        assert ex.chat_id is not None
        return {
            **self.chat(ex.chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(GIFT_TYPES, False),
        }

    def _leave_chat(self, ex: Exchange) -> bool:
        assert ex.chat_id is not None
        self.left_chats.append(ex.chat_id)
        return True


def _language_code(ex: Exchange) -> str:
    """A command list's language: empty for all, else a two-letter ISO 639-1 code."""
    code = str(ex.params.get("language_code", ""))
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("LANG_CODE_INVALID")
    return code
