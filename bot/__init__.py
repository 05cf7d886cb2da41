"""newsbot: announces a site's new posts to the Telegram chats that follow their topics."""

import os

# Opt in to PTB's future behaviour: durations such as RetryAfter.retry_after are timedeltas
# (reading them as ints is deprecated since PTB 22.2 and warns on every 429).
os.environ.setdefault("PTB_TIMEDELTA", "1")
