"""Admin sign-in sessions: an unguessable id (the cookie), its CSRF token and when it ends."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# token_urlsafe(32) is 43 characters; anything much longer is not one of ours and is not looked up.
MAX_SESSION_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class AdminSession:
    """A signed-in admin's session."""

    id: str
    csrf: str
    expires_at: datetime


async def create_session(db: Any, ttl: timedelta) -> AdminSession:
    """Store a new session lasting ttl and return it."""
    now = datetime.now(UTC)
    session = AdminSession(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), expires_at=now + ttl)
    await db.admin_sessions.insert_one(
        {"_id": session.id, "csrf": session.csrf, "created_at": now, "expires_at": session.expires_at}
    )
    return session


async def find_session(db: Any, session_id: str) -> AdminSession | None:
    """The live session with this id, or None (unknown, deleted or expired)."""
    if not session_id or len(session_id) > MAX_SESSION_ID_LENGTH:
        return None
    # MongoDB's TTL monitor deletes expired sessions only about once a minute, so expiry is checked here too.
    doc = await db.admin_sessions.find_one({"_id": session_id, "expires_at": {"$gt": datetime.now(UTC)}})
    if doc is None:
        return None
    return AdminSession(id=doc["_id"], csrf=doc["csrf"], expires_at=doc["expires_at"])


async def delete_session(db: Any, session_id: str) -> None:
    """End a session (signing out)."""
    await db.admin_sessions.delete_one({"_id": session_id})
