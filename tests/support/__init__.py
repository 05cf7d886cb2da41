"""Helpers the tests share; test modules import from here, never from one another.

- ``fake_telegram``: the fake Bot API (a package; ``python -m tests.support.fake_telegram``).
- ``posts``: the seed post and writing posts into a content folder.
- ``conversation``: who talks (ALICE, GROUP...), talking to the bot and reading its replies.
- ``settings``: a test bot's settings, as environment variables or a Settings object.
- ``bots``: newsbot running inside the test's event loop.
- ``processes``: newsbot as a child process, and the environment it gets.
- ``databases``: the PostgreSQL server the tests use.
- ``outbox``: queueing broadcasts, a Sender at work, leases and held-back sends.
- ``proxy``: a TCP proxy a test can cut (a database that goes away).

``tests/conftest.py`` holds the fixtures, built from these.
"""
