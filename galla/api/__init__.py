"""The JSON API sub-application: request and response models, handlers, and the OpenAPI document."""
