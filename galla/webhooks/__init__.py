"""The webhooks sub-application: signed deliveries verified on their raw bytes, stored once, then applied."""
