"""The pure core: Jekyll posts, topics, every text the bot shows, pacing, the outbox vocabulary.

Nothing here imports telegram, sqlalchemy, or any other part of newsbot: it is plain data and
functions of data, testable with plain asserts.
"""
