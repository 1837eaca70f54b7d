"""Galla's settings, read from the environment or a .env file by pydantic-settings."""

from __future__ import annotations

import secrets
from typing import Literal

import limits
from pydantic import Field, SecretStr, ValidationInfo, field_validator, validate_email
from pydantic_settings import BaseSettings, SettingsConfigDict

from galla.orders.context import ShopDetails
from galla.payments.razorpay.client import DEFAULT_API_BASE, DEFAULT_CHECKOUT_JS
from galla.payments.stripe import client as stripe_gateway

SANDBOX_RAZORPAY_PATH = "/sandbox/razorpay"
SANDBOX_STRIPE_PATH = "/sandbox/stripe"
MIN_ADMIN_PASSWORD_LENGTH = 12


class SettingsError(ValueError):
    """Settings Galla refuses to run with."""


class Settings(BaseSettings):
    """Every setting Galla reads; .env.example lists the same names."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    mongodb_uri: str | None = None
    mongodb_db: str = "galla"

    razorpay_key_id: str | None = None
    razorpay_key_secret: SecretStr | None = None
    razorpay_webhook_secret: SecretStr | None = None
    razorpay_api_base: str = DEFAULT_API_BASE
    razorpay_checkout_js: str = DEFAULT_CHECKOUT_JS
    razorpay_capture: Literal["auto", "manual"] = "auto"
    razorpay_timeout: float = Field(10.0, gt=0, le=60)

    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None
    stripe_timeout: float = Field(10.0, gt=0, le=60)

    # Reconciliation: how often the server looks (0 turns the in-server job off), how old a pending order
    # must be before it is looked up, and when an unpaid one is given up. All in seconds.
    reconcile_interval: float = Field(300.0, ge=0)
    reconcile_after: float = Field(900.0, ge=0)
    order_expiry: float = Field(86400.0, gt=0)

    # Failover: an Indian buyer's checkout goes to Stripe in INR when Razorpay cannot take it.
    failover: bool = True
    # A gateway's circuit opens after this many transient failures in a row, and probes again after cool-down.
    circuit_failures: int = Field(5, ge=1)
    circuit_cooldown: float = Field(30.0, gt=0)

    # Per client (IP address): how many checkouts it may create, in the `limits` notation ("20/minute").
    checkout_rate_limit: str = "20/minute"
    # Behind a reverse proxy, take the client's address from X-Forwarded-For (only then; it is forgeable).
    trust_forwarded_for: bool = False
    # Per client: requests to the public endpoints that call a gateway (payment checks, order lookups with a
    # Stripe session id, paying again), so a stranger cannot spend the shop's gateway quota or open its circuit.
    public_gateway_rate_limit: str = "60/minute"
    # How many trusted proxies add to X-Forwarded-For before Galla: the client is the entry that many from the
    # right (0: TRUST_FORWARDED_FOR decides, as one hop).
    trusted_proxy_hops: int = Field(0, ge=0, le=10)
    # auto: text lines for people on a terminal, JSON lines when stderr is a file or a pipe (a log collector).
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: str = "INFO"

    # Email: receipts go out through this SMTP server; with no host they are kept in the outbox as "held",
    # visible in the admin, and sent once a host is set. The mailer looks for due messages every
    # MAIL_POLL_SECONDS (0 turns the in-server mailer off).
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True
    smtp_timeout: float = Field(30.0, gt=0, le=300)
    mail_poll_seconds: float = Field(5.0, ge=0)

    # The address buyers reach the shop at ("https://shop.example.in"); unset (""), it is the address `galla serve`
    # serves on, filled in by create_app, so a run on another port sends buyers back to that port.
    public_url: str = ""
    admin_password: SecretStr | None = None
    shop_name: str = "Galla"
    # The shop's own details, printed on receipts, emails and the Stripe page (as a business's public details are
    # on Stripe Checkout): the registered legal name (SHOP_NAME when unset), its postal address, and how buyers
    # reach it.
    shop_legal_name: str | None = None
    shop_address: str | None = None
    shop_email: str | None = None
    shop_phone: str | None = None

    @field_validator(
        "mongodb_uri",
        "razorpay_key_id",
        "razorpay_key_secret",
        "razorpay_webhook_secret",
        "stripe_secret_key",
        "stripe_webhook_secret",
        "stripe_api_base",
        "admin_password",
        "smtp_host",
        "smtp_username",
        "smtp_password",
        "smtp_from",
        "shop_legal_name",
        "shop_address",
        "shop_email",
        "shop_phone",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # An empty line in .env (RAZORPAY_KEY_ID=) means "not set", not "the empty key".
        return None if value == "" else value

    @field_validator("shop_name", "shop_legal_name", "shop_address", "shop_email", "shop_phone")
    @classmethod
    def _shop_details_are_plain(cls, value: str | None, info: ValidationInfo) -> str | None:
        # They go into email headers (From, Reply-To, subjects): a stray \r from a CRLF .env would stop every email.
        allowed = "\n" if info.field_name == "shop_address" else ""
        if value is not None and any(c not in allowed and (c < " " or "\x7f" <= c <= "\x9f") for c in value):
            raise ValueError("must not hold control characters (a stray \\r from a Windows .env?)")
        if value is not None and info.field_name == "shop_email":
            validate_email(value)  # raises naming what is wrong with the address
        return value

    @field_validator("checkout_rate_limit", "public_gateway_rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        limits.parse(value)  # raises ValueError naming what it could not read
        return value

    @property
    def razorpay_webhook_secrets(self) -> tuple[str, ...]:
        """RAZORPAY_WEBHOOK_SECRET as a list: the current secret first, then any previous one still verified."""
        return split_secrets(self.razorpay_webhook_secret)

    @property
    def stripe_webhook_secrets(self) -> tuple[str, ...]:
        """STRIPE_WEBHOOK_SECRET as a list: the current secret first, then any previous one still verified."""
        return split_secrets(self.stripe_webhook_secret)

    @property
    def shop_details(self) -> ShopDetails:
        """The shop's name and legal details as receipts, emails and the Stripe page show them."""
        return ShopDetails(
            name=self.shop_name,
            legal_name=self.shop_legal_name or self.shop_name,
            address=self.shop_address,
            email=self.shop_email,
            phone=self.shop_phone,
        )

    @property
    def keyed_gateways(self) -> frozenset[str]:
        """The gateways with keys set: the live ones (with none, both are sandboxes: the demo)."""
        return frozenset(
            name
            for name, keyed in (
                ("razorpay", bool(self.razorpay_key_id)),
                ("stripe", self.stripe_secret_key is not None),
            )
            if keyed
        )

    @property
    def off_gateways(self) -> frozenset[str]:
        """The gateways that are off: without keys while the other has keys (never a sandbox beside a live one)."""
        keyed = self.keyed_gateways
        return frozenset({"razorpay", "stripe"} - keyed) if keyed else frozenset()

    @property
    def razorpay_sandbox(self) -> bool:
        """Whether Razorpay is the built-in sandbox: no gateway has keys (the demo)."""
        return not self.keyed_gateways

    def served_at(self, url: str) -> Settings:
        """These settings with PUBLIC_URL, when unset, as the address the shop is served at."""
        return self if self.public_url else self.model_copy(update={"public_url": url})

    def with_razorpay_sandbox(self, base_url: str) -> Settings:
        """Return these settings pointed at the sandbox mounted under base_url, with fresh test keys."""
        base = base_url.rstrip("/") + SANDBOX_RAZORPAY_PATH
        return self.model_copy(
            update={
                "razorpay_key_id": "rzp_test_" + secrets.token_hex(7),
                "razorpay_key_secret": SecretStr(secrets.token_urlsafe(24)),
                "razorpay_webhook_secret": SecretStr(secrets.token_urlsafe(24)),
                "razorpay_api_base": base,
                "razorpay_checkout_js": SANDBOX_RAZORPAY_PATH + "/v1/checkout.js",
            }
        )

    @property
    def stripe_sandbox(self) -> bool:
        """Whether Stripe is the built-in sandbox: no gateway has keys (the demo)."""
        return not self.keyed_gateways

    @property
    def stripe_api_url(self) -> str:
        """Where the Stripe API lives: STRIPE_API_BASE, else Stripe's own."""
        return self.stripe_api_base or stripe_gateway.DEFAULT_API_BASE

    def with_stripe_sandbox(self, base_url: str) -> Settings:
        """Return these settings pointed at the Stripe sandbox mounted under base_url, with fresh test keys."""
        return self.model_copy(
            update={
                "stripe_secret_key": SecretStr("sk_test_" + secrets.token_urlsafe(24)),
                "stripe_publishable_key": "pk_test_" + secrets.token_urlsafe(24),
                "stripe_webhook_secret": SecretStr("whsec_" + secrets.token_urlsafe(24)),
                "stripe_api_base": base_url.rstrip("/") + SANDBOX_STRIPE_PATH,
            }
        )


def split_secrets(value: SecretStr | None) -> tuple[str, ...]:
    """A comma-separated list of webhook secrets (during a rotation: new, old), blanks and spaces dropped."""
    if value is None:
        return ()
    return tuple(part.strip() for part in value.get_secret_value().split(",") if part.strip())


def check_gateway_keys(settings: Settings) -> None:
    """Refuse half a Razorpay key pair: the id without its secret would fail only at the first payment."""
    if settings.razorpay_key_id and settings.razorpay_key_secret is None:
        raise SettingsError(
            "RAZORPAY_KEY_ID is set but RAZORPAY_KEY_SECRET is not: set both (Razorpay "
            "Dashboard → Account & Settings → API Keys), or neither for the sandbox"
        )


# Live-mode key prefixes, as the gateways document them: Stripe's secret (sk_live_) and restricted (rk_live_) keys
# (docs.stripe.com/api/authentication, docs.stripe.com/keys), Razorpay's key ids (rzp_live_, razorpay.com/docs/payments/
# dashboard/account-settings/api-keys). Test keys are left out: a test payment may well come back to this machine.
LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_", "rzp_live_")


def check_public_url(settings: Settings) -> None:
    """Refuse live keys without PUBLIC_URL: buyers paying for real would be sent back to this machine's address."""
    keys = (settings.razorpay_key_id, settings.stripe_secret_key and settings.stripe_secret_key.get_secret_value())
    if not settings.public_url and any(key and key.startswith(LIVE_KEY_PREFIXES) for key in keys):
        raise SettingsError(
            "PUBLIC_URL is not set: with live Razorpay or Stripe keys it must be the shop's public https address "
            "(https://shop.example.in), where buyers come back from Stripe and gateways send webhooks"
        )


def check_admin_password(password: SecretStr | None) -> None:
    """Refuse a missing ADMIN_PASSWORD, or one under 12 characters (checked when a gateway has real keys)."""
    if password is None:
        raise SettingsError(
            "ADMIN_PASSWORD is not set: with real Razorpay or Stripe keys the admin area "
            f"needs a password of at least {MIN_ADMIN_PASSWORD_LENGTH} characters"
        )
    length = len(password.get_secret_value())
    if length < MIN_ADMIN_PASSWORD_LENGTH:
        raise SettingsError(
            f"ADMIN_PASSWORD is {length} characters: with real Razorpay or Stripe keys it must "
            f"be at least {MIN_ADMIN_PASSWORD_LENGTH}"
        )
