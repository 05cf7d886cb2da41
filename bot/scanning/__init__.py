"""Reading CONTENT_DIR: which files are posts, reading each safely, and the scan use case.

It turns files into domain values (bot.domain.posts) and hands them to the store.
"""
