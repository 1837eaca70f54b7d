"""The storefront sub-application: catalog, cart, checkout and order pages, server-rendered."""
