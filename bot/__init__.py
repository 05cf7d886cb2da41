"""newsbot: announces a site's new posts to the Telegram chats that follow their topics."""
