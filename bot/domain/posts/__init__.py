"""Jekyll posts: parsing a post's text (front matter, fields, dates, excerpt, link) into a Post.

Reading the files is not done here: see bot.scanning.
"""

from bot.domain.posts.model import MalformedPost, Post
from bot.domain.posts.parsing import parse_post

__all__ = ["MalformedPost", "Post", "parse_post"]
