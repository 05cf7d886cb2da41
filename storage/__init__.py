"""Everything SQLAlchemy: the models, queries per aggregate, the Store, migrations, locks.

It imports nothing from bot but bot.domain.
"""
