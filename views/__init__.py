"""HTTP and the command line: the app factory, handlers, middlewares and the `galla` CLI."""
