"""Settings come from the environment or a .env file; blank means unset; no keys means sandbox."""

from __future__ import annotations

from galla.settings import Settings


def test_env_file_and_environment(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("RAZORPAY_KEY_ID=rzp_test_abc\nRAZORPAY_KEY_SECRET=shh\nRAZORPAY_CAPTURE=manual\nMONGODB_URI=\n")
    monkeypatch.setenv("MONGODB_DB", "shop_from_env")
    settings = Settings(_env_file=env)
    assert settings.razorpay_key_id == "rzp_test_abc" and not settings.razorpay_sandbox
    assert settings.razorpay_key_secret.get_secret_value() == "shh"
    assert "shh" not in repr(settings)  # secrets never show in logs or tracebacks
    assert settings.razorpay_capture == "manual"
    assert settings.mongodb_uri is None and settings.mongodb_db == "shop_from_env"


def test_keyless_settings_point_at_the_mounted_sandbox():
    settings = Settings(_env_file=None, razorpay_key_id="")
    assert settings.razorpay_sandbox
    sandboxed = settings.with_razorpay_sandbox("http://127.0.0.1:9000")
    assert sandboxed.razorpay_api_base == "http://127.0.0.1:9000/sandbox/razorpay"
    assert sandboxed.razorpay_checkout_js == "/sandbox/razorpay/v1/checkout.js"
    assert sandboxed.razorpay_key_id.startswith("rzp_test_")
    assert (
        sandboxed.razorpay_key_secret.get_secret_value()
        != settings.with_razorpay_sandbox("http://x").razorpay_key_secret.get_secret_value()
    )
