"""The Telegram side: handlers by feature, the scheduled jobs, and the outbox's sender.

Whatever imports python-telegram-bot in newsbot comes through here first, so the one process
setting PTB needs is made before PTB reads it.
"""

import os

# Opt in to PTB's future behaviour: durations such as RetryAfter.retry_after are timedeltas
# (reading them as ints is deprecated since PTB 22.2 and warns on every 429).
os.environ.setdefault("PTB_TIMEDELTA", "1")
