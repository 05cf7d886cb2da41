"""Everything SQLAlchemy: the models, queries per aggregate, the Store, migrations, locks.

Query functions take the caller's session: chats (and subscriptions), catalogue (scanned files,
posts, topics), outbox (deliveries: queueing, claims, leases, outcomes), schedule (the shared
send schedule), broadcasts, stats. store.Store opens one transaction per use case and calls
them; engine makes the engine, schema opens and migrates the database, locks holds role locks.

It imports nothing from bot but bot.domain.
"""
