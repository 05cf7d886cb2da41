"""The outbox's history for the operator (`newsbot deliveries`): filtered, newest first."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.delivery_log import NOT_DELIVERED, DeliveryQuery, DeliveryRecord
from bot.domain.states import DeliveryState
from storage.models import Delivery, Post


async def deliveries(session: AsyncSession, query: DeliveryQuery) -> list[DeliveryRecord]:
    """The rows the query asks for, with the post's file, newest first."""
    statement = (
        select(Delivery, Post.path)
        .outerjoin(Post, Post.id == Delivery.post_id)
        .order_by(Delivery.id.desc())
        .limit(query.limit)
    )
    if query.failed_only:
        statement = statement.where(Delivery.status.in_(NOT_DELIVERED))
    if query.post_path is not None:
        # The path as stored (relative to CONTENT_DIR), or its end: a file name is enough.
        path = query.post_path.lstrip("./")
        statement = statement.where(
            or_(Post.path == path, Post.path.endswith("/" + path, autoescape=True))
        )
    if query.broadcast_id is not None:
        statement = statement.where(Delivery.broadcast_id == query.broadcast_id)
    if query.chat_id is not None:
        statement = statement.where(Delivery.chat_id == query.chat_id)
    rows = await session.execute(statement)
    return [
        DeliveryRecord(
            id=row.id,
            chat_id=row.chat_id,
            post_path=path,
            broadcast_id=row.broadcast_id,
            status=DeliveryState(row.status),
            attempts=row.attempts,
            queued_at=row.created_at,
            sent_at=row.sent_at,
            error=row.error,
        )
        for row, path in rows
    ]
