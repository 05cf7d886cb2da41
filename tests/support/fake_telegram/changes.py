"""Changing messages the bot sent: editMessageText/Caption/ReplyMarkup/Media and deleteMessage,
refused as Telegram refuses them, the 48-hour limits included (by the fake's `wall_clock`)."""

from __future__ import annotations

import hashlib

from tests.support.fake_telegram.html import parse_html, utf16_len
from tests.support.fake_telegram.records import JSON, ApiError, Exchange, SentMessage, bad_request
from tests.support.fake_telegram.rules import CAPTION_LIMIT
from tests.support.fake_telegram.state import BotApiState

# Telegram lets a bot edit or delete its messages for 48 hours (in the fake: from their date).
CHANGE_LIMIT_SECONDS = 48 * 3600


class MessageChanges(BotApiState):
    """Edits and deletions of the messages the fake keeps."""

    def _photo_sizes(self, photo: object) -> list[JSON]:
        """Three PhotoSizes for a photo by URL, file_id or upload (bad_photos refuses it)."""
        bad = self.bad_photos
        if isinstance(photo, str) and (bad is True or (isinstance(bad, set) and photo in bad)):
            raise ApiError(400, "Bad Request: wrong type of the web page content", deliberate=True)
        file_key = photo if isinstance(photo, str) else f"upload-{len(self.sent)}"
        file_id = "AgAC" + hashlib.sha1(file_key.encode()).hexdigest()[:24]
        return [
            {
                "file_id": f"{file_id}{size}",
                "file_unique_id": f"AQAD{size}{file_id[-8:]}",
                "width": size,
                "height": size * 3 // 4,
                "file_size": size * 100,
            }
            for size in (90, 320, 800)
        ]

    def _sent_record(
        self, ex: Exchange, message_id: int, text: str | None, photo: str | None
    ) -> SentMessage:
        """A SentMessage for this call, remembered on the exchange (to mark it slow later)."""
        markup = ex.params.get("reply_markup")
        record = SentMessage(
            method=ex.method,
            chat_id=ex.chat_id or 0,
            message_id=message_id,
            text=text,
            parse_mode=ex.params.get("parse_mode"),
            photo=photo,
            reply_markup=markup if isinstance(markup, dict) else None,
            params=ex.params,
            at=ex.at,
        )
        ex.records.append(record)
        return record

    def _too_old(self, message: JSON) -> bool:
        return self.wall_clock() - int(message["date"]) >= CHANGE_LIMIT_SECONDS

    def _message_to_change(self, ex: Exchange, missing: str) -> JSON:
        if ex.chat_id is None or "message_id" not in ex.params:
            raise bad_request("message identifier is not specified")
        message = self._messages.get((ex.chat_id, int(ex.params["message_id"])))
        if message is None:
            raise bad_request(missing)
        return message

    def _edit_message(self, ex: Exchange) -> JSON | bool:
        """editMessageText / Caption / ReplyMarkup, refusing what Telegram refuses."""
        params = ex.params
        if "inline_message_id" in params:
            self.edits.append(
                self._sent_record(ex, 0, params.get("text", params.get("caption")), None)
            )
            return True
        old = self._message_to_change(ex, "message to edit not found")
        if self._too_old(old):
            raise ApiError(400, "Bad Request: message can't be edited", deliberate=True)
        new = {key: value for key, value in old.items() if key not in {"reply_markup", "edit_date"}}
        if isinstance(params.get("reply_markup"), dict):
            new["reply_markup"] = params["reply_markup"]
        if ex.method == "editMessageText":
            if "text" not in old:
                raise bad_request("there is no text in the message to edit")
            new.pop("entities", None)
            new["text"] = ex.text
            if ex.entities:
                new["entities"] = ex.entities
        elif ex.method == "editMessageCaption":
            if "photo" not in old:
                raise bad_request("there is no caption in the message to edit")
            new.pop("caption", None)
            new.pop("caption_entities", None)
            if ex.text:
                new["caption"] = ex.text
                if ex.entities:
                    new["caption_entities"] = ex.entities
        return self._store_edit(ex, old, new, params.get("text", params.get("caption")), None)

    def _edit_message_media(self, ex: Exchange) -> JSON:
        """editMessageMedia with a photo: a new photo and caption on a photo message."""
        old = self._message_to_change(ex, "message to edit not found")
        if self._too_old(old):
            raise ApiError(400, "Bad Request: message can't be edited", deliberate=True)
        media = ex.params.get("media")
        if not isinstance(media, dict) or media.get("type") != "photo":
            raise bad_request("the fake edits photos only")
        if "photo" not in old:
            raise bad_request("there is no media in the message to edit")
        photo = media.get("media")
        new = {key: value for key, value in old.items() if key not in {"reply_markup", "edit_date"}}
        new["photo"] = self._photo_sizes(photo)
        for key in ("caption", "caption_entities"):
            new.pop(key, None)
        caption = media.get("caption")
        if caption:
            mode = str(media.get("parse_mode", "")).lower()
            if mode not in ("", "html"):
                raise bad_request(f"unsupported parse_mode {media['parse_mode']!r}")
            text, entities = parse_html(caption) if mode == "html" else (caption, None)
            if utf16_len(text) > CAPTION_LIMIT:
                raise bad_request("message caption is too long")
            new["caption"] = text
            if entities:
                new["caption_entities"] = entities
        if isinstance(ex.params.get("reply_markup"), dict):
            new["reply_markup"] = ex.params["reply_markup"]
        return self._store_edit(ex, old, new, caption, photo if isinstance(photo, str) else None)

    def _store_edit(
        self, ex: Exchange, old: JSON, new: JSON, text: str | None, photo: str | None
    ) -> JSON:
        if {k: v for k, v in old.items() if k != "edit_date"} == new:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        new["edit_date"] = int(self.wall_clock())
        assert ex.chat_id is not None
        self._messages[ex.chat_id, new["message_id"]] = new
        self.edits.append(self._sent_record(ex, new["message_id"], text, photo))
        return new

    def _delete_message(self, ex: Exchange) -> bool:
        """deleteMessage: a message of the bot's, within 48 hours, once."""
        message = self._message_to_change(ex, "message to delete not found")
        if self._too_old(message):
            raise ApiError(
                400, "Bad Request: message can't be deleted for everyone", deliberate=True
            )
        assert ex.chat_id is not None
        del self._messages[ex.chat_id, message["message_id"]]
        self.deleted.append((ex.chat_id, int(message["message_id"])))
        return True
