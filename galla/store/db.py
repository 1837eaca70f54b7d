"""Opening the database (a real MongoDB, or the embedded in-memory store) and its indexes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

# Every index a real MongoDB needs, declared here and created at startup. Unique secondary
# indexes are few on purpose: the embedded store checks each one from a map of indexed values
# (galla/store/embedded/__init__.py), a real MongoDB from the index.
INDEXES: dict[str, list[IndexModel]] = {
    "customers": [
        # _id is already the normalised email; this keeps the stored field honest too.
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
    ],
    "orders": [
        # Sparse, so the many orders that have no Razorpay order (yet, or ever) don't collide.
        IndexModel([("razorpay_order_id", ASCENDING)], unique=True, sparse=True, name="razorpay_order_id_unique"),
        # The admin's order list: newest first, paged by (created_at, _id), one index led by each filter so
        # no page ever sorts in memory (galla/store/order_list.py names which one each query uses).
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="list_all"),
        IndexModel([("status", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="list_by_status"),
        IndexModel(
            [("payment.method", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="list_by_method"
        ),
        IndexModel([("gateway", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="list_by_gateway"),
        # The admin's search box (galla/store/orders.py match_*): a buyer's orders newest first by email or phone; a
        # name by a prefix of its casefolded words (a range of keys, then the few matches sorted); a Stripe session,
        # current or earlier; a failed payment attempt. Order ids are _id; payment and Razorpay order ids use the webhooks' indexes.
        IndexModel(
            [("customer.email", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="customer_email"
        ),
        IndexModel(
            [("customer.phone", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="customer_phone"
        ),
        IndexModel([("name_words", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="name_words"),
        IndexModel([("stripe_sessions", ASCENDING)], sparse=True, name="stripe_sessions"),
        IndexModel([("attempts.payment_id", ASCENDING)], sparse=True, name="attempt_payment_id"),
        # The dashboard's takings: orders paid since a day began.
        IndexModel([("paid_at", ASCENDING)], sparse=True, name="paid_at"),
        # Webhooks about charges, refunds and disputes name the payment, not always our order.
        IndexModel([("payment.id", ASCENDING)], sparse=True, name="payment_id"),
        # A second payment on a paid order is found by its id too (its refund's webhooks name it), counted on the
        # dashboard by when it arrived, and its refund, while open, is looked up by reconciliation.
        IndexModel([("extra_payments.id", ASCENDING)], sparse=True, name="extra_payment_id"),
        IndexModel([("extra_payments.at", ASCENDING)], sparse=True, name="extra_payments_at"),
        IndexModel([("extra_payments.refund.status", ASCENDING)], sparse=True, name="extra_refunds_status"),
        # The dashboard's refunds: asked for in a period, or (made in a gateway's dashboard) learned of in it;
        # the query's $or needs an index per branch or MongoDB scans the collection.
        IndexModel([("refunds.requested_at", ASCENDING)], sparse=True, name="refunds_requested_at"),
        IndexModel([("refunds.settled_at", ASCENDING)], sparse=True, name="refunds_settled_at"),
        # Reconciliation looks for refunds still open at the gateway.
        IndexModel([("refunds.status", ASCENDING)], sparse=True, name="refunds_status"),
    ],
    "events": [
        # The ledger's _id is "<gateway>:<event_id>" (unique by construction); an order's trace reads these.
        IndexModel([("order_id", ASCENDING), ("received_at", ASCENDING)], sparse=True, name="order_received"),
        # The ledger job re-applies events stored but not applied (a webhook answered at its time budget).
        IndexModel([("status", ASCENDING), ("received_at", ASCENDING)], name="status_received"),
    ],
    "outbox": [
        # The mailer takes due messages by status; the admin's order page shows an order's messages.
        IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="status_due"),
        IndexModel([("order_id", ASCENDING)], name="order_id"),
        # The admin's Emails page: newest first, all or by status.
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="newest"),
        IndexModel([("status", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="status_newest"),
    ],
    "webhook_rejections": [
        # Refused deliveries are evidence for a while, then go (galla/store/rejections.py KEEP_DAYS).
        IndexModel([("received_at", ASCENDING)], expireAfterSeconds=30 * 86400, name="received_at_ttl"),
        IndexModel([("order_id", ASCENDING)], sparse=True, name="order_id"),
    ],
    "idempotency_keys": [
        # Keys are promised for a day, as Stripe does; MongoDB's TTL monitor removes them after.
        IndexModel([("created_at", ASCENDING)], expireAfterSeconds=86400, name="created_at_ttl"),
    ],
    "admin_sessions": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expires_at_ttl")],
    # The catalog's plans on sale, in catalog order (galla/store/plans.py list_plans); each plan's versions, newest
    # first (list_plan_versions). A version's _id is "<plan_id>@<version>", so fetching one needs no index.
    "plans": [IndexModel([("active", ASCENDING), ("position", ASCENDING), ("_id", ASCENDING)], name="active_position")],
    "plan_versions": [IndexModel([("plan_id", ASCENDING), ("version", DESCENDING)], name="plan_versions")],
    # Subscriptions (galla/store/subscriptions.py): found by the gateway's ids an event or a return names, listed
    # newest first by status, plan or gateway in the admin, searched by email or name words, and swept by reconcile
    # (due a look at the gateway, longest waiting first).
    "subscriptions": [
        IndexModel(
            [("razorpay_subscription_id", ASCENDING)], unique=True, sparse=True, name="razorpay_subscription_id"
        ),
        IndexModel([("stripe_subscription_id", ASCENDING)], unique=True, sparse=True, name="stripe_subscription_id"),
        IndexModel([("stripe_session_id", ASCENDING)], unique=True, sparse=True, name="stripe_session_id"),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)], name="newest"),
        IndexModel([("status", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="status_newest"),
        IndexModel([("plan_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="plan_newest"),
        IndexModel([("gateway", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="gateway_newest"),
        IndexModel([("customer.email", ASCENDING)], name="customer_email"),
        IndexModel([("name_words", ASCENDING)], name="name_words"),
        IndexModel([("next_check_at", ASCENDING), ("_id", ASCENDING)], name="next_check"),
    ],
    # A subscription's charges, oldest cycle first (galla/store/subscription_charges.py list_charges).
    "subscription_charges": [
        IndexModel(
            [("subscription_id", ASCENDING), ("period_start", ASCENDING), ("created_at", ASCENDING)], name="cycles"
        ),
        # The admin's dashboard (galla/store/subscription_figures.py count_failed_charges): charges failed now whose
        # last attempt fell this week.
        IndexModel([("status", ASCENDING), ("updated_at", ASCENDING)], name="status_updated"),
        # Refund and dispute webhooks name a charge's payment, not our charge (find_payment_charge).
        IndexModel([("payment_id", ASCENDING)], sparse=True, name="payment_id"),
        # The reconciler's charges with a refund still requested or pending (find_charges_with_open_refunds).
        IndexModel([("refunds.status", ASCENDING)], sparse=True, name="refunds_status"),
    ],
    # An uploaded image's chunks, read in order (galla/store/images.py); GridFS keeps the same index on its own.
    "image_chunks": [IndexModel([("image_id", ASCENDING), ("n", ASCENDING)], name="image_n")],
}


@dataclass(slots=True)
class Database:
    """A motor database handle, and whether it lives only in this process's memory."""

    client: Any
    db: Any
    embedded: bool

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()


def open_database(uri: str | None, name: str) -> Database:
    """Connect to MongoDB at uri, or to the embedded in-memory store when uri is empty."""
    if uri:
        from motor.motor_asyncio import AsyncIOMotorClient

        client: AsyncIOMotorClient[dict[str, Any]] = AsyncIOMotorClient(
            uri, serverSelectionTimeoutMS=5000, tz_aware=True
        )
        return Database(client=client, db=client[name], embedded=False)
    from mongomock_motor import (
        AsyncCommandCursor,
        AsyncCursor,
        AsyncLatentCommandCursor,
        AsyncMongoMockClient,
        AsyncMongoMockCollection,
        AsyncMongoMockDatabase,
    )

    from galla.store.embedded import cache_collections, cache_version_checks, install_id_fast_path, yield_to_the_loop
    from galla.store.embedded.copies import install_fast_copies
    from galla.store.embedded.snapshot import install_planned_snapshots
    from galla.store.embedded.updates import install_simple_updates

    install_id_fast_path()
    cache_version_checks()
    install_fast_copies()
    install_planned_snapshots()  # after the fast copies: it wraps the deepcopy they install
    install_simple_updates()
    cache_collections(AsyncMongoMockDatabase)
    yield_to_the_loop(
        AsyncMongoMockCollection, AsyncMongoMockDatabase, AsyncCursor, AsyncCommandCursor, AsyncLatentCommandCursor
    )
    client = AsyncMongoMockClient(tz_aware=True)
    return Database(client=client, db=client[name], embedded=True)


async def ensure_indexes(db: Any) -> None:
    """Create every declared index; existing ones with the same definition are left alone."""
    for collection, indexes in INDEXES.items():
        await db[collection].create_indexes(indexes)


async def ping(db: Any) -> bool:
    """Return whether the database answers."""
    result = await db.command("ping")
    return bool(result.get("ok"))
